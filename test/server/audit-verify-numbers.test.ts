// A row is re-hashed from its parsed JSON, so a number stored with digits its double does not keep
// (30 → 30.0000000000000000000001) or one that overflows (null → 1e400, parsed as Infinity and
// written by canonical JSON as null) hashed the same: an edit no verify saw, found by the outside
// review of 2026-12-01. The verifier now checks every stored number digit for digit.
import { describe, expect, it } from 'vitest';
import type { AuditAction } from '../../src/api/vocabulary';
import { appendAuditBatch } from '../../src/server/audit';
import { ephemeralSigningKey, signCheckpoint } from '../../src/server/audit-checkpoints';
import { exactNumbers, verifyAuditTrail } from '../../src/server/audit-verify';
import { openPglite } from '../../src/server/db/index';

describe('exactNumbers (a jsonb text as PostgreSQL prints it)', () => {
  it.each([
    ['{"minutes": 30}', true],
    ['{"ratio": 0.1, "n": -3, "tiny": -0.0000005}', true],
    ['{"big": 1000000000000000000000}', true], // JSON.stringify(1e21) is "1e+21": the same value
    ['[1, 2.5, -3]', true],
    ['30', true],
    ['{"id": "w123, 5: [7", "k": "x"}', true], // digits inside strings are not numbers
    ['{"say": "a \\" 12, 3"}', true], // an escaped quote does not end the string
    ['{"minutes": 30.0000000000000000000001}', false],
    ['{"note": 1e400}', false],
    ['{"a": [1, 0.1000000000000000000001]}', false],
    ['31.00000000000000000001', false],
  ])('%s → %s', (text, ok) => {
    expect(exactNumbers(text)).toBe(ok);
  });
});

describe('a stored number edited to one that parses to the same double', () => {
  for (const workers of [0, 2]) {
    it(`is found by the verifier (${workers} workers), and honest numbers still verify`, async () => {
      const db = await openPglite();
      try {
        const key = ephemeralSigningKey();
        const at = '2026-01-01T00:00:00.000Z';
        const row = (detail: Record<string, unknown>) => ({ input: { actor: 'sam', actorKind: 'engineer' as const, action: 'access.check' as AuditAction, outcome: 'refused' as const, detail }, at });
        await db.transaction((tx) => appendAuditBatch(tx, [row({ minutes: 30, note: null }), row({ ratio: 0.1, big: 1e21, tiny: -5e-7, list: [1, 2.5] }), row({ minutes: 45 })]));
        const [h] = await db.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_head');
        const cp = signCheckpoint(key, { seq: Number(h!.seq), hash: h!.hash, at: '2026-01-01T00:01:00.000Z', org: 'acme' });
        const opts = { publicKey: key.publicKey, checkpoints: [cp], workers, batchSize: 2 };
        expect(await verifyAuditTrail(db, opts)).toMatchObject({ ok: true, rows: 3 });
        await db.query(`UPDATE audit SET detail = '{"minutes": 30.0000000000000000000001, "note": null}' WHERE seq = 1`);
        expect(await verifyAuditTrail(db, opts)).toMatchObject({ ok: false, firstBrokenRow: 1, reason: 'row 1 was changed after it was written' });
        await db.query(`UPDATE audit SET detail = '{"minutes": 30, "note": 1e400}' WHERE seq = 1`);
        expect(await verifyAuditTrail(db, opts)).toMatchObject({ ok: false, firstBrokenRow: 1 });
        // The same through the JSON read: a NULL in row 2 sends the batch of rows 1 and 2 that way;
        // row 1's number must still be caught first (a miss would report row 2).
        await db.query(`UPDATE audit SET detail = '{"minutes": 30.0000000000000000000001, "note": null}' WHERE seq = 1`);
        await db.query('ALTER TABLE audit ALTER COLUMN at DROP NOT NULL');
        await db.query(`UPDATE audit SET at = NULL WHERE seq = 2`);
        expect(await verifyAuditTrail(db, opts)).toMatchObject({ ok: false, firstBrokenRow: 1 });
        await db.query(`UPDATE audit SET detail = '{"minutes": 30, "note": null}' WHERE seq = 1`);
        expect(await verifyAuditTrail(db, opts)).toMatchObject({ ok: false, firstBrokenRow: 2 });
      } finally {
        await db.close();
      }
    }, 60_000);
  }
});
