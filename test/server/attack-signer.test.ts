// Outside review 2026-12-01 (issue 15): the checkpointer signed whatever head audit_head named,
// without checking the rows since the last signed checkpoint. It now verifies them first
// (audit-checkpointer.ts), so an edit since the last checkpoint is reported and never signed.
// Still open (README, "Security model"): a writer who also recomputes the chain from the edited
// row and moves the head before the next tick leaves rows that verify, and they get signed; only
// a signer that knows the hashes its own appends produced could refuse them.
import { describe, expect, it } from 'vitest';
import type { AuditAction } from '../../src/api/vocabulary';
import { appendAuditBatch, type AuditInput } from '../../src/server/audit';
import { checkpointHead } from '../../src/server/audit-checkpointer';
import { ephemeralSigningKey } from '../../src/server/audit-checkpoints';
import { verifyAuditTrail } from '../../src/server/audit-verify';
import { openPglite } from '../../src/server/db/index';

const row = (n: number): { input: AuditInput; at: string } => ({
  input: { actor: 'sam', actorKind: 'engineer', action: 'access.check' as AuditAction, ticket: 'PS-100', resource: { type: 'work_item', id: `r-${n}` }, outcome: 'refused' },
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
});

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
});
