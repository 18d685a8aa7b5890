// What a database writer does to the audit chain in the attack tests: rows to append, and a chain
// recomputed from an edited row with the head moved to its end.
import type { AuditAction } from '../../src/api/vocabulary';
import { rowHash, type ActorKind, type AuditInput } from '../../src/server/audit';
import type { Db } from '../../src/server/db/index';

/** A refused access check at second `n` of 2026-01-01, resource r-n. */
export const checkRow = (n: number): { input: AuditInput; at: string } => ({
  input: { actor: 'sam', actorKind: 'engineer', action: 'access.check' as AuditAction, ticket: 'PS-100', resource: { type: 'work_item', id: `r-${n}` }, outcome: 'refused' },
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
});

/** Re-chains every row from `from` on (as stored, hashed with the writer's rowHash) and moves the head. */
export async function recomputeFrom(db: Db, from: number): Promise<void> {
  const [before] = await db.query<{ hash: string }>('SELECT hash FROM audit WHERE seq = $1', [from - 1]);
  let prev = before!.hash;
  let last = from - 1;
  for (const r of await db.query<{ seq: number; at: string; actor: string; actor_kind: string; action: string; ticket: string | null; resource: unknown; outcome: string; detail: unknown }>(
    'SELECT * FROM audit WHERE seq >= $1 ORDER BY seq',
    [from],
  )) {
    const seq = Number(r.seq);
    const hash = rowHash(prev, { seq, at: r.at, actor: r.actor, actorKind: r.actor_kind as ActorKind, action: r.action, ticket: r.ticket, resource: r.resource, outcome: r.outcome, detail: r.detail });
    await db.query('UPDATE audit SET prev_hash = $2, hash = $3 WHERE seq = $1', [seq, prev, hash]);
    prev = hash;
    last = seq;
  }
  await db.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [last, prev]);
}
