// The verifier's row hash is the append path's rowHash, for every row the database can hold.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rowHash } from '../../src/server/audit';
import { verifyRowHash } from '../../src/server/audit-verify';

describe('verifyRowHash', () => {
  it('equals rowHash on arbitrary rows (unicode, nested resources and details, null ticket)', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 30 });
    fc.assert(
      fc.property(
        fc.record({
          seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
          at: text,
          actor: text,
          actorKind: fc.constantFrom('admin', 'engineer', 'system'),
          action: text,
          ticket: fc.option(text, { nil: null }),
          resource: fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: null }),
          outcome: text,
          detail: fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: null }),
        }),
        fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: 64, maxLength: 64 }),
        (row, prev) => {
          // As read back from jsonb: JSON round trip (no -0, no undefined).
          const r = JSON.parse(JSON.stringify(row));
          expect(verifyRowHash(prev, r)).toBe(rowHash(prev, r as Parameters<typeof rowHash>[1]));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
