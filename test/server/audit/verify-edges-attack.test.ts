// Outside attack 3 (2026-12-08) on the simplified walk (verify.ts: ranges without `prev`, a range at
// row 0 chaining from GENESIS, gap and stray rows probed in one statement after the walk):
// - rows at 0 or below, or past the head, are named at their row in every range size;
// - a tamper exactly on a range's first or last row is named at that row, from row 1 and from a
//   signed head (--from);
// - --from at a key rotation's head follows the handover with either key, and a forged handover
//   there is named at its row;
// - a row stored past the head (no append makes one) stops every append: said as the trail changed
//   outside the API (TrailTampered, a 503), and named by the verify.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rowHash } from '../../../src/server/audit/chain';
import { ephemeralSigningKey, keyIdOf } from '../../../src/server/audit/checkpoints';
import { AuditTrail, TrailTampered } from '../../../src/server/audit/trail';
import { verifyAuditTrail } from '../../../src/server/audit/verify';
import { checkRow, editRow, setBody } from './audit-forgery';
import { hashAtRow, rotationNote, setNoteAt, signedRows, type AttackTrail } from './attack-trails';
import { ADMIN_URL, type Backend } from '../helpers';

const SIZES = [1, 2, 3, 4, 5, 12, 13];

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`the walk's edges, on ${backend}`, () => {
    let t: AttackTrail;
    let bodies: string[];
    beforeAll(async () => {
      t = await signedRows(backend, { n: 12 });
      bodies = (await t.db.query<{ body: string }>('SELECT body FROM audit_rows ORDER BY seq')).map((r) => r.body);
    });
    afterEach(async () => {
      await t.db.query('DELETE FROM audit_rows WHERE seq < 1 OR seq > 12');
      for (let s = 1; s <= 12; s++) await setBody(t.db, s, bodies[s - 1]!);
      for (const batchSize of SIZES) expect(await verifyAuditTrail(t.db, { publicKey: t.key.publicKey, batchSize })).toMatchObject({ ok: true, rows: 12 });
    });
    afterAll(async () => t?.close());
    const verify = (batchSize: number, from?: number) => verifyAuditTrail(t.db, { publicKey: t.key.publicKey, batchSize, from });

    for (const seq of [0, -1, -9007199254740991]) {
      it(`a row at ${seq}, chained from GENESIS as row 1 is: named at its row in every range size`, async () => {
        await t.db.query('INSERT INTO audit_rows (seq, body, hash) VALUES ($1, $2, $3)', [seq, bodies[0], rowHash('0'.repeat(64), bodies[0]!)]);
        for (const batchSize of SIZES) expect(await verify(batchSize), `batch ${batchSize}`).toMatchObject({ ok: false, firstBrokenRow: seq, reason: expect.stringMatching(/outside the chain/) });
      });
    }

    it('a row past the head, chained on it: named at its row in every range size', async () => {
      await t.db.query('INSERT INTO audit_rows (seq, body, hash) VALUES (13, $1, $2)', [bodies[0], rowHash(await hashAtRow(t.db, 12), bodies[0]!)]);
      for (const batchSize of SIZES) expect(await verify(batchSize), `batch ${batchSize}`).toMatchObject({ ok: false, firstBrokenRow: 13 });
    });

    it("an edit on a range's first or last row: named at that row, from row 1 and from a signed head", async () => {
      for (const batchSize of [2, 3, 4]) {
        for (const from of [undefined, 2, 3]) {
          const start = from ?? 0;
          for (const seq of [start + 1, start + batchSize, start + batchSize + 1]) {
            await editRow(t.db, seq, { outcome: 'allowed' });
            expect(await verify(batchSize, from), `batch ${batchSize}, from ${from}, row ${seq}`).toMatchObject({
              ok: false,
              firstBrokenRow: seq,
              reason: `row ${seq} was changed after it was written`,
            });
            await setBody(t.db, seq, bodies[seq - 1]!);
          }
        }
      }
    });

    it('a row past the head stops every append, as a trail changed outside the API', async () => {
      await t.db.query('INSERT INTO audit_rows (seq, body, hash) VALUES (13, $1, $2)', [bodies[0], rowHash(await hashAtRow(t.db, 12), bodies[0]!)]);
      for (const writer of [t.trail, new AuditTrail(t.key, 'acme')]) {
        await expect(t.db.transaction((tx) => writer.appendBatch(tx, [checkRow(20)]))).rejects.toThrow(TrailTampered);
      }
      expect(await verify(5)).toMatchObject({ ok: false, firstBrokenRow: 13 });
    });
  });

  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`--from at a key rotation's head, on ${backend}`, () => {
    it('follows the handover with either key; a forged handover there is named at its row', async () => {
      const [oldKey, newKey, mallory] = [ephemeralSigningKey(), ephemeralSigningKey(), ephemeralSigningKey()];
      const t = await signedRows(backend, { key: oldKey, n: 3 });
      try {
        const next = await AuditTrail.open(t.db, newKey, 'acme', '2026-12-08T00:00:00.000Z', oldKey);
        for (let n = 5; n <= 7; n++) await t.db.transaction((tx) => next.appendBatch(tx, [checkRow(n)]));
        for (const publicKey of [oldKey.publicKey, newKey.publicKey]) {
          expect(await verifyAuditTrail(t.db, { publicKey, from: 4 })).toMatchObject({ ok: true, rows: 3, startedAfter: 4 });
          await editRow(t.db, 5, { outcome: 'allowed' });
          expect(await verifyAuditTrail(t.db, { publicKey, from: 4, batchSize: 1 })).toMatchObject({ ok: false, firstBrokenRow: 5 });
          await editRow(t.db, 5, { outcome: 'refused' });
        }
        const hash = await hashAtRow(t.db, 4);
        const der = mallory.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
        await setNoteAt(t.db, 4, rotationNote([mallory], { seq: 4, hash }, oldKey.keyId, keyIdOf(mallory.publicKey), der));
        expect(await verifyAuditTrail(t.db, { publicKey: oldKey.publicKey, from: 4 })).toMatchObject({ ok: false, firstBrokenRow: 4 });
        // The handover re-signed by mallory alone, now naming the new key: mallory cannot sign as it.
        await setNoteAt(t.db, 4, rotationNote([mallory], { seq: 4, hash }, oldKey.keyId, newKey.keyId, newKey.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')));
        for (const publicKey of [oldKey.publicKey, newKey.publicKey]) expect(await verifyAuditTrail(t.db, { publicKey, from: 4 })).toMatchObject({ ok: false, firstBrokenRow: 4 });
      } finally {
        await t.close();
      }
    });
  });
}
