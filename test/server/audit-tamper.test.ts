// Each way a database writer can tamper with the audit log, on PGlite and PostgreSQL: the verifier
// with the public key catches every one, and the chain-only check visibly misses the truncated
// tail and the recomputed chains, so it is the signed checkpoints that catch those.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ephemeralSigningKey, listCheckpoints, signCheckpoint, type Checkpoint, type SigningKey } from '../../src/server/audit-checkpoints';
import { GENESIS, rowHash } from '../../src/server/audit';
import { verifyAuditTrail } from '../../src/server/audit-verify';
import type { Queryable } from '../../src/server/db/index';
import { ADMIN_URL, harness, type Backend, type Harness } from './helpers';

type Row = {
  seq: string | number;
  at: string;
  actor: string;
  actor_kind: string;
  action: string;
  ticket: string | null;
  resource: unknown;
  outcome: string;
  detail: unknown;
  prev_hash: string;
  hash: string;
};

/** What an attacker with write access does after changing rows: re-hash from `from` and move the head. */
async function recomputeChain(db: Queryable, from: number): Promise<void> {
  const [before] = await db.query<{ hash: string }>('SELECT hash FROM audit WHERE seq = $1', [from - 1]);
  let prev = before?.hash ?? GENESIS;
  const rows = await db.query<Row>('SELECT * FROM audit WHERE seq >= $1 ORDER BY seq', [from]);
  for (const r of rows) {
    const seq = Number(r.seq);
    const hash = rowHash(prev, { seq, at: r.at, actor: r.actor, actorKind: r.actor_kind as 'admin', action: r.action, ticket: r.ticket, resource: r.resource, outcome: r.outcome, detail: r.detail });
    await db.query('UPDATE audit SET prev_hash = $2, hash = $3 WHERE seq = $1', [seq, prev, hash]);
    prev = hash;
  }
  const [last] = await db.query<{ seq: string | number | null }>('SELECT max(seq) AS seq FROM audit');
  await db.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [Number(last?.seq ?? 0), prev]);
}

/** Removes row `seq` and renumbers the rows after it, so the log has no gap. */
async function deleteAndRenumber(db: Queryable, seq: number): Promise<void> {
  await db.query('DELETE FROM audit WHERE seq = $1', [seq]);
  const later = await db.query<{ seq: string | number }>('SELECT seq FROM audit WHERE seq > $1 ORDER BY seq', [seq]);
  for (const r of later) await db.query('UPDATE audit SET seq = $1 WHERE seq = $2', [Number(r.seq) - 1, Number(r.seq)]);
}

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`audit tampering on ${backend}`, () => {
    if (backend === 'postgres' && !ADMIN_URL) console.log('audit tampering on PostgreSQL skipped because DATABASE_URL is unset');
    let h: Harness;
    let key: SigningKey;
    let pristine: { rows: Row[]; head: Array<{ seq: string | number; hash: string }>; checkpoints: Checkpoint[] };

    // Nine audit rows, with signed checkpoints after rows 2, 4 and 9 (the timer never fires: ticks
    // are explicit). Each test tampers with a copy: the pristine rows are put back after it.
    beforeAll(async () => {
      key = ephemeralSigningKey();
      h = await harness(backend, { auditSigning: { key, intervalMs: 3_600_000 } });
      const tick = () => h.api.ctx.checkpointer!.tick();
      await h.req('alice-token', 'POST', '/v1/tickets/PS-100/grants', {});
      await h.req('sam-token', 'POST', '/v1/access/check', { ticket: 'PS-100', resource: { type: 'page', id: 'p1' } });
      await tick();
      await h.req('alice-token', 'POST', '/v1/tickets/PS-101/grants', {});
      await h.req('sam-token', 'POST', '/v1/access/check', { ticket: 'PS-104', resource: { type: 'page', id: 'p2' } }); // refused: no grant
      await tick();
      for (let i = 0; i < 5; i++) await h.req('sam-token', 'POST', '/v1/access/check', { ticket: 'PS-100', resource: { type: 'comment', id: `c${i}` } });
      await tick();
      expect(await tick()).toBeUndefined(); // the head did not move: nothing to sign
      expect((await listCheckpoints(h.db)).map((c) => c.seq)).toEqual([2, 4, 9]);
      pristine = { rows: await h.db.query<Row>('SELECT * FROM audit ORDER BY seq'), head: await h.db.query('SELECT seq, hash FROM audit_head'), checkpoints: await listCheckpoints(h.db) };
    });
    afterEach(async () => {
      await h.db.query('DELETE FROM audit');
      for (const r of pristine.rows) {
        await h.db.query('INSERT INTO audit (seq, at, actor, actor_kind, action, ticket, resource, outcome, detail, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)', [
          r.seq,
          r.at,
          r.actor,
          r.actor_kind,
          r.action,
          r.ticket,
          JSON.stringify(r.resource),
          r.outcome,
          JSON.stringify(r.detail),
          r.prev_hash,
          r.hash,
        ]);
      }
      await h.db.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [pristine.head[0]!.seq, pristine.head[0]!.hash]);
      await h.db.query('DELETE FROM audit_checkpoints');
      for (const c of pristine.checkpoints)
        await h.db.query('INSERT INTO audit_checkpoints (seq, hash, at, org, key_id, signature) VALUES ($1,$2,$3,$4,$5,$6)', [c.seq, c.hash, c.at, c.org, c.keyId, c.signature]);
      expect(await full(h.db)).toMatchObject({ ok: true, rows: pristine.rows.length });
    });
    afterAll(async () => h?.close());
    const signedLog = async () => h;
    const full = (db: Queryable) => verifyAuditTrail(db, { publicKey: key.publicKey });
    const chainOnly = (db: Queryable) => verifyAuditTrail(db);

    it('an untouched log verifies both ways, fully and incrementally', async () => {
      const { db } = await signedLog();
      expect(await full(db)).toMatchObject({ ok: true, rows: 9, checkpoints: 3, lastCheckpoint: 9 });
      expect(await chainOnly(db)).toMatchObject({ ok: true, rows: 9, checkpoints: 0, warning: expect.stringContaining('cannot detect a truncated tail') });
      expect(await verifyAuditTrail(db, { publicKey: key.publicKey, incremental: true })).toMatchObject({ ok: true, rows: 0, startedAfter: 9 });
      await h!.req('sam-token', 'POST', '/v1/access/check', { ticket: 'PS-100', resource: { type: 'page', id: 'later' } });
      expect(await verifyAuditTrail(db, { publicKey: key.publicKey, incremental: true })).toMatchObject({ ok: true, rows: 1, startedAfter: 9 });
    });

    it('edit a row: caught at that row', async () => {
      const { db } = await signedLog();
      await db.query(`UPDATE audit SET detail = '{"forged":true}' WHERE seq = 3`);
      expect(await chainOnly(db)).toMatchObject({ ok: false, firstBrokenRow: 3 });
      expect(await full(db)).toMatchObject({ ok: false, firstBrokenRow: 3, reason: 'row 3 was changed after it was written' });
    });

    it('delete a row: caught at that row', async () => {
      const { db } = await signedLog();
      await db.query('DELETE FROM audit WHERE seq = 6');
      expect(await full(db)).toMatchObject({ ok: false, firstBrokenRow: 6, reason: 'row 6 is missing' });
    });

    it('swap two rows: caught at the first', async () => {
      const { db } = await signedLog();
      await db.query('UPDATE audit SET seq = -1 WHERE seq = 5');
      await db.query('UPDATE audit SET seq = 5 WHERE seq = 7');
      await db.query('UPDATE audit SET seq = 7 WHERE seq = -1');
      expect(await full(db)).toMatchObject({ ok: false, firstBrokenRow: 5 });
    });

    it('truncate the tail and move audit_head: only the checkpoints catch it', async () => {
      const { db } = await signedLog();
      const [row6] = await db.query<{ hash: string }>('SELECT hash FROM audit WHERE seq = 6');
      await db.query('DELETE FROM audit WHERE seq > 6');
      await db.query('UPDATE audit_head SET seq = 6, hash = $1 WHERE id = 1', [row6!.hash]);
      expect(await chainOnly(db)).toMatchObject({ ok: true, rows: 6 }); // the chain alone is fooled
      const v = await full(db);
      expect(v).toMatchObject({ ok: false, firstBrokenRow: 7, lastCheckpoint: 4 });
      expect(v.reason).toContain('truncated');
      expect(await verifyAuditTrail(db, { publicKey: key.publicKey, incremental: true })).toMatchObject({ ok: false, firstBrokenRow: 9 });
      // The API's own verify route checks its stored checkpoints with its key, too.
      expect((await h.req('alice-token', 'GET', '/v1/audit/verify')).json).toMatchObject({ ok: false, firstBrokenRow: 7 });
    });

    it('delete a row and recompute the chain: only the checkpoints catch it', async () => {
      const { db } = await signedLog();
      await deleteAndRenumber(db, 6);
      await recomputeChain(db, 6);
      expect(await chainOnly(db)).toMatchObject({ ok: true, rows: 8 });
      const v = await full(db);
      // Row 9 is gone (the log is one shorter) and rows 5.. no longer end in the signed hash.
      expect(v).toMatchObject({ ok: false, firstBrokenRow: 9, lastCheckpoint: 4 });
      expect(v.reason).toContain('row 9');
    });

    it('delete a row inside a checkpointed stretch and recompute, then pad the tail back: caught by the hash at the checkpoint', async () => {
      const { db } = await signedLog();
      await deleteAndRenumber(db, 3);
      const [last] = await db.query<Row>('SELECT * FROM audit WHERE seq = 8');
      await db.query('INSERT INTO audit (seq, at, actor, actor_kind, action, ticket, resource, outcome, detail, prev_hash, hash) VALUES (9, $1, $2, $3, $4, $5, $6, $7, $8, $9, $9)', [
        last!.at,
        last!.actor,
        last!.actor_kind,
        last!.action,
        last!.ticket,
        JSON.stringify(last!.resource),
        last!.outcome,
        JSON.stringify(last!.detail),
        'x',
      ]);
      await recomputeChain(db, 3);
      expect(await chainOnly(db)).toMatchObject({ ok: true, rows: 9 });
      expect(await full(db)).toMatchObject({ ok: false, firstBrokenRow: 3, lastCheckpoint: 2, reason: expect.stringContaining('rows 3..4 were rewritten') });
    });

    it('flip an outcome and recompute the chain: only the checkpoints catch it', async () => {
      const { db } = await signedLog();
      const [r4] = await db.query<{ outcome: string }>('SELECT outcome FROM audit WHERE seq = 4');
      expect(r4!.outcome).toBe('refused');
      await db.query(`UPDATE audit SET outcome = 'allowed' WHERE seq = 4`);
      await recomputeChain(db, 4);
      expect(await chainOnly(db)).toMatchObject({ ok: true, rows: 9 });
      expect(await full(db)).toMatchObject({ ok: false, firstBrokenRow: 3, lastCheckpoint: 2, reason: expect.stringContaining("row 4's hash is not the one signed") });
      // Incremental starts at the newest checkpoint, whose row no longer carries the signed hash.
      expect(await verifyAuditTrail(db, { publicKey: key.publicKey, incremental: true })).toMatchObject({ ok: false, firstBrokenRow: 9 });
    });

    it('recompute and re-sign the checkpoints with another key: the forged checkpoint is named', async () => {
      const { db } = await signedLog();
      await db.query(`UPDATE audit SET outcome = 'allowed' WHERE seq = 4`);
      await recomputeChain(db, 4);
      const mallory = ephemeralSigningKey();
      for (const c of await listCheckpoints(db)) {
        if (c.seq < 4) continue;
        const [row] = await db.query<{ hash: string }>('SELECT hash FROM audit WHERE seq = $1', [c.seq]);
        const forged = signCheckpoint(mallory, { seq: c.seq, hash: row!.hash, at: c.at, org: c.org });
        await db.query('UPDATE audit_checkpoints SET hash = $2, signature = $3 WHERE seq = $1', [c.seq, forged.hash, forged.signature]);
      }
      expect(await full(db)).toMatchObject({ ok: false, firstBrokenRow: 4, reason: expect.stringContaining('not signed by this public key') });
    });

    it('recompute and delete the stored checkpoints: a copy kept outside the database still catches it', async () => {
      const { db } = await signedLog();
      const saved: Checkpoint[] = JSON.parse(JSON.stringify(await listCheckpoints(db)));
      await db.query(`UPDATE audit SET outcome = 'allowed' WHERE seq = 4`);
      await recomputeChain(db, 4);
      await db.query('DELETE FROM audit_checkpoints WHERE seq >= 4');
      // The database's own copy is now silent about rows 3.., which is why verifiers keep theirs.
      expect(await full(db)).toMatchObject({ ok: true, checkpoints: 1 });
      expect(await verifyAuditTrail(db, { publicKey: key.publicKey, checkpoints: saved })).toMatchObject({ ok: false, firstBrokenRow: 3 });
    });
  });
}
