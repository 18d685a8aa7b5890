// Audit rows as the API sends them: the stored row with the actor's display name.
import type * as W from '../api/schemas';
import type { AuditRecord } from './audit';
import type { ServerContext } from './context';

/** One audit row on the wire; `actorName` is the engineer's or user's name, else the actor id. */
export function auditWire(s: ServerContext, row: AuditRecord): W.AuditRowWire {
  const name =
    row.actorKind === 'engineer' ? (s.ix.engineersById.get(row.actor)?.name ?? s.ix.engineersById.get(row.actor)?.email) : row.actorKind === 'admin' ? s.ix.usersById.get(row.actor)?.name : undefined;
  return { ...row, id: String(row.seq), actorName: name ?? row.actor };
}
