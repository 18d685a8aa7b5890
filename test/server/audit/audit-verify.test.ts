// The verifier hashes exactly what the append path hashed, for every row the database can hold:
// rows of arbitrary text (astral characters, quotes, the framing's own ':'), nested resources and
// details, appended through the one write path and verified from their stored bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ephemeralSigningKey } from '../../../src/server/audit/checkpoints';
import { AuditTrail, type AuditInput } from '../../../src/server/audit/trail';
import { verifyAuditTrail } from '../../../src/server/audit/verify';
import { openPglite } from '../../../src/server/db/index';

describe('the verifier and the append path', () => {
  it('agree on arbitrary rows', async () => {
    const db = await openPglite();
    const key = ephemeralSigningKey();
    const trail = new AuditTrail(key, 'acme');
    const text = fc.string({ unit: 'grapheme', maxLength: 30 });
    const row = fc.record({
      actor: text,
      actorKind: fc.constantFrom('admin' as const, 'engineer' as const, 'system' as const),
      ticket: fc.option(text, { nil: null }),
      resource: fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: null }),
      outcome: fc.constantFrom('allowed' as const, 'refused' as const, 'done' as const),
      detail: fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: null }),
      at: text,
    });
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 20 }), async (rows) => {
          await trail.appendBatch(
            db,
            rows.map(({ at, ...r }) => ({ at, input: { ...r, action: 'access.check' } as AuditInput })),
          );
        }),
        { numRuns: 150 },
      );
      const v = await verifyAuditTrail(db, { publicKey: key.publicKey, batchSize: 97 });
      expect(v.ok, v.reason).toBe(true);
      expect(v.rows).toBeGreaterThan(150);
    } finally {
      await db.close();
    }
  });
});

describe('the batched walk', () => {
  // Seven databases, six verifies each: more than the default minute on a busy machine.
  it('gives the same verdict in every batch size, for tampers at and around batch edges', { timeout: 180_000 }, async () => {
    const { checkRow, editRow, recomputeFrom } = await import('./audit-forgery');
    const tampers: Array<[string, (db: Awaited<ReturnType<typeof openPglite>>) => Promise<unknown>]> = [
      ['none', async () => {}],
      ['edit row 10', (db) => editRow(db, 10, { outcome: 'allowed' })],
      ['edit row 11', (db) => editRow(db, 11, { outcome: 'allowed' })],
      ['delete row 20', (db) => db.query('DELETE FROM audit_rows WHERE seq = 20')],
      ['delete the last row', (db) => db.query('DELETE FROM audit_rows WHERE seq = 50')],
      [
        'swap rows 9 and 10',
        async (db) => {
          for (const [from, to] of [
            [9, -1],
            [10, 9],
            [-1, 10],
          ])
            await db.query('UPDATE audit_rows SET seq = $2 WHERE seq = $1', [from, to]);
        },
      ],
      ['edit row 30 and recompute', (db) => editRow(db, 30, { outcome: 'allowed' }).then(() => recomputeFrom(db, 30))],
    ];
    for (const [name, tamper] of tampers) {
      const db = await openPglite();
      const key = ephemeralSigningKey();
      const trail = new AuditTrail(key, 'acme');
      try {
        for (let i = 0; i < 10; i++)
          await trail.appendBatch(
            db,
            Array.from({ length: 5 }, (_, k) => checkRow(i * 5 + k)),
          );
        await tamper(db);
        const verdicts = [];
        for (const batchSize of [1, 7, 10, 49, 50, undefined]) verdicts.push(await verifyAuditTrail(db, { publicKey: key.publicKey, batchSize }));
        for (const v of verdicts) expect(v, name).toEqual(verdicts[0]);
        expect(verdicts[0]!.ok, name).toBe(name === 'none');
      } finally {
        await db.close();
      }
    }
  });
});
