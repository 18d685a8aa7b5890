// Outside review 2026-12-01 (issue 15), a gap that predates today's changes and holds for both the
// plain walk and the batched verifier: a row's jsonb is hashed after JSON.parse, so a stored number
// that parses to the same double (30 → 30.0000000000000000000001), or overflows to Infinity (which
// canonical JSON writes as null: null → 1e400), is a change no verify sees. psql, a SQL export or a
// SIEM reading the table shows the edited value. Marked `fails` until the verifier compares the
// stored jsonb with the value it hashed (e.g. `detail = $canonical::jsonb`, which compares numerics exactly).
import { describe, expect, it } from 'vitest';
import type { AuditAction } from '../../src/api/vocabulary';
import { appendAuditBatch, verifyAudit } from '../../src/server/audit';
import { ephemeralSigningKey, signCheckpoint } from '../../src/server/audit-checkpoints';
import { verifyAuditTrail } from '../../src/server/audit-verify';
import { openPglite } from '../../src/server/db/index';

describe('numbers in a row jsonb', () => {
  it.fails('an edit to a stored number that parses to the same double is detected', async () => {
    const db = await openPglite();
    try {
      const key = ephemeralSigningKey();
      await db.transaction((tx) =>
        appendAuditBatch(tx, [
          { input: { actor: 'sam', actorKind: 'engineer', action: 'access.check' as AuditAction, outcome: 'refused', detail: { minutes: 30, note: null } }, at: '2026-01-01T00:00:00.000Z' },
        ]),
      );
      const [h] = await db.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_head');
      const cp = signCheckpoint(key, { seq: Number(h!.seq), hash: h!.hash, at: '2026-01-01T00:01:00.000Z', org: 'acme' });
      await db.query(`UPDATE audit SET detail = '{"minutes": 30.0000000000000000000001, "note": 1e400}' WHERE seq = 1`);
      expect((await verifyAudit(db)).ok || (await verifyAuditTrail(db, { publicKey: key.publicKey, checkpoints: [cp] })).ok).toBe(false);
    } finally {
      await db.close();
    }
  });
});
