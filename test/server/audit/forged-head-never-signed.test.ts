// Outside reviews of 2026-12-01 (issue 15) found the timed checkpoint signer signing heads a
// database writer had forged: a chain recomputed since the last checkpoint, a tail cut back, a
// checkpoint forged past the head, every checkpoint deleted and an old row rewritten, the database's
// append function replaced. The signer and its in-memory witness are gone (issue 20): every append
// signs its own head, and signs only on top of a head that extends what this process wrote (a head
// signed with its key, the rows since chaining by the API's own rowHash). These are the same attacks
// on that design: none of them gets a new head signed, and the verify with the key reports each.
// (There is no database append function left to replace: the API hashes every row itself.)
import { describe, expect, it } from 'vitest';
import { ephemeralSigningKey, signHead, type SigningKey } from '../../../src/server/audit/checkpoints';
import { AuditTrail, TrailTampered } from '../../../src/server/audit/trail';
import { verifyAuditTrail } from '../../../src/server/audit/verify';
import { appendAtEpoch } from '../../../src/server/grants/access-check';
import { openPglite, openPostgres, type Db } from '../../../src/server/db/index';
import { checkRow as row, editRow, recomputeFrom } from './audit-forgery';
import { ADMIN_URL, scratchDatabase } from '../helpers';

const epochOf = async (db: Db) => String((await db.query<{ n: string }>('SELECT n::text FROM access_epoch WHERE id = 1'))[0]!.n);
const headSeq = async (db: Db) => Number((await db.query<{ s: string }>('SELECT seq::text AS s FROM audit_head'))[0]!.s);

/** Six rows appended by `api`, this API process's writer of the trail. */
async function trail(): Promise<{ db: Db; key: SigningKey; api: AuditTrail }> {
  const db = await openPglite();
  const key = ephemeralSigningKey();
  const api = new AuditTrail(key, 'acme');
  await db.transaction((tx) => api.appendBatch(tx, [row(1), row(2), row(3)]));
  await appendAtEpoch(api, db, await epochOf(db), [row(4), row(5), row(6)]);
  return { db, key, api };
}

describe('a head forged outside the API is never signed on top of', () => {
  it('an edit and a recompute: the next append, on either path, refuses; the verify names the row', async () => {
    const { db, key, api } = await trail();
    try {
      await editRow(db, 5, { outcome: 'allowed' });
      await recomputeFrom(db, 5);
      await expect(db.transaction((tx) => api.appendBatch(tx, [row(7)]))).rejects.toThrow(TrailTampered);
      await expect(appendAtEpoch(api, db, await epochOf(db), [row(7)])).rejects.toThrow(/which this API wrote|no head signed/);
      expect(await headSeq(db)).toBe(6);
      expect(await verifyAuditTrail(db, { publicKey: key.publicKey })).toMatchObject({ ok: false, firstBrokenRow: 4 });
    } finally {
      await db.close();
    }
  });

  it('a tail cut back before a row this process wrote: refused, and caught', async () => {
    const { db, key, api } = await trail();
    try {
      await db.query('DELETE FROM audit_rows WHERE seq > 4');
      const [r4] = await db.query<{ hash: string; signed_note: string | null }>('SELECT hash, signed_note FROM audit_rows WHERE seq = 4');
      await db.query('UPDATE audit_head SET seq = 4, hash = $1, signed_note = $2 WHERE id = 1', [r4!.hash, r4!.signed_note]);
      await expect(appendAtEpoch(api, db, await epochOf(db), [row(7)])).rejects.toThrow(/row 6, which this API wrote, lies past it/);
      expect((await verifyAuditTrail(db, { publicKey: key.publicKey })).ok).toBe(false);
    } finally {
      await db.close();
    }
  });

  it('a head signed with another key (a signed head forged past the real one): refused, and caught', async () => {
    let { db, key, api } = await trail();
    try {
      const forger = ephemeralSigningKey();
      await db.transaction((tx) => api.appendBatch(tx, [row(7)]));
      const [h] = await db.query<{ hash: string }>('SELECT hash FROM audit_head');
      const note = signHead([forger], { seq: 7, hash: h!.hash, at: '2026-01-01T00:00:07.000Z', org: 'acme' });
      await db.query('UPDATE audit_head SET signed_note = $1', [note]);
      await db.query('UPDATE audit_rows SET signed_note = $1 WHERE seq = 7', [note]);
      // A fresh process (nothing remembered) checks the head it starts on.
      api = new AuditTrail(key, 'acme');
      await expect(appendAtEpoch(api, db, await epochOf(db), [row(8)])).rejects.toThrow(/no head signed with this API's key/);
      expect(await verifyAuditTrail(db, { publicKey: key.publicKey })).toMatchObject({ ok: false, firstBrokenRow: 7 });
    } finally {
      await db.close();
    }
  });

  it('every signed note deleted, an old row rewritten and the chain recomputed: a fresh process refuses, the verify catches it', async () => {
    let { db, key, api } = await trail();
    try {
      await db.query('UPDATE audit_rows SET signed_note = NULL');
      await db.query('UPDATE audit_head SET signed_note = NULL');
      await editRow(db, 2, { outcome: 'allowed' });
      await recomputeFrom(db, 2);
      api = new AuditTrail(key, 'acme');
      await expect(db.transaction((tx) => api.appendBatch(tx, [row(7)]))).rejects.toThrow(TrailTampered);
      expect((await verifyAuditTrail(db, { publicKey: key.publicKey })).ok).toBe(false);
    } finally {
      await db.close();
    }
  });

  it('only committed appends count: a rolled-back append leaves nothing behind and the next one chains on', async () => {
    const { db, key, api } = await trail();
    try {
      await expect(
        db.transaction(async (tx) => {
          await api.appendBatch(tx, [row(7)]);
          throw new Error('the change failed');
        }),
      ).rejects.toThrow('the change failed');
      await appendAtEpoch(api, db, await epochOf(db), [row(8)]);
      expect(await headSeq(db)).toBe(7);
      expect(await verifyAuditTrail(db, { publicKey: key.publicKey, allSignatures: true })).toMatchObject({ ok: true, rows: 7 });
    } finally {
      await db.close();
    }
  });
});

describe.skipIf(!ADMIN_URL)('two processes on one PostgreSQL', () => {
  it('take turns on one chain, and after a recompute neither signs on the forged head', async () => {
    const scratch = await scratchDatabase();
    const a = await openPostgres(scratch.url);
    const b = await openPostgres(scratch.url);
    try {
      const key = ephemeralSigningKey();
      const [ta, tb] = [new AuditTrail(key, 'acme'), new AuditTrail(key, 'acme')];
      for (let i = 1; i <= 6; i++) expect(await (i % 2 ? appendAtEpoch(ta, a, await epochOf(a), [row(i)]) : appendAtEpoch(tb, b, await epochOf(a), [row(i)]))).toBe(true);
      // Both at once: one moves the head first and the other retries on top of it.
      await Promise.all([appendAtEpoch(ta, a, await epochOf(a), [row(7)]), appendAtEpoch(tb, b, await epochOf(b), [row(8)])]);
      expect(await verifyAuditTrail(a, { publicKey: key.publicKey, allSignatures: true })).toMatchObject({ ok: true, rows: 8 });
      await editRow(a, 3, { outcome: 'allowed' });
      await recomputeFrom(a, 3);
      await expect(appendAtEpoch(ta, a, await epochOf(a), [row(9)])).rejects.toThrow(TrailTampered);
      await expect(appendAtEpoch(tb, b, await epochOf(b), [row(9)])).rejects.toThrow(TrailTampered);
      expect((await verifyAuditTrail(a, { publicKey: key.publicKey })).ok).toBe(false);
    } finally {
      await a.close();
      await b.close();
      await scratch.drop();
    }
  });
});
