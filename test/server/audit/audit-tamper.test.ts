// Each way a database writer can tamper with the audit log, on PGlite and PostgreSQL: the verifier
// with the public key catches every one, and the chain-only check visibly misses the truncated
// tail and the recomputed chains, so it is the signed heads that catch those. Every append signs
// its head (issue 20), so each of the nine rows here is a signed head of its own.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkpointOf, ephemeralSigningKey, signHead, type SigningKey } from '../../../src/server/audit/checkpoints';
import { listSignedHeads } from '../../../src/server/audit/trail';
import { verifyAuditTrail } from '../../../src/server/audit/verify';
import type { Queryable } from '../../../src/server/db/index';
import { editRow, recomputeFrom } from './audit-forgery';
import { ADMIN_URL, harness, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

type Row = { seq: string; body: string; hash: string; signed_note: string | null };

/** Removes row `seq` and renumbers the rows after it, so the log has no gap. */
async function deleteAndRenumber(db: Queryable, seq: number): Promise<void> {
  await db.query('DELETE FROM audit_rows WHERE seq = $1', [seq]);
  const later = await db.query<{ seq: string }>('SELECT seq::text FROM audit_rows WHERE seq > $1 ORDER BY audit_rows.seq', [seq]);
  for (const r of later) await db.query('UPDATE audit_rows SET seq = $1 WHERE seq = $2', [Number(r.seq) - 1, Number(r.seq)]);
}

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`audit tampering on ${backend}`, () => {
    if (backend === 'postgres' && !ADMIN_URL) console.log('audit tampering on PostgreSQL skipped because DATABASE_URL is unset');
    let h: Harness;
    let key: SigningKey;
    let pristine: { rows: Row[]; head: Array<{ seq: string; hash: string; signed_note: string }> };

    // Nine audit rows, each its own append and so its own signed head. Each test tampers with a
    // copy: the pristine rows and head are put back after it.
    beforeAll(async () => {
      key = ephemeralSigningKey();
      h = await harness(backend, { auditSigning: { key } });
      await h.call('alice-token', ROUTES.grant, { key: 'PS-100' }, {});
      await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-100', resource: { type: 'page', id: 'p1' } });
      await h.call('alice-token', ROUTES.grant, { key: 'PS-101' }, {});
      await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-104', resource: { type: 'page', id: 'p2' } }); // refused: no grant
      for (let i = 0; i < 5; i++) await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-100', resource: { type: 'comment', id: `c${i}` } });
      expect((await listSignedHeads(h.db)).map((n) => checkpointOf(n).seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      pristine = {
        rows: await h.db.query<Row>('SELECT seq::text, body, hash, signed_note FROM audit_rows ORDER BY audit_rows.seq'),
        head: await h.db.query('SELECT seq::text, hash, signed_note FROM audit_head'),
      };
    });
    afterEach(async () => {
      await h.db.query('DELETE FROM audit_rows');
      for (const r of pristine.rows) await h.db.query('INSERT INTO audit_rows (seq, body, hash, signed_note) VALUES ($1, $2, $3, $4)', [r.seq, r.body, r.hash, r.signed_note]);
      await h.db.query('UPDATE audit_head SET seq = $1, hash = $2, signed_note = $3 WHERE id = 1', [pristine.head[0]!.seq, pristine.head[0]!.hash, pristine.head[0]!.signed_note]);
      expect(await full(h.db)).toMatchObject({ ok: true, rows: pristine.rows.length });
    });
    afterAll(async () => h?.close());
    const signedLog = async () => h;
    const full = (db: Queryable) => verifyAuditTrail(db, { publicKey: key.publicKey });
    const chainOnly = (db: Queryable) => verifyAuditTrail(db);
    /** Every signed head as published, kept outside the database. */
    const savedHeads = async (db: Queryable) => [...(await listSignedHeads(db, 0, 1000))];

    it('an untouched log verifies both ways, fully and from a signed head', async () => {
      const { db } = await signedLog();
      expect(await full(db)).toMatchObject({ ok: true, rows: 9, checkpoints: 9, lastCheckpoint: 9 });
      expect(await chainOnly(db)).toMatchObject({ ok: true, rows: 9, warning: expect.stringContaining('cannot detect a truncated tail') });
      expect(await verifyAuditTrail(db, { publicKey: key.publicKey, from: 9 })).toMatchObject({ ok: true, rows: 0, startedAfter: 9 });
      await h!.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-100', resource: { type: 'page', id: 'later' } });
      expect(await verifyAuditTrail(db, { publicKey: key.publicKey, from: 9 })).toMatchObject({ ok: true, rows: 1, startedAfter: 9 });
      expect(await verifyAuditTrail(db, { publicKey: key.publicKey, allSignatures: true })).toMatchObject({ ok: true, rows: 10 });
    });

    it('edit a row: caught at that row', async () => {
      const { db } = await signedLog();
      await editRow(db, 3, { detail: { forged: true } });
      expect(await chainOnly(db)).toMatchObject({ ok: false, firstBrokenRow: 3 });
      expect(await full(db)).toMatchObject({ ok: false, firstBrokenRow: 3, reason: 'row 3 was changed after it was written' });
    });

    it('delete a row: caught at that row', async () => {
      const { db } = await signedLog();
      await db.query('DELETE FROM audit_rows WHERE seq = 6');
      expect(await full(db)).toMatchObject({ ok: false, firstBrokenRow: 6, reason: 'row 6 is missing' });
    });

    it('swap two rows: caught at the first', async () => {
      const { db } = await signedLog();
      await db.query('UPDATE audit_rows SET seq = -1 WHERE seq = 5');
      await db.query('UPDATE audit_rows SET seq = 5 WHERE seq = 7');
      await db.query('UPDATE audit_rows SET seq = 7 WHERE seq = -1');
      expect(await full(db)).toMatchObject({ ok: false, firstBrokenRow: 5 });
    });

    it('truncate the tail, the head left: only the signed head catches it', async () => {
      const { db } = await signedLog();
      await db.query('DELETE FROM audit_rows WHERE seq > 6');
      const v = await full(db);
      expect(v).toMatchObject({ ok: false, firstBrokenRow: 7, lastCheckpoint: 6 });
      expect(v.reason).toContain('truncated');
      expect(await verifyAuditTrail(db, { publicKey: key.publicKey, from: 6 })).toMatchObject({ ok: false, firstBrokenRow: 7 });
      // The API's own verify route checks with its key, too.
      expect((await h.call('alice-token', ROUTES.verifyAudit)).json).toMatchObject({ ok: false, firstBrokenRow: 7 });
    });

    it('truncate the tail and move the head back to an earlier signed head: a copy kept outside the database catches it', async () => {
      const { db } = await signedLog();
      const saved = await savedHeads(db);
      const [row6] = await db.query<{ hash: string; signed_note: string }>('SELECT hash, signed_note FROM audit_rows WHERE seq = 6');
      await db.query('DELETE FROM audit_rows WHERE seq > 6');
      await db.query('UPDATE audit_head SET seq = 6, hash = $1, signed_note = $2 WHERE id = 1', [row6!.hash, row6!.signed_note]);
      // What the database holds is now an earlier state, signed as it was then: only a copy of later heads shows more.
      expect(await chainOnly(db)).toMatchObject({ ok: true, rows: 6 });
      expect(await full(db)).toMatchObject({ ok: true, rows: 6 });
      const v = await verifyAuditTrail(db, { publicKey: key.publicKey, checkpoints: saved });
      expect(v).toMatchObject({ ok: false, firstBrokenRow: 7, lastCheckpoint: 6 });
      expect(v.reason).toContain('truncated');
    });

    it('delete a row and recompute the chain: only the signed heads catch it', async () => {
      const { db } = await signedLog();
      await deleteAndRenumber(db, 6);
      await recomputeFrom(db, 6);
      expect(await chainOnly(db)).toMatchObject({ ok: true, rows: 8 });
      const v = await full(db);
      expect(v).toMatchObject({ ok: false, firstBrokenRow: 6, lastCheckpoint: 5 });
      expect(v.reason).toContain('rewritten and the chain recomputed');
    });

    it('flip an outcome and recompute the chain: only the signed heads catch it', async () => {
      const { db } = await signedLog();
      expect((await editRow(db, 4, { outcome: 'allowed' })).includes('"outcome":"refused"')).toBe(true);
      await recomputeFrom(db, 4);
      expect(await full(db)).toMatchObject({ ok: false, firstBrokenRow: 4, lastCheckpoint: 3, reason: expect.stringContaining("row 4's hash is not the one signed") });
      expect(await verifyAuditTrail(db, { publicKey: key.publicKey, from: 3 })).toMatchObject({ ok: false, firstBrokenRow: 4 });
    });

    it('recompute and re-sign the heads with another key: the forged head is named', async () => {
      const { db } = await signedLog();
      await editRow(db, 4, { outcome: 'allowed' });
      await recomputeFrom(db, 4);
      const mallory = ephemeralSigningKey();
      for (const r of await db.query<{ seq: string; hash: string }>('SELECT seq::text, hash FROM audit_rows WHERE seq >= 4')) {
        const note = signHead([mallory], { seq: Number(r.seq), hash: r.hash, at: '2026-01-01T00:00:00.000Z', org: 'acme' });
        await db.query('UPDATE audit_rows SET signed_note = $2 WHERE seq = $1', [r.seq, note]);
        await db.query('UPDATE audit_head SET signed_note = $2 WHERE seq = $1', [r.seq, note]);
      }
      expect(await full(db)).toMatchObject({ ok: false, firstBrokenRow: 4, reason: expect.stringContaining('not signed by the key in effect') });
    });

    it('recompute and delete the stored signed heads: the unsigned rows give it away, and a copy kept outside still catches it', async () => {
      const { db } = await signedLog();
      const saved = await savedHeads(db);
      await editRow(db, 4, { outcome: 'allowed' });
      await recomputeFrom(db, 4);
      await db.query('UPDATE audit_rows SET signed_note = NULL WHERE seq >= 4');
      await db.query('UPDATE audit_head SET signed_note = NULL');
      // Every append signs its head, so rows with no signed head after them were not written by the API.
      expect(await full(db)).toMatchObject({ ok: false, firstBrokenRow: 4, reason: expect.stringContaining('not signed') });
      expect(await verifyAuditTrail(db, { publicKey: key.publicKey, checkpoints: saved })).toMatchObject({ ok: false, firstBrokenRow: 4 });
    });
  });
}
