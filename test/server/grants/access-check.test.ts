// The enforcement point's one-statement group commit: its rows verify with the same rowHash as
// every other append, nothing is written once the access epoch has moved, and every change to
// grants or ticket states moves it.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAtEpoch } from '../../../src/server/grants/access-check';
import { canonicalJson } from '../../../src/core/canonical-json';
import { rowHash } from '../../../src/server/audit/chain';
import { verifyAuditTrail } from '../../../src/server/audit/verify';
import { ADMIN_URL, harness, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

const epochOf = async (h: Harness) => String((await h.db.query<{ n: string | number }>('SELECT n FROM access_epoch WHERE id = 1'))[0]!.n);
const rowCount = async (h: Harness) => Number((await h.db.query<{ n: string | number }>('SELECT count(*) AS n FROM audit'))[0]!.n);

/** The canonical form as first written (filter, sort, map, join): the oracle for the faster one. */
function canonicalOracle(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalOracle).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalOracle(o[k])}`)
    .join(',')}}`;
}

describe('rowHash', () => {
  it('is sha256 of 0x00, the previous hash (32 bytes) and the canonical JSON of the row', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 20 });
    fc.assert(
      fc.property(
        fc.record({
          seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
          at: text,
          actor: text,
          action: text,
          ticket: fc.option(text, { nil: null }),
          resource: fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: null }),
          outcome: text,
          detail: fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: null }),
        }),
        (row) => {
          const r = { ...JSON.parse(JSON.stringify(row)), actorKind: 'engineer' as const };
          const expected = createHash('sha256')
            .update(Buffer.concat([Buffer.from([0]), Buffer.from('ab'.repeat(32), 'hex'), Buffer.from(canonicalOracle(r), 'utf8')]))
            .digest('hex');
          expect(canonicalJson(r)).toBe(canonicalOracle(r));
          expect(rowHash('ab'.repeat(32), canonicalJson(r))).toBe(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`appendAtEpoch on ${backend}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness(backend);
    }, 60_000);
    afterAll(() => h?.close());

    it('chains rows in the database that verify like any others (unicode, nested JSON, null ticket)', async () => {
      const odd = ['ünïcødé ✓', 'quote " and \\ backslash', 'emoji 🧭', 'tab\tnewline\n', '\u2028 separator'];
      for (let i = 0; i < 5; i++) {
        const items = Array.from({ length: 1 + i * 7 }, (_, k) => ({
          at: new Date(Date.UTC(2026, 0, 1, 0, i, k)).toISOString(),
          input: {
            actor: odd[k % odd.length]!,
            actorKind: 'engineer' as const,
            action: 'access.check' as const,
            ticket: k % 3 ? 'PS-101' : null,
            resource: { type: 'page', id: odd[(k + i) % odd.length], nested: { z: [1, 2.5, null], a: true } },
            outcome: 'allowed' as const,
            detail: k % 2 ? { reason: odd[k % odd.length] } : null,
          },
        }));
        expect(await appendAtEpoch(h.api.ctx.trail, h.db, await epochOf(h), items)).toBe(true);
      }
      const v = await verifyAuditTrail(h.db);
      expect(v).toMatchObject({ ok: true });
      expect(v.rows).toBe(await rowCount(h));
    });

    it('writes nothing once the epoch has moved, and a grant and a revoke each move it', async () => {
      const before = await epochOf(h);
      const rows = await rowCount(h);
      const g = await h.call('alice-token', ROUTES.grant, { key: 'PS-103' }, {});
      expect(g.status).toBe(201);
      const afterGrant = await epochOf(h);
      expect(afterGrant).not.toBe(before);
      const item = {
        at: '2026-01-01T00:00:00.000Z',
        input: { actor: 'sam', actorKind: 'engineer' as const, action: 'access.check' as const, ticket: 'PS-103', resource: { type: 'page' }, outcome: 'allowed' as const },
      };
      const withGrant = await rowCount(h);
      expect(await appendAtEpoch(h.api.ctx.trail, h.db, before, [item])).toBe(false);
      expect(await rowCount(h)).toBe(withGrant);
      expect(withGrant).toBeGreaterThan(rows);
      expect((await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-103', resource: { type: 'page' } })).json.allowed).toBe(true);
      expect((await h.call('alice-token', ROUTES.revoke, { id: g.json.id }, {})).status).toBe(200);
      expect(await epochOf(h)).not.toBe(afterGrant);
      expect((await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-103', resource: { type: 'page' } })).json.allowed).toBe(false);
      expect((await verifyAuditTrail(h.db)).ok).toBe(true);
    });
  });
}
