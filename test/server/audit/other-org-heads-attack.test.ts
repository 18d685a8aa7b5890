// Outside attack 3 (2026-12-08): signed heads replayed from another org's trail. Nothing checked
// the `org` line of a head: two orgs whose APIs sign with one key file (schemas on one PostgreSQL,
// one --audit-key) could have one org's whole trail copied over the other's, and the API's verify
// called it good, and a replica started on it signed new heads of its org on top of the other's.
// Now the API's verify names the first head of another org, a replica refuses to sign on one, and
// a checkpoint file of another org is named as such, never counted as heads of this trail (it was:
// the same rows in both trails made its heads agree, and verify counted them).
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../../src/api/contract';
import { ephemeralSigningKey } from '../../../src/server/audit/checkpoints';
import { AuditTrail, listSignedHeads, TrailTampered } from '../../../src/server/audit/trail';
import { verifyAuditTrail } from '../../../src/server/audit/verify';
import type { Db } from '../../../src/server/db/index';
import { checkRow } from './audit-forgery';
import { signedRows } from './attack-trails';
import { ADMIN_URL, harness, WORLD, type Backend } from '../helpers';

/** Replaces the trail in `to` by the one in `from`, rows and head, byte for byte. */
async function copyTrail(from: Db, to: Db): Promise<void> {
  const rows = await from.query<{ seq: string; body: string; hash: string; signed_note: string | null }>('SELECT seq::text, body, hash, signed_note FROM audit_rows ORDER BY seq');
  const [head] = await from.query<{ seq: string; hash: string; signed_note: string }>('SELECT seq::text, hash, signed_note FROM audit_head');
  await to.query('DELETE FROM audit_rows');
  for (const r of rows) await to.query('INSERT INTO audit_rows (seq, body, hash, signed_note) VALUES ($1, $2, $3, $4)', [r.seq, r.body, r.hash, r.signed_note]);
  await to.query('UPDATE audit_head SET seq = $1, hash = $2, signed_note = $3', [head!.seq, head!.hash, head!.signed_note]);
}

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`heads of another org, on ${backend}`, () => {
    it("another org's trail, signed with the same key, copied over this org's: the API's verify names row 1, no replica signs on it", async () => {
      const key = ephemeralSigningKey();
      const h = await harness(backend, { auditSigning: { key } });
      const globex = await signedRows(backend, { org: 'globex', key, n: 40 });
      try {
        await h.call('alice-token', ROUTES.grant, { key: 'PS-100' }, {});
        expect((await h.call('alice-token', ROUTES.verifyAudit)).json).toMatchObject({ ok: true });
        await copyTrail(globex.db, h.db);
        // Alone, the copied trail is whole: only the org its heads name gives it away.
        expect(await verifyAuditTrail(h.db, { publicKey: key.publicKey })).toMatchObject({ ok: true, rows: 40 });
        const v = await h.call('alice-token', ROUTES.verifyAudit);
        expect(v.json).toMatchObject({ ok: false, firstBrokenRow: 1, reason: expect.stringMatching(/head at row 1 is of org "globex", not "acme": it was replayed from another trail/) });
        expect(await verifyAuditTrail(h.db, { publicKey: key.publicKey, org: WORLD.organization.id })).toMatchObject({ ok: false, firstBrokenRow: 1 });
        // A replica of acme that has not written since (a restart) never signs on top of it.
        const replica = new AuditTrail(key, WORLD.organization.id);
        await expect(h.db.transaction((tx) => replica.appendBatch(tx, [checkRow(41)]))).rejects.toThrow(TrailTampered);
        await expect(h.db.transaction((tx) => replica.appendBatch(tx, [checkRow(41)]))).rejects.toThrow(/of org "globex", not "acme"/);
        // An API does not start on it.
        await expect(AuditTrail.open(h.db, key, WORLD.organization.id, '2026-12-08T00:00:00.000Z')).rejects.toThrow(/newest head is of org "globex", not this API's org "acme"/);
        // Nor does the running one, which wrote rows the copy lacks.
        expect((await h.call('alice-token', ROUTES.grant, { key: 'PS-101' }, {})).status).toBe(503);
        expect((await h.db.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_rows'))[0]!.n).toBe('40');
      } finally {
        await globex.close();
        await h.close();
      }
    });

    it('a checkpoint file of another org is named as such, at its first head', async () => {
      const [acme, globex] = [await signedRows(backend), await signedRows(backend, { org: 'globex' })];
      try {
        const foreign = await listSignedHeads(globex.db);
        expect(await verifyAuditTrail(acme.db, { publicKey: acme.key.publicKey, checkpoints: await listSignedHeads(acme.db) })).toMatchObject({ ok: true });
        expect(await verifyAuditTrail(acme.db, { publicKey: acme.key.publicKey, checkpoints: foreign.slice(2) })).toMatchObject({
          ok: false,
          firstBrokenRow: 3,
          reason: expect.stringMatching(/head at row 3 is of org "globex", not "acme"/),
        });
      } finally {
        await acme.close();
        await globex.close();
      }
    });
  });
}
