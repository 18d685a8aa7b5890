// Outside attack 3 (2026-12-08) on key rotations as the simplified parser reads them (checkpoints.ts:
// a rotation's key is parsed with parsePublicKey, and signedBy has no catch). A database writer
// stores a rotation naming a key that is not Ed25519 (RSA, P-256, X25519) or no key at all (bytes
// that are not DER), on an old row or on the head, or a second rotation at a row that has one:
// - GET /v1/audit/verify answers a verdict naming the row (it named row 0 for an unreadable note);
// - GET /v1/audit/checkpoints answers a 503 that says the trail was changed (it was a 500);
// - a replica that has not written since never signs on such a head and says why (TrailTampered,
//   a 503; it was a plain error, a 500), and an API does not start on it, saying which row;
// - two rotations at one row (the stored one and another in a checkpoint file) are named there.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../../src/api/contract';
import { ephemeralSigningKey, keyIdOf } from '../../../src/server/audit/checkpoints';
import { AuditTrail, listSignedHeads, TrailTampered } from '../../../src/server/audit/trail';
import { verifyAuditTrail } from '../../../src/server/audit/verify';
import { checkRow } from './audit-forgery';
import { hashAtRow, noteAt, rotationNote, setNoteAt, signedRows } from './attack-trails';
import { ADMIN_URL, harness, type Backend, type Harness } from '../helpers';

const spki = (k: { export(o: { type: 'spki'; format: 'der' }): Buffer }) => k.export({ type: 'spki', format: 'der' }).toString('base64');
/** Keys a rotation line may name that are not an Ed25519 public key, base64. */
const notEd25519: [string, string][] = [
  ['an RSA key', spki(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey)],
  ['a P-256 key', spki(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)],
  ['an X25519 key', spki(generateKeyPairSync('x25519').publicKey)],
  ['bytes that are not DER', 'AAAA'],
  ['an Ed25519 key cut short', spki(ephemeralSigningKey().publicKey).slice(0, 40)],
];

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`a rotation naming a key that is not Ed25519, on ${backend}`, () => {
    let h: Harness;
    const key = ephemeralSigningKey();
    let seq: number;
    let pristine: string;
    beforeAll(async () => {
      h = await harness(backend, { auditSigning: { key } });
      for (const t of ['PS-100', 'PS-101', 'PS-102']) await h.call('alice-token', ROUTES.grant, { key: t }, {});
      // The oldest signed head (the newest is the head's too): a row the next appends leave alone.
      seq = Number((await h.db.query<{ s: string }>('SELECT min(seq)::text AS s FROM audit_rows WHERE signed_note IS NOT NULL'))[0]!.s);
      expect((await listSignedHeads(h.db)).length).toBeGreaterThan(1);
      pristine = await noteAt(h.db, seq);
    });
    afterEach(async () => {
      await setNoteAt(h.db, seq, pristine);
      expect((await h.call('alice-token', ROUTES.verifyAudit)).json).toMatchObject({ ok: true });
    });
    afterAll(async () => h?.close());

    for (const [name, der] of notEd25519) {
      it(`${name}, stored on an old row: GET /v1/audit/verify names that row, the checkpoints page says the trail was changed`, async () => {
        const other = ephemeralSigningKey();
        await setNoteAt(h.db, seq, rotationNote([key, other], { seq, hash: await hashAtRow(h.db, seq) }, key.keyId, other.keyId, der));
        const v = await h.call('alice-token', ROUTES.verifyAudit);
        expect(v.status).toBe(200);
        expect(v.json).toMatchObject({
          ok: false,
          firstBrokenRow: seq,
          reason: expect.stringMatching(new RegExp(`stored at row ${seq} cannot be read: the key the rotation at row ${seq} names is not an Ed25519 public key`)),
        });
        const page = await h.call('alice-token', ROUTES.auditCheckpoints);
        expect(page.status).toBe(503);
        expect(page.text).toMatch(/signed head cannot be read.*changed outside the API/);
        // The log's own pages still answer.
        expect((await h.call('alice-token', ROUTES.audit)).status).toBe(200);
      });
    }
  });

  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`a rotation naming a key that is not Ed25519, stored on the head, on ${backend}`, () => {
    it('a replica that has not written since refuses to sign on it (TrailTampered), and an API does not start on it', async () => {
      const t = await signedRows(backend);
      try {
        const other = ephemeralSigningKey();
        const note = rotationNote([t.key, other], { seq: 6, hash: await hashAtRow(t.db, 6) }, t.key.keyId, other.keyId, notEd25519[0]![1]);
        await setNoteAt(t.db, 6, note);
        await t.db.query('UPDATE audit_head SET signed_note = $1', [note]);
        const replica = new AuditTrail(t.key, 'acme');
        const append = t.db.transaction((tx) => replica.appendBatch(tx, [checkRow(7)]));
        await expect(append).rejects.toThrow(TrailTampered);
        await expect(append).rejects.toThrow(/not signing on top of the audit head at row 6: its signed head cannot be read/);
        await expect(AuditTrail.open(t.db, t.key, 'acme', '2026-12-08T00:00:00.000Z')).rejects.toThrow(/rotation at row 6 names is not an Ed25519 public key/);
        expect(await verifyAuditTrail(t.db, { publicKey: t.key.publicKey })).toMatchObject({ ok: false, firstBrokenRow: 6 });
        expect((await t.db.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_rows'))[0]!.n).toBe('6');
      } finally {
        await t.close();
      }
    });
  });

  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`two rotations at one row, on ${backend}`, () => {
    it('the stored handover and another one in a checkpoint file: named at that row, whichever key the verifier holds', async () => {
      const [oldKey, newKey, mallory] = [ephemeralSigningKey(), ephemeralSigningKey(), ephemeralSigningKey()];
      const t = await signedRows(backend, { key: oldKey, n: 3 });
      try {
        const next = await AuditTrail.open(t.db, newKey, 'acme', '2026-12-08T00:00:00.000Z', oldKey);
        for (let n = 5; n <= 6; n++) await t.db.transaction((tx) => next.appendBatch(tx, [checkRow(n)]));
        const stored = (await listSignedHeads(t.db)).map((n) => n);
        expect(stored[3]).toMatch(new RegExp(`\nkey ${oldKey.keyId} ${newKey.keyId} `));
        for (const publicKey of [oldKey.publicKey, newKey.publicKey]) expect(await verifyAuditTrail(t.db, { publicKey, checkpoints: stored })).toMatchObject({ ok: true, rows: 6 });
        // A handover at row 4 from the old key to mallory's: signed by mallory, the old key's line forged.
        const forged = rotationNote([mallory], { seq: 4, hash: await hashAtRow(t.db, 4) }, oldKey.keyId, keyIdOf(mallory.publicKey), spki(mallory.publicKey)).replace(
          /\n$/,
          `\n— ${oldKey.keyId} ${Buffer.alloc(64).toString('base64')}\n`,
        );
        for (const publicKey of [oldKey.publicKey, newKey.publicKey])
          expect(await verifyAuditTrail(t.db, { publicKey, checkpoints: [...stored, forged] })).toMatchObject({ ok: false, firstBrokenRow: 4, reason: 'two signed heads disagree about row 4' });
        // The same handover named twice, from one key to itself, beside the stored one.
        const selfRotation = rotationNote([oldKey], { seq: 4, hash: await hashAtRow(t.db, 4) }, oldKey.keyId, oldKey.keyId, spki(oldKey.publicKey));
        expect(await verifyAuditTrail(t.db, { publicKey: oldKey.publicKey, checkpoints: [selfRotation] })).toMatchObject({ ok: false, firstBrokenRow: 4 });
        // Stored in place of the real one, the forged handover is refused by the old key, and the new key is then not reached.
        await setNoteAt(t.db, 4, forged);
        expect(await verifyAuditTrail(t.db, { publicKey: oldKey.publicKey })).toMatchObject({
          ok: false,
          firstBrokenRow: 4,
          reason: expect.stringMatching(/rotation at row 4 is not signed by both keys/),
        });
        expect(await verifyAuditTrail(t.db, { publicKey: newKey.publicKey })).toMatchObject({ ok: false, reason: expect.stringMatching(/not signed by the given public key/) });
      } finally {
        await t.close();
      }
    });
  });
}
