// Rows were once re-hashed from their parsed JSON, so a number stored with digits its double does
// not keep (30 → 30.0000000000000000000001, 403 → 403.0) or one that overflows (null → 1e400)
// hashed the same: edits no verify saw (outside reviews of 2026-12-01). A row's hash now covers its
// stored body byte for byte, so each such edit is a changed row; honest numbers (random doubles and
// the edge cases, written by the one write path) verify.
import { describe, expect, it } from 'vitest';
import type { AuditAction } from '../../../src/api/vocabulary';
import { ephemeralSigningKey } from '../../../src/server/audit/checkpoints';
import { AuditTrail } from '../../../src/server/audit/trail';
import { verifyAuditTrail } from '../../../src/server/audit/verify';
import { openPglite } from '../../../src/server/db/index';

const EDITS: Array<[string, string]> = [
  ['"minutes":30', '"minutes":30.0000000000000000000001'],
  ['"status":403', '"status":403.0'],
  ['"note":null', '"note":1e400'],
  ['"ratio":0.1', '"ratio":0.1000000000000000000001'],
];

describe('a stored number edited to one that parses to the same value', () => {
  it('is a changed row, and honest numbers still verify', async () => {
    const db = await openPglite();
    const key = ephemeralSigningKey();
    const trail = new AuditTrail(key, 'acme');
    try {
      const edge = [0, -0, 1, -1, 0.1, 1e21, 1e-7, 5e-324, -5e-324, 1.7976931348623157e308, 2 ** 53 + 2, 0.30000000000000004, 1.5e-10, 9.999999999999999e22];
      const doubles = [...edge, ...Array.from({ length: 3000 }, () => (Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 40 - 20))];
      const row = (detail: unknown) => ({
        input: { actor: 'sam', actorKind: 'engineer' as const, action: 'request.refused' as AuditAction, ticket: null, outcome: 'refused' as const, detail },
        at: '2026-01-01T00:00:00.000Z',
      });
      await trail.appendBatch(db, [row({ minutes: 30, status: 403, note: null, ratio: 0.1 })]);
      for (let i = 0; i < doubles.length; i += 100)
        await trail.appendBatch(
          db,
          doubles.slice(i, i + 100).map((n) => row({ n, nested: [n, { n }] })),
        );
      expect(await verifyAuditTrail(db, { publicKey: key.publicKey })).toMatchObject({ ok: true });
      const [orig] = await db.query<{ body: string }>('SELECT body FROM audit_rows WHERE seq = 1');
      for (const [from, to] of EDITS) {
        expect(orig!.body).toContain(from);
        await db.query('UPDATE audit_rows SET body = $1 WHERE seq = 1', [orig!.body.replace(from, to)]);
        expect(await verifyAuditTrail(db, { publicKey: key.publicKey }), to).toMatchObject({ ok: false, firstBrokenRow: 1 });
      }
      await db.query('UPDATE audit_rows SET body = $1 WHERE seq = 1', [orig!.body]);
      expect((await verifyAuditTrail(db, { publicKey: key.publicKey })).ok).toBe(true);
    } finally {
      await db.close();
    }
  });
});
