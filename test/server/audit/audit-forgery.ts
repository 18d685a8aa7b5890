// What a database writer does to the audit trail in the attack tests, straight in SQL: edit a
// row's stored body, re-chain the rows after it with the server's own rule, move the head.
import type { AuditAction } from '../../../src/api/vocabulary';
import { canonicalJson } from '../../../src/core/canonical-json';
import { rowHash } from '../../../src/server/audit/chain';
import type { AuditInput } from '../../../src/server/audit/trail';
import type { Queryable } from '../../../src/server/db/index';

/** A refused access check at second `n` of 2026-01-01, resource r-n. */
export const checkRow = (n: number): { input: AuditInput; at: string } => ({
  input: { actor: 'sam', actorKind: 'engineer', action: 'access.check' as AuditAction, ticket: 'PS-100', resource: { type: 'work_item', id: `r-${n}` }, outcome: 'refused' },
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
});

/** Row `seq`'s stored body, parsed. */
export async function rowFields(db: Queryable, seq: number): Promise<Record<string, unknown>> {
  const [r] = await db.query<{ body: string }>('SELECT body FROM audit_rows WHERE seq = $1', [seq]);
  return JSON.parse(r!.body) as Record<string, unknown>;
}

/** Rewrites row `seq`'s body with `patch` merged in, as canonical JSON (its hash left as it was). Returns the body it had. */
export async function editRow(db: Queryable, seq: number, patch: Record<string, unknown>): Promise<string> {
  const [r] = await db.query<{ body: string }>('SELECT body FROM audit_rows WHERE seq = $1', [seq]);
  await db.query('UPDATE audit_rows SET body = $2 WHERE seq = $1', [seq, canonicalJson({ ...(JSON.parse(r!.body) as object), ...patch })]);
  return r!.body;
}

/** Puts a body back byte for byte. */
export const setBody = (db: Queryable, seq: number, body: string) => db.query('UPDATE audit_rows SET body = $2 WHERE seq = $1', [seq, body]);

/** Re-chains every row from `from` on (their stored bodies, hashed with the server's rowHash) and moves the head to the end; signed notes stay as they were. */
export async function recomputeFrom(db: Queryable, from: number): Promise<void> {
  const [before] = await db.query<{ hash: string }>('SELECT hash FROM audit_rows WHERE seq = $1', [from - 1]);
  let prev = before?.hash ?? '0'.repeat(64);
  let last = from - 1;
  for (const r of await db.query<{ seq: string; body: string }>('SELECT seq::text, body FROM audit_rows WHERE seq >= $1 ORDER BY audit_rows.seq', [from])) {
    prev = rowHash(prev, r.body);
    last = Number(r.seq);
    await db.query('UPDATE audit_rows SET hash = $2 WHERE seq = $1', [last, prev]);
  }
  await db.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [last, prev]);
}
