// Outside review 2026-12-01 (issue 15): the checkpointer signed whatever head audit_head named,
// without checking the rows since the last signed checkpoint. It now verifies them first
// (audit-checkpointer.ts), so an edit since the last checkpoint is reported and never signed.
// A writer who also recomputes the chain from the edited row and moves the head before the next
// tick leaves rows that verify; the signer then refuses because the newest row this process
// appended no longer carries the hash its append computed (audit-witness.ts).
import { describe, expect, it } from 'vitest';
import { appendAuditBatch } from '../../src/server/audit';
import { appendAtEpoch } from '../../src/server/access-check';
import { witnessAppends, witnessedUpTo } from '../../src/server/audit-witness';
import { checkpointHead } from '../../src/server/audit-checkpointer';
import { ephemeralSigningKey } from '../../src/server/audit-checkpoints';
import { verifyAuditTrail } from '../../src/server/audit-verify';
import { openPglite } from '../../src/server/db/index';
import { checkRow, recomputeFrom } from './audit-forgery';

const row = checkRow;

describe('the checkpointer and a chain recomputed since its last checkpoint', () => {
  it('does not sign a head when a row since the last checkpoint was edited', async () => {
    const db = await openPglite();
    try {
      const key = ephemeralSigningKey();
      await db.transaction((tx) => appendAuditBatch(tx, [row(1), row(2), row(3)]));
      expect((await checkpointHead(db, key, 'acme', '2026-01-01T00:01:00.000Z'))?.seq).toBe(3);
      await db.transaction((tx) => appendAuditBatch(tx, [row(4), row(5), row(6)]));
      // The writer turns row 5's refusal into an allowed check before the next tick.
      await db.query(`UPDATE audit SET outcome = 'allowed' WHERE seq = 5`);
      await expect(checkpointHead(db, key, 'acme', '2026-01-01T00:02:00.000Z')).rejects.toThrow(/not signing the audit head at row 6: row 5 was changed/);
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_checkpoints'))[0]!.n).toBe(1);
      // Later appends do not launder it: the signer keeps refusing.
      await db.transaction((tx) => appendAuditBatch(tx, [row(7)]));
      await expect(checkpointHead(db, key, 'acme', '2026-01-01T00:03:00.000Z')).rejects.toThrow(/row 5 was changed/);
    } finally {
      await db.close();
    }
  });

  it('signs a head whose rows verify, and the next one from there', async () => {
    const db = await openPglite();
    try {
      const key = ephemeralSigningKey();
      await db.transaction((tx) => appendAuditBatch(tx, [row(1), row(2), row(3)]));
      expect((await checkpointHead(db, key, 'acme', '2026-01-01T00:01:00.000Z'))?.seq).toBe(3);
      expect(await checkpointHead(db, key, 'acme', '2026-01-01T00:01:30.000Z')).toBeUndefined(); // nothing new
      await db.transaction((tx) => appendAuditBatch(tx, [row(4), row(5)]));
      expect((await checkpointHead(db, key, 'acme', '2026-01-01T00:02:00.000Z'))?.seq).toBe(5);
      expect((await verifyAuditTrail(db, { publicKey: key.publicKey })).ok).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('does not sign a head whose rows since the last checkpoint were rewritten and the chain recomputed', async () => {
    const db = await openPglite();
    try {
      const key = ephemeralSigningKey();
      witnessAppends(db);
      await db.transaction((tx) => appendAuditBatch(tx, [row(1), row(2), row(3)]));
      expect((await checkpointHead(db, key, 'acme', '2026-01-01T00:01:00.000Z'))?.seq).toBe(3);
      await db.transaction((tx) => appendAuditBatch(tx, [row(4), row(5), row(6)]));
      expect([...witnessedUpTo(db, 100).keys()]).toEqual([6]);
      await db.query(`UPDATE audit SET outcome = 'allowed' WHERE seq = 5`);
      await recomputeFrom(db, 5);
      // The recomputed chain verifies on its own…
      expect((await verifyAuditTrail(db, { publicKey: key.publicKey })).ok).toBe(true);
      // …but it is not the chain this API wrote, and the signer says so instead of signing it.
      await expect(checkpointHead(db, key, 'acme', '2026-01-01T00:02:00.000Z')).rejects.toThrow(/row 6, which this API appended, no longer carries the hash/);
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_checkpoints'))[0]!.n).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('witnesses only committed appends, from both append paths', async () => {
    const db = await openPglite();
    try {
      const key = ephemeralSigningKey();
      witnessAppends(db);
      await db.transaction((tx) => appendAuditBatch(tx, [row(1), row(2)]));
      // A transaction that appends and then fails rolls back: row 3 is never written, and it is
      // not witnessed (or the next row 3, a different one, would look rewritten).
      await expect(
        db.transaction(async (tx) => {
          await appendAuditBatch(tx, [row(3)]);
          throw new Error('the change failed after its audit row');
        }),
      ).rejects.toThrow(/failed/);
      expect([...witnessedUpTo(db, 100).keys()]).toEqual([2]);
      const [epoch] = await db.query<{ n: string }>('SELECT n FROM access_epoch WHERE id = 1');
      expect(await appendAtEpoch(db, String(epoch!.n), [row(30), row(31)])).toBe(true);
      const [head] = await db.query<{ seq: number; hash: string }>('SELECT seq::int AS seq, hash FROM audit_head WHERE id = 1');
      expect(witnessedUpTo(db, 100).get(4)).toBe(head!.hash);
      expect((await checkpointHead(db, key, 'acme', '2026-01-01T00:01:00.000Z'))?.seq).toBe(4);
      // What the checkpoint covers is forgotten.
      expect(witnessedUpTo(db, 100).size).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('does not sign a forged history the API appended on top of after the recompute', async () => {
    const db = await openPglite();
    try {
      const key = ephemeralSigningKey();
      witnessAppends(db);
      await db.transaction((tx) => appendAuditBatch(tx, [row(1), row(2), row(3)]));
      expect((await checkpointHead(db, key, 'acme', '2026-01-01T00:01:00.000Z'))?.seq).toBe(3);
      await db.transaction((tx) => appendAuditBatch(tx, [row(4), row(5), row(6)]));
      await db.query(`UPDATE audit SET outcome = 'allowed' WHERE seq = 5`);
      await recomputeFrom(db, 5);
      // The API keeps appending: its new rows chain onto the forged head, and hash over it.
      await db.transaction((tx) => appendAuditBatch(tx, [row(7)]));
      const [epoch] = await db.query<{ n: string }>('SELECT n FROM access_epoch WHERE id = 1');
      expect(await appendAtEpoch(db, String(epoch!.n), [row(8)])).toBe(true);
      await expect(checkpointHead(db, key, 'acme', '2026-01-01T00:02:00.000Z')).rejects.toThrow(/row 6, which this API appended, no longer carries the hash/);
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_checkpoints'))[0]!.n).toBe(1);
    } finally {
      await db.close();
    }
  });
});
