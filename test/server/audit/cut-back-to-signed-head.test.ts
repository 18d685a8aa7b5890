// A database writer cuts the trail back to an earlier signed head (rows and head, its signed note
// and all), so what is left verifies by itself. Outside review of 2026-12-07: the replica that did
// not write the cut rows signed a new row on top of the cut, and every verify said intact. Each
// process now keeps the highest row any process was seen to commit (the trail's announcements):
// it never signs below it, and its verify names the cut.
import { describe, expect, it } from 'vitest';
import { ephemeralSigningKey } from '../../../src/server/audit/checkpoints';
import { AuditTrail, TrailTampered } from '../../../src/server/audit/trail';
import { openPglite, type Db } from '../../../src/server/db/index';
import { checkRow as row } from './audit-forgery';
import { harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

/** Cuts `db`'s trail back to the newest signed row at or below `seq`; the seq it cut to. */
async function cutBackToSignedHead(db: Db, below: number): Promise<number> {
  const [r] = await db.query<{ seq: string; hash: string; signed_note: string }>(
    'SELECT seq::text, hash, signed_note FROM audit_rows WHERE signed_note IS NOT NULL AND seq <= $1 ORDER BY seq DESC LIMIT 1',
    [below],
  );
  await db.query('DELETE FROM audit_rows WHERE seq > $1', [r!.seq]);
  await db.query('UPDATE audit_head SET seq = $1, hash = $2, signed_note = $3 WHERE id = 1', [r!.seq, r!.hash, r!.signed_note]);
  return Number(r!.seq);
}

describe('a trail cut back to an earlier signed head', () => {
  it('is never signed on by a process that saw the cut rows announced (it did not write them)', async () => {
    const db = await openPglite();
    try {
      const key = ephemeralSigningKey();
      let trail = new AuditTrail(key, 'acme');
      await db.transaction((tx) => trail.appendBatch(tx, [row(1), row(2), row(3)]));
      await db.transaction((tx) => trail.appendBatch(tx, [row(4), row(5)]));
      // As another replica of the same key sees it: it wrote nothing, but heard rows up to 5 announced.
      trail = new AuditTrail(key, 'acme');
      trail.seenHead = () => 5;
      expect(await cutBackToSignedHead(db, 4)).toBe(3);
      await expect(db.transaction((tx) => trail.appendBatch(tx, [row(6)]))).rejects.toThrow(TrailTampered);
      await expect(db.transaction((tx) => trail.appendBatch(tx, [row(6)]))).rejects.toThrow(/row 5, which an API process committed and announced, lies past it/);
    } finally {
      await db.close();
    }
  });

  it("is named by the API's verify: the rows were cut from the end", async () => {
    const h = await harness('pglite');
    try {
      expect((await h.call('alice-token', ROUTES.grant, { key: 'PS-101' }, {})).status).toBe(201);
      for (let i = 0; i < 3; i++) expect((await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-101', resource: { type: 'page', id: `p${i}` } })).status).toBe(200);
      const before = await h.call('alice-token', ROUTES.verifyAudit);
      expect(before.json.ok, JSON.stringify(before.json)).toBe(true);
      const head = before.json.rows as number;
      const cut = await cutBackToSignedHead(h.db, head - 1);
      expect(cut).toBeLessThan(head);
      const after = await h.call('alice-token', ROUTES.verifyAudit);
      expect(after.json).toMatchObject({ ok: false, firstBrokenRow: cut + 1 });
      expect(after.json.reason).toMatch(new RegExp(`ends at row ${cut}, but row ${head} was committed`));
    } finally {
      await h.close();
    }
  });
});
