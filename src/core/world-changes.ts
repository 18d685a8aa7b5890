// Change requests a world file starts with (demos, tests): shape and references here; whether each
// is one Support may ask for (newChangeRequest's rules) is checked when it is seeded, once, as pending.
import { RESOURCE_TYPES } from './access';
import type { WorldChangeRequest } from './types';
import { check, entryLabel, isObject, onlyKeys, optBool, optString, reqString } from './world-check';

export function parseWorldChangeRequest(v: unknown, at: string, tickets: Set<string>): WorldChangeRequest {
  check(isObject(v), at, 'must be an object');
  const label = entryLabel(at, undefined, typeof v.id === 'string' ? v.id : undefined);
  onlyKeys(v, label, ['id', 'ticket', 'action', 'resource', 'reason', 'once', 'duration', 'until'], ['id', 'ticket', 'action', 'resource', 'reason']);
  const id = reqString(v, label, 'id');
  check(/^[A-Za-z0-9_-]{1,100}$/.test(id), label, 'id must be letters, digits, "_" or "-"');
  const ticket = reqString(v, label, 'ticket');
  check(tickets.has(ticket), label, `ticket "${ticket}" does not exist`);
  check(isObject(v.resource), label, 'resource must be an object {type, id, project?}');
  const r = v.resource as Record<string, unknown>;
  onlyKeys(r, `${label}.resource`, ['type', 'id', 'project'], ['type', 'id']);
  const type = reqString(r, `${label}.resource`, 'type');
  check((RESOURCE_TYPES as readonly string[]).includes(type), `${label}.resource`, `type must be one of ${RESOURCE_TYPES.join(', ')}`);
  const project = optString(r, `${label}.resource`, 'project');
  const out: WorldChangeRequest = {
    id,
    ticket,
    action: reqString(v, label, 'action'),
    resource: { type, id: reqString(r, `${label}.resource`, 'id'), ...(project !== undefined ? { project } : {}) },
    reason: reqString(v, label, 'reason'),
  };
  const once = optBool(v, label, 'once');
  const duration = optString(v, label, 'duration');
  const until = optString(v, label, 'until');
  if (once !== undefined) out.once = once;
  if (duration !== undefined) out.duration = duration;
  if (until !== undefined) out.until = until;
  return out;
}
