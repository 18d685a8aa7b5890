// Outside attack 3 (2026-12-08): a downgrade. The boundary head (legacy.ts) is signed at a start that
// finds rows without a body and a head without a signed note: the shape of a trail written before
// signed heads. A database writer can give a signed trail that shape: edit a row, move every body
// back into the old columns, clear every signed note, recompute the chain by the old rule. The next
// start then signs a boundary over the edited history, and the verify calls it good. The promise
// broken: a replica never signs a head on top of rows changed outside the API.
//
// The fix: the API signs a boundary only on the operator's explicit request at the upgrade
// (--sign-legacy-boundary; audit-legacy.test.ts); without it, a trail of that shape stops the start.
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/core/canonical-json';
import { GENESIS, legacyRowHash } from '../../../src/server/audit/chain';
import { AuditTrail } from '../../../src/server/audit/trail';
import { verifyAuditTrail } from '../../../src/server/audit/verify';
import type { Db } from '../../../src/server/db/index';
import { editRow } from './audit-forgery';
import { signedRows } from './attack-trails';
import { ADMIN_URL, type Backend } from '../helpers';

/** Gives a signed trail the shape of one written before signed heads, by the old rule, its rows as they now read. */
async function downgrade(db: Db): Promise<void> {
  let prev = GENESIS;
  const rows = await db.query<{ seq: string; body: string }>('SELECT seq::text, body FROM audit_rows ORDER BY seq');
  for (const r of rows) {
    const b = JSON.parse(r.body) as Record<string, unknown>;
    const seq = Number(r.seq);
    const hash = legacyRowHash(prev, canonicalJson({ ...b, seq }));
    await db.query(
      'UPDATE audit_rows SET body = NULL, signed_note = NULL, at = $2, actor = $3, actor_kind = $4, action = $5, ticket = $6, resource = $7, outcome = $8, detail = $9, prev_hash = $10, hash = $11 WHERE seq = $1',
      [seq, b.at, b.actor, b.actorKind, b.action, b.ticket, JSON.stringify(b.resource), b.outcome, JSON.stringify(b.detail), prev, hash],
    );
    prev = hash;
  }
  await db.query('UPDATE audit_head SET hash = $1, signed_note = NULL', [prev]);
}

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`a signed trail given the shape of an old one, on ${backend}`, () => {
    it('is never signed as a boundary: the API does not start on it', async () => {
      const t = await signedRows(backend);
      try {
        await editRow(t.db, 3, { outcome: 'allowed' });
        await downgrade(t.db);
        await expect(AuditTrail.open(t.db, t.key, 'acme', '2026-12-08T00:00:00.000Z')).rejects.toThrow();
        expect((await t.db.query<{ n: string | null }>('SELECT signed_note AS n FROM audit_head'))[0]!.n).toBeNull();
        expect((await verifyAuditTrail(t.db, { publicKey: t.key.publicKey })).ok).toBe(false);
      } finally {
        await t.close();
      }
    });
  });
}
