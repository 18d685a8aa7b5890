// Audit rows as the API sends them: the stored row with the actor's display name.
import type * as W from '../api/schemas';
import type { AuditRecord } from './audit';
import type { ServerContext } from './context';

/** One audit row on the wire; `actorName` is the engineer's or user's name, an API key's name as it was when it acted, else the actor id. */
export function auditWire(s: ServerContext, row: AuditRecord): W.AuditRowWire {
  const keyName = (row.detail as { keyName?: unknown } | null)?.keyName;
  const name =
    row.actorKind === 'engineer'
      ? (s.ix.engineersById.get(row.actor)?.name ?? s.ix.engineersById.get(row.actor)?.email)
      : row.actorKind === 'admin'
        ? s.ix.usersById.get(row.actor)?.name
        : row.actorKind === 'key' && typeof keyName === 'string'
          ? `API key “${keyName}”`
          : undefined;
  return { ...row, id: String(row.seq), actorName: name ?? row.actor };
}
