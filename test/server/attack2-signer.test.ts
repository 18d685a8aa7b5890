// Outside review 2 of 2026-12-01 (issue 15): the checkpoint signer's witness (audit-witness.ts)
// kept only the newest row this process appended, trusted the hash the database computed, skipped
// rows beyond the head and stopped at a forged checkpoint; each let a database writer get a
// rewritten history signed. Each case below failed then. Now: every own append since the last
// checkpoint is witnessed, its hash computed by the API, a witnessed row past the head or a
// checkpoint past it is refused, and the checkpoint this process signed must still be there.
import { describe, expect, it } from 'vitest';
import { appendAtEpoch } from '../../src/server/access-check';
import { appendAuditBatch } from '../../src/server/audit';
import { checkpointHead } from '../../src/server/audit-checkpointer';
import { ephemeralSigningKey } from '../../src/server/audit-checkpoints';
import { witnessAppends } from '../../src/server/audit-witness';
import { openPglite, openPostgres, type Db } from '../../src/server/db/index';
import { checkRow, recomputeFrom } from './audit-forgery';
import { ADMIN_URL, scratchDatabase } from './helpers';

const row = checkRow;

const outcomeOf = async (db: Db, seq: number) => (await db.query<{ outcome: string }>('SELECT outcome FROM audit WHERE seq = $1', [seq]))[0]!.outcome;

describe('outside review 2: the signer signs a forged history', () => {
  it('refused: after a recompute, the API’s next append moves the witness onto the forged chain', async () => {
    const db = await openPglite();
    try {
      const key = ephemeralSigningKey();
      witnessAppends(db);
      await db.transaction((tx) => appendAuditBatch(tx, [row(1), row(2), row(3)]));
      expect((await checkpointHead(db, key, 'acme', '2026-01-01T00:01:00.000Z'))?.seq).toBe(3);
      await db.transaction((tx) => appendAuditBatch(tx, [row(4), row(5), row(6)]));
      // The writer turns row 5's refusal into an allowed check and recomputes the chain.
      await db.query(`UPDATE audit SET outcome = 'allowed' WHERE seq = 5`);
      await recomputeFrom(db, 5);
      // If a tick falls here, it refuses (the fix works for this one tick)…
      await expect(checkpointHead(db, key, 'acme', '2026-01-01T00:01:30.000Z')).rejects.toThrow(/row 6, which this API appended/);
      // …but one more ordinary access check chains onto the forged head, and its witnessed hash is
      // computed over the forged history.
      await db.transaction((tx) => appendAuditBatch(tx, [row(7)]));
      const signed = await checkpointHead(db, key, 'acme', '2026-01-01T00:02:00.000Z').catch((e: Error) => e);
      expect(await outcomeOf(db, 5)).toBe('allowed');
      // Promise: the edit of row 5 is never signed. Broken: the signer signs row 7 over it, and
      // the verify (with the key) then finds nothing: the forged history is certified.
      expect(signed).toBeInstanceOf(Error);
      // Nothing past the honest checkpoint is signed (the verify alone cannot see a recompute after it).
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_checkpoints'))[0]!.n).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('refused: the same through the enforcement point’s one-statement append (migration 7)', async () => {
    const db = await openPglite();
    try {
      const key = ephemeralSigningKey();
      witnessAppends(db);
      const [epoch] = await db.query<{ n: string }>('SELECT n FROM access_epoch WHERE id = 1');
      expect(await appendAtEpoch(db, String(epoch!.n), [row(1), row(2)])).toBe(true);
      expect((await checkpointHead(db, key, 'acme', '2026-01-01T00:01:00.000Z'))?.seq).toBe(2);
      expect(await appendAtEpoch(db, String(epoch!.n), [row(3), row(4)])).toBe(true);
      await db.query(`UPDATE audit SET outcome = 'allowed' WHERE seq = 3`);
      await recomputeFrom(db, 3);
      expect(await appendAtEpoch(db, String(epoch!.n), [row(5)])).toBe(true);
      const signed = await checkpointHead(db, key, 'acme', '2026-01-01T00:02:00.000Z').catch((e: Error) => e);
      expect(signed).toBeInstanceOf(Error);
      // Nothing past the honest checkpoint is signed (the verify alone cannot see a recompute after it).
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_checkpoints'))[0]!.n).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('refused: a writer with DDL replaces append_access_checks_head, stores an edited row and hashes it', async () => {
    const db = await openPglite();
    try {
      const key = ephemeralSigningKey();
      witnessAppends(db);
      const [epoch] = await db.query<{ n: string }>('SELECT n FROM access_epoch WHERE id = 1');
      expect(await appendAtEpoch(db, String(epoch!.n), [row(1)])).toBe(true);
      expect((await checkpointHead(db, key, 'acme', '2026-01-01T00:01:00.000Z'))?.seq).toBe(1);
      // The database now records every refusal as allowed, and hashes what it stored. The API
      // trusts the hash the function answers, so its witness is the forger's hash.
      await db.query(`CREATE OR REPLACE FUNCTION append_access_checks_head(expected_epoch bigint, ats text[], actors text[], kinds text[], actions text[], tickets text[], resources text[], outcomes text[], details text[], befores text[], afters text[])
     RETURNS text[] LANGUAGE plpgsql AS $$
     DECLARE
       head_seq bigint; head_hash text; start_seq bigint; start_hash text; cnt int := coalesce(array_length(ats, 1), 0);
       seqs bigint[] := '{}'; prevs text[] := '{}'; hashes text[] := '{}';
     BEGIN
       SELECT h.seq, h.hash INTO head_seq, head_hash FROM audit_head h WHERE h.id = 1 FOR UPDATE;
       start_seq := head_seq; start_hash := head_hash;
       FOR i IN 1..cnt LOOP
         outcomes[i] := 'allowed';
         befores[i] := replace(befores[i], '"outcome":"refused"', '"outcome":"allowed"');
         seqs[i] := head_seq + i; prevs[i] := head_hash;
         head_hash := encode(sha256(convert_to(head_hash || befores[i] || (head_seq + i)::text || afters[i], 'UTF8')), 'hex');
         hashes[i] := head_hash;
       END LOOP;
       INSERT INTO audit (seq, at, actor, actor_kind, action, ticket, resource, outcome, detail, prev_hash, hash)
         SELECT u.* FROM unnest(seqs, ats, actors, kinds, actions, tickets, resources::jsonb[], outcomes, details::jsonb[], prevs, hashes) AS u;
       UPDATE audit_head SET seq = head_seq + cnt, hash = head_hash WHERE id = 1;
       RETURN ARRAY[(head_seq + cnt)::text, head_hash, start_seq::text, start_hash];
     END $$`);
      expect(await appendAtEpoch(db, String(epoch!.n), [row(2)])).toBe(true);
      expect(await outcomeOf(db, 2)).toBe('allowed'); // the API decided 'refused'
      const signed = await checkpointHead(db, key, 'acme', '2026-01-01T00:02:00.000Z').catch((e: Error) => e);
      expect(signed).toBeInstanceOf(Error);
    } finally {
      await db.close();
    }
  });
  it('a replaced append function that answers in another shape fails the check closed, and nothing after it is signed', async () => {
    const db = await openPglite();
    try {
      const key = ephemeralSigningKey();
      witnessAppends(db);
      const [epoch] = await db.query<{ n: string }>('SELECT n FROM access_epoch WHERE id = 1');
      expect(await appendAtEpoch(db, String(epoch!.n), [row(1)])).toBe(true);
      expect((await checkpointHead(db, key, 'acme', '2026-01-01T00:01:00.000Z'))?.seq).toBe(1);
      await db.query(`CREATE OR REPLACE FUNCTION append_access_checks_head(expected_epoch bigint, ats text[], actors text[], kinds text[], actions text[], tickets text[], resources text[], outcomes text[], details text[], befores text[], afters text[])
     RETURNS text[] LANGUAGE plpgsql AS $$
     BEGIN
       UPDATE audit_head SET seq = seq + 1 WHERE id = 1;
       RETURN ARRAY[(SELECT seq FROM audit_head WHERE id = 1)::text, repeat('a', 64)];
     END $$`);
      await expect(appendAtEpoch(db, String(epoch!.n), [row(2)])).rejects.toThrow(/function was replaced/);
      await expect(checkpointHead(db, key, 'acme', '2026-01-01T00:02:00.000Z')).rejects.toThrow();
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_checkpoints'))[0]!.n).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('refused: a writer cuts the tail back before the witnessed row and edits the new head', async () => {
    const db = await openPglite();
    try {
      const key = ephemeralSigningKey();
      witnessAppends(db);
      await db.transaction((tx) => appendAuditBatch(tx, [row(1), row(2), row(3)]));
      expect((await checkpointHead(db, key, 'acme', '2026-01-01T00:01:00.000Z'))?.seq).toBe(3);
      await db.transaction((tx) => appendAuditBatch(tx, [row(4), row(5), row(6)]));
      // Rows 5 and 6 vanish, row 4 is edited and rehashed, the head moves back to 4. The witnessed
      // row (6) now lies beyond the head, and the signer skips its check (own.seq <= seq).
      await db.query('DELETE FROM audit WHERE seq > 4');
      await db.query(`UPDATE audit SET outcome = 'allowed' WHERE seq = 4`);
      await recomputeFrom(db, 4);
      const signed = await checkpointHead(db, key, 'acme', '2026-01-01T00:02:00.000Z').catch((e: Error) => e);
      expect(signed).toBeInstanceOf(Error);
      // Nothing past the honest checkpoint is signed (the verify alone cannot see a recompute after it).
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_checkpoints'))[0]!.n).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('refused: a checkpoint row forged at a seq beyond the head', async () => {
    const db = await openPglite();
    try {
      const key = ephemeralSigningKey();
      witnessAppends(db);
      await db.transaction((tx) => appendAuditBatch(tx, [row(1), row(2)]));
      expect((await checkpointHead(db, key, 'acme', '2026-01-01T00:01:00.000Z'))?.seq).toBe(2);
      await db.query(`INSERT INTO audit_checkpoints (seq, hash, at, org, key_id, signature) VALUES (1000000000, repeat('0', 64), '2026-01-01T00:00:00.000Z', 'acme', 'x', 'x')`);
      await db.transaction((tx) => appendAuditBatch(tx, [row(3)]));
      await db.query(`UPDATE audit SET outcome = 'allowed' WHERE seq = 3`);
      // The signer returns "nothing to sign" before it verifies anything: the edit of row 3 is
      // not reported at the tick (the promise: reported within a minute). A full verify with the
      // key does report the forged checkpoint.
      await expect(checkpointHead(db, key, 'acme', '2026-01-01T00:02:00.000Z')).rejects.toThrow();
    } finally {
      await db.close();
    }
  });
});

describe('outside review 2: deleted checkpoints', () => {
  it('refused: a writer deletes every checkpoint, rewrites an old row (2) and recomputes the chain from it', async () => {
    const db = await openPglite();
    try {
      const key = ephemeralSigningKey();
      witnessAppends(db);
      await db.transaction((tx) => appendAuditBatch(tx, [row(1), row(2), row(3)]));
      expect((await checkpointHead(db, key, 'acme', '2026-01-01T00:01:00.000Z'))?.seq).toBe(3);
      await db.transaction((tx) => appendAuditBatch(tx, [row(4)]));
      expect((await checkpointHead(db, key, 'acme', '2026-01-01T00:02:00.000Z'))?.seq).toBe(4);
      await db.query('DELETE FROM audit_checkpoints');
      await db.query(`UPDATE audit SET outcome = 'allowed' WHERE seq = 2`);
      await recomputeFrom(db, 2);
      await db.transaction((tx) => appendAuditBatch(tx, [row(5)]));
      // This process signed row 4 itself a minute ago; it should not sign a history in which
      // row 4 carries another hash and its own checkpoints are gone.
      const signed = await checkpointHead(db, key, 'acme', '2026-01-01T00:03:00.000Z').catch((e: Error) => e);
      expect(signed).toBeInstanceOf(Error);
    } finally {
      await db.close();
    }
  });
});

describe.skipIf(!ADMIN_URL)('outside review 2 on PostgreSQL: two API processes, one chain', () => {
  it('refused: after a recompute, either process’s next append on the forged head', async () => {
    const s = await scratchDatabase();
    const a = await openPostgres(s.url);
    const b = await openPostgres(s.url);
    try {
      const key = ephemeralSigningKey();
      witnessAppends(a);
      witnessAppends(b);
      const [epoch] = await a.query<{ n: string }>('SELECT n FROM access_epoch WHERE id = 1');
      expect(await appendAtEpoch(a, String(epoch!.n), [row(1)])).toBe(true);
      expect(await appendAtEpoch(b, String(epoch!.n), [row(2)])).toBe(true);
      expect((await checkpointHead(a, key, 'acme', '2026-01-01T00:01:00.000Z'))?.seq).toBe(2);
      expect(await appendAtEpoch(a, String(epoch!.n), [row(3)])).toBe(true);
      expect(await appendAtEpoch(b, String(epoch!.n), [row(4)])).toBe(true);
      await a.query(`UPDATE audit SET outcome = 'allowed' WHERE seq = 3`);
      await recomputeFrom(a, 3);
      // Both witnesses object now…
      await expect(checkpointHead(a, key, 'acme', '2026-01-01T00:01:30.000Z')).rejects.toThrow();
      await expect(checkpointHead(b, key, 'acme', '2026-01-01T00:01:30.000Z')).rejects.toThrow();
      // …until each has appended once more onto the forged head.
      expect(await appendAtEpoch(a, String(epoch!.n), [row(5)])).toBe(true);
      const signed = await checkpointHead(a, key, 'acme', '2026-01-01T00:02:00.000Z').catch((e: Error) => e);
      expect(signed).toBeInstanceOf(Error);
      expect((await a.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_checkpoints'))[0]!.n).toBe(1);
    } finally {
      await a.close();
      await b.close();
      await s.drop();
    }
  }, 60_000);
});
