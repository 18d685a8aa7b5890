// Change requests and consents as transactions: Support asks for one change, an admin who may
// grant for the ticket approves or declines it (Guard-restricted sites: then a Guard admin), and
// revoking the ticket's grant or closing the ticket ends it. Lock order as every write path: the
// ticket's row, its grant rows, the change request's row, then the audit chain head. Each change
// moves the access epoch (migration 10), so the enforcement point decides on it at once.
import {
  applyChangeRequestEvent,
  canonicalResource,
  changeWords,
  consentEligibility,
  endChangeRequests,
  mayReadTicket,
  newChangeRequest,
  type ChangeRequest,
  type ChangeRequestEvent,
  type Resource,
  type Ticket,
  RuleError,
  WorldError,
  type WorldIndex,
} from '../../core/index';
import type { ChangeMadeWire, ChangeRequestWire } from '../../api/schemas';
import type { AuditAction } from '../../api/vocabulary';
import type { Caller } from '../http/auth';
import { changeRequestById, changeRequestsOfTicket, saveChangeRequest } from './change-requests-repository';
import type { ServerContext } from '../context';
import type { Db, Queryable } from '../db/index';
import { recordEvent } from '../inbox/events';
import { checkIfMatch, etagOf, ticketAudience } from './write-common';
import { problem, type HttpProblem } from '../http/problems';
import { currentTicket, grantsOfTicket, newId, withTicket } from './repository';
import { consenterRefusal, consentGrantRefusal, guardConsentGrantRefusal, guardDeciderRefusal } from './rules';

/** Changes one ticket may have waiting for consent at once. */
const MAX_WAITING_PER_TICKET = 10;

/** A change request as the API answers it: with the change in words. */
export function changeRequestWire(c: ChangeRequest): ChangeRequestWire {
  return { ...c, summary: changeWords(c.action, c.resource) };
}

export const changeRequestEtag = (c: ChangeRequest): string => etagOf('change-request', c.id, c.version);

/** Who hears of a change request: the ticket's admins, Guard admins while it waits on Guard, and whoever decided it. */
function audienceOf(s: ServerContext, t: Ticket, c: ChangeRequest): string[] {
  const who = ticketAudience(s, t);
  if (c.state === 'pending_guard_approval' || c.guardDecidedBy) who.push(...s.guardAdmins);
  for (const x of [c.approvedBy, c.declinedBy, c.guardDecidedBy]) if (x && s.ix.usersById.has(x)) who.push(x);
  return who;
}

/** Saves a changed request with its audit row and event, in the caller's transaction. */
async function changeRequestChanged(
  tx: Queryable,
  s: ServerContext,
  t: Ticket,
  c: ChangeRequest,
  action: AuditAction,
  actor: Caller | { kind: 'system'; id: string },
  at: string,
  extra: Record<string, unknown> = {},
) {
  if (!(await saveChangeRequest(tx, c))) throw problem('conflict', `Change request ${c.id} was changed by someone else meanwhile; read it again.`, { changeRequestId: c.id });
  await s.trail.append(
    tx,
    {
      actor: actor.id,
      actorKind: actor.kind,
      action,
      ticket: t.key,
      resource: c.resource,
      outcome: 'done',
      detail: { changeRequestId: c.id, action: c.action, state: c.state, summary: changeWords(c.action, c.resource), ...extra },
    },
    at,
  );
  await recordEvent(tx, 'change_request.changed', audienceOf(s, t, c), t.key, { action, changeRequest: changeRequestWire(c) }, at);
}

/**
 * Support (the ticket's assigned engineer) asks for consent to one change. Refusals: 403 for anyone
 * else, 404 for an unknown ticket, 400 for an ambiguous resource, 422 with the rule's code
 * (core's newChangeRequest) for what cannot be consented to.
 */
/** Changes are asked for on a ticket by its assigned engineer; to anyone else it is no ticket of theirs (404). */
export function changeRequesterRefusal(caller: Caller, key: string, t: Ticket | undefined): HttpProblem | undefined {
  if (caller.kind !== 'engineer') return problem('forbidden', 'Changes are asked for by the Support engineer assigned to the ticket; admins consent to them.');
  return t?.engineer === caller.id ? undefined : problem('not-found', `No ticket "${key}" assigned to you.`);
}

export async function createChangeRequest(
  s: ServerContext,
  caller: Caller,
  key: string,
  input: { action: string; resource: Resource; reason: string; once?: boolean; duration?: string; until?: string },
): Promise<ChangeRequest> {
  if (caller.kind !== 'engineer') throw problem('forbidden', 'Changes are asked for by the Support engineer assigned to the ticket; admins consent to them.');
  const at = s.now();
  return s.db.transaction(async (tx) => {
    const t = await currentTicket(tx, s.ix, key, true);
    const refusal = changeRequesterRefusal(caller, key, t);
    if (refusal || !t) throw refusal;
    const ix = withTicket(s.ix, t);
    // Each waiting request sits in admins' inboxes: a ticket holds a bounded number at once.
    const waiting = (await changeRequestsOfTicket(tx, key)).filter((x) => x.state === 'pending' || x.state === 'pending_guard_approval');
    if (waiting.length >= MAX_WAITING_PER_TICKET)
      throw problem('conflict', `Ticket ${key} already has ${waiting.length} changes waiting for consent; wait for a decision before asking for more.`, { code: 'too_many_waiting' });
    const c = newChangeRequest(ix, t, caller.id, { ...input, resource: canonicalResource(ix, key, input.resource) }, newId('cr'), at);
    await changeRequestChanged(tx, s, t, c, 'change_request.create', caller, at, { reason: c.reason, once: c.once, duration: c.duration, until: c.until });
    return c;
  });
}

/** The request with its ticket, both locked (ticket first), and the ticket's grants. */
async function lockChangeRequest(tx: Queryable, s: ServerContext, id: string) {
  const seen = await changeRequestById(tx, id);
  if (!seen) throw problem('not-found', `No change request "${id}".`);
  const t = await currentTicket(tx, s.ix, seen.ticket, true);
  if (!t) throw problem('not-found', `No change request "${id}".`);
  const grants = await grantsOfTicket(tx, t.key, true);
  const c = (await changeRequestById(tx, id, true))!;
  return { c, t, grants };
}

/**
 * An admin who may grant for the ticket approves (consents to) or declines the change. Refusals:
 * 403 `not-eligible` with the causes (the same as for granting) for anyone else; 409 when the
 * request is not pending, or (approving) when the ticket has no active data grant for the consent
 * to live under (code `no_active_grant`); 412 on a stale If-Match.
 */
export async function decideChangeRequest(s: ServerContext, caller: Caller, id: string, decision: 'approve' | 'decline', message?: string, ifMatch?: string): Promise<ChangeRequest> {
  if (caller.kind !== 'admin') throw problem('forbidden', 'Only admins of the customer org consent to changes.');
  const at = s.now();
  return s.db.transaction(async (tx) => {
    const { c, t, grants } = await lockChangeRequest(tx, s, id);
    const ix = withTicket(s.ix, t);
    // Any org user learns whether they may grant for a ticket (eligibility); consent is the same question.
    const refusal = consenterRefusal(s, caller, t);
    if (refusal) throw refusal;
    const el = consentEligibility(ix, caller.id, t.key);
    checkIfMatch(ifMatch, changeRequestEtag(c));
    let event: ChangeRequestEvent;
    if (decision === 'approve') {
      const noGrant = consentGrantRefusal(t, grants);
      if (noGrant) throw noGrant;
      const grant = grants.find((g) => g.kind === 'data' && g.state === 'active')!;
      event = { type: 'approve', by: caller.id, at, guardRequired: el.guardApprovalRequired, grantId: grant.id };
    } else event = { type: 'decline', by: caller.id, at, ...(message?.trim() ? { message: message.trim() } : {}) };
    const next = applyChangeRequestEvent(c, event);
    await changeRequestChanged(tx, s, t, next, `change_request.${decision}`, caller, at, {
      ...(next.endsAt ? { endsAt: next.endsAt } : {}),
      ...(next.message ? { message: next.message } : {}),
      via: el.via,
    });
    return next;
  });
}

/** A Guard admin (not the approver) decides a change waiting on Guard; approving needs the grant it was approved under still active (409 `grant_not_active`). */
export async function guardDecideChangeRequest(s: ServerContext, caller: Caller, id: string, decision: 'approve' | 'deny', ifMatch?: string): Promise<ChangeRequest> {
  const refusal = guardDeciderRefusal(s, caller, 'changes');
  if (refusal) throw refusal;
  const at = s.now();
  return s.db.transaction(async (tx) => {
    const { c, t, grants } = await lockChangeRequest(tx, s, id);
    checkIfMatch(ifMatch, changeRequestEtag(c));
    const noGrant = decision === 'approve' ? guardConsentGrantRefusal(c, grants) : undefined;
    if (noGrant) throw noGrant;
    const next = applyChangeRequestEvent(c, { type: decision === 'approve' ? 'guard_approve' : 'guard_deny', by: caller.id, at });
    await changeRequestChanged(tx, s, t, next, `change_request.guard_${decision}`, caller, at, next.endsAt ? { endsAt: next.endsAt } : {});
    return next;
  });
}

/**
 * Revoking the ticket's data grant or closing the ticket ends every change request on it that
 * waits or is in effect, in the caller's transaction (which holds the ticket's lock).
 */
export async function endChangeRequestsOfTicket(
  tx: Queryable,
  s: ServerContext,
  t: Ticket,
  reason: 'grant_revoked' | 'ticket_closed',
  actor: Caller | { kind: 'system'; id: string },
  at: string,
): Promise<string[]> {
  const ended = endChangeRequests(await changeRequestsOfTicket(tx, t.key, true), at, reason);
  for (const c of ended) await changeRequestChanged(tx, s, t, c, 'change_request.end', actor, at, { reason });
  return ended.map((c) => c.id);
}

/**
 * The world file's change requests, each once ever (`cr_<id>`), as pending requests by the
 * ticket's engineer. One the rules refuse (a closed ticket, a read) stops the start with a WorldError naming it.
 */
export async function seedChangeRequests(db: Db, ix: WorldIndex, at: string): Promise<void> {
  const seeds = ix.world.changeRequests ?? [];
  if (seeds.length === 0) return;
  await db.transaction(async (tx) => {
    for (const [i, seed] of seeds.entries()) {
      const id = `cr_${seed.id}`;
      if (await changeRequestById(tx, id)) continue;
      const t = (await currentTicket(tx, ix, seed.ticket))!;
      try {
        const { id: _, ticket: __, ...input } = seed;
        const c = newChangeRequest(ix, t, t.engineer, { ...input, resource: canonicalResource(ix, t.key, seed.resource as Resource) }, id, at);
        await saveChangeRequest(tx, c);
      } catch (e) {
        if (e instanceof RuleError) throw new WorldError(`changeRequests[${i}] ("${seed.id}")`, e.message);
        throw e;
      }
    }
  });
}

/** Every change Support made on the ticket (allowed change checks, from the audit log), oldest first. */
export async function changesMadeOn(q: Queryable, ticket: string): Promise<ChangeMadeWire[]> {
  const rows = await q.query<{ at: string; resource: unknown; detail: unknown }>(
    `SELECT at, resource, detail FROM audit WHERE ticket = $1 AND action IN ('access.change', 'access.change_permissions') AND outcome = 'allowed' ORDER BY seq`,
    [ticket],
  );
  const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
  return rows.map((r) => {
    const resource = json<Resource>(r.resource);
    const d = json<{ action?: string; change?: string; consentId?: string }>(r.detail) ?? {};
    const action = d.action ?? 'change';
    return { at: r.at, action, resource, summary: changeWords(action, resource), ...(d.change ? { change: d.change } : {}), ...(d.consentId ? { consentId: d.consentId } : {}) };
  });
}

/** The ticket's change requests, newest first, for those with a stake in it (readableTicket checked by the caller). */
export async function changeRequestsOf(s: ServerContext, t: Ticket): Promise<{ changeRequests: ChangeRequestWire[]; people: Record<string, string> }> {
  const list = (await changeRequestsOfTicket(s.db, t.key)).reverse();
  const people: Record<string, string> = {};
  for (const c of list) {
    for (const who of [c.engineer, c.approvedBy, c.declinedBy, c.guardDecidedBy]) {
      if (!who || people[who]) continue;
      const name = s.ix.usersById.get(who)?.name ?? s.ix.engineersById.get(who)?.name ?? s.ix.engineersById.get(who)?.email;
      if (name) people[who] = name;
    }
  }
  return { changeRequests: list.map(changeRequestWire), people };
}

/** One change request, for its engineer and those with a stake in its ticket; anyone else: 404. */
export async function readableChangeRequest(s: ServerContext, caller: Caller, id: string): Promise<ChangeRequest> {
  const c = await changeRequestById(s.db, id);
  const t = c && (await currentTicket(s.db, s.ix, c.ticket));
  if (!c || !t || caller.kind === 'key' || !mayReadTicket(s.ix, t, caller)) throw problem('not-found', `No change request "${id}".`);
  return c;
}
