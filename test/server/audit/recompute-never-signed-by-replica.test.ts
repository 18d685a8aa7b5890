// Outside review 2 of 2026-12-01 (issue 15), end to end: a real API process on PostgreSQL. A
// database writer edits a recent check and recomputes the chain after it; the next ordinary access
// check must not chain onto the forged head and sign it (the API signs only on top of a head that
// extends what it wrote), and the verify with the key (GET /v1/audit/verify) never calls the edited
// history good. (Once the window between timed checkpoints; every append now signs its head.)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPostgres } from '../../../src/server/db/index';
import { spawnApi } from '../../load/helpers';
import { editRow, recomputeFrom } from './audit-forgery';
import { ADMIN_URL, scratchDatabase, writeWorldFile } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi } from '../../support/api-call';

describe.skipIf(!ADMIN_URL)('outside review 2: a real API signs a laundered recompute', () => {
  it('edit + recompute, then one access check: the API never calls the edited history good', async () => {
    const scratch = await scratchDatabase();
    const key = join(mkdtempSync(join(tmpdir(), 'ac-a2-key-')), 'key.pem');
    const a = await spawnApi({ fixture: writeWorldFile(), args: ['--audit-key', key], env: { DATABASE_URL: scratch.url } });
    const db = await openPostgres(scratch.url);
    try {
      const check = (id: string) => callApi(a.base, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-105', resource: { type: 'comment', id } });
      for (const id of ['c1', 'c2', 'c3']) expect((await check(id)).status).toBe(200);
      const head = async () => Number((await db.query<{ s: string }>('SELECT seq AS s FROM audit_head'))[0]!.s);
      expect((await check('secret-1')).status).toBe(200);
      expect((await check('secret-2')).status).toBe(200);
      const target = (await head()) - 1;
      const orig = (await db.query<{ body: string }>('SELECT body FROM audit_rows WHERE seq = $1', [target]))[0]!.body;
      await db.transaction(async (tx) => {
        await editRow(tx, target, { resource: { type: 'comment', id: 'harmless' } });
        await recomputeFrom(tx, target);
      });
      // One more ordinary check: it must not be signed on top of the forged head.
      const after = await check('c4');
      const signedOnForged = after.status === 200;
      const v = await callApi(a.base, 'alice-token', ROUTES.verifyAudit);
      // Recorded for the report: what was read, what the API signed and what its verify says.
      console.log(JSON.stringify({ target, original: orig, check: after.status, verify: v.json }));
      expect(signedOnForged).toBe(false);
      expect(v.json.ok).toBe(false);
    } finally {
      await db.close();
      await a.stop();
      await scratch.drop();
    }
  }, 120_000);
});
