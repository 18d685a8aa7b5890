// Outside review 2 of 2026-12-01 (issue 15), end to end, fixed since (the witness keeps every own
// append): a real API process on PostgreSQL signing every 2 s. A database writer edits a check since the last checkpoint and recomputes the chain;
// the next ordinary access check chains onto the forged head, and the API signs it. The verify with
// the key (GET /v1/audit/verify) then calls the forged history good.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rowHash, type ActorKind } from '../../src/server/audit';
import { openPostgres } from '../../src/server/db/index';
import { api, sleep, spawnApi } from '../load/helpers';
import { ADMIN_URL, scratchDatabase, writeWorldFile } from './helpers';

describe.skipIf(!ADMIN_URL)('outside review 2: a real API signs a laundered recompute', () => {
  it('edit + recompute, then one access check: the API never calls the edited history good', async () => {
    const scratch = await scratchDatabase();
    const key = join(mkdtempSync(join(tmpdir(), 'ac-a2-key-')), 'key.pem');
    const a = await spawnApi({ fixture: writeWorldFile(), args: ['--audit-key', key, '--checkpoint-seconds', '2'], env: { DATABASE_URL: scratch.url } });
    const db = await openPostgres(scratch.url);
    try {
      const check = (id: string) => api(a.base, 'sam-token', 'POST', '/v1/access/check', { ticket: 'PS-105', resource: { type: 'comment', id } });
      for (const id of ['c1', 'c2', 'c3']) expect((await check(id)).status).toBe(200);
      const newestCp = async () => Number((await db.query<{ s: string | null }>('SELECT max(seq) AS s FROM audit_checkpoints'))[0]!.s ?? 0);
      const head = async () => Number((await db.query<{ s: string }>('SELECT seq AS s FROM audit_head'))[0]!.s);
      for (let i = 0; i < 100 && (await newestCp()) < (await head()); i++) await sleep(100);
      const signedBefore = await newestCp();
      // Right after a tick: two more checks, then the writer edits the first of them.
      expect((await check('secret-1')).status).toBe(200);
      expect((await check('secret-2')).status).toBe(200);
      const target = signedBefore + 1;
      const [orig] = await db.query<{ resource: { id: string } }>('SELECT resource FROM audit WHERE seq = $1', [target]);
      await db.transaction(async (tx) => {
        await tx.query(`UPDATE audit SET resource = jsonb_set(resource, '{id}', '"harmless"') WHERE seq = $1`, [target]);
        const [before] = await tx.query<{ hash: string }>('SELECT hash FROM audit WHERE seq = $1', [target - 1]);
        let prev = before!.hash;
        let last = target - 1;
        for (const r of await tx.query<{ seq: string; at: string; actor: string; actor_kind: string; action: string; ticket: string | null; resource: unknown; outcome: string; detail: unknown }>(
          'SELECT * FROM audit WHERE seq >= $1 ORDER BY seq FOR UPDATE',
          [target],
        )) {
          const seq = Number(r.seq);
          const hash = rowHash(prev, {
            seq,
            at: r.at,
            actor: r.actor,
            actorKind: r.actor_kind as ActorKind,
            action: r.action,
            ticket: r.ticket,
            resource: r.resource,
            outcome: r.outcome,
            detail: r.detail,
          });
          await tx.query('UPDATE audit SET prev_hash = $2, hash = $3 WHERE seq = $1', [seq, prev, hash]);
          prev = hash;
          last = seq;
        }
        await tx.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [last, prev]);
      });
      // One more ordinary check chains onto the forged head.
      expect((await check('c4')).status).toBe(200);
      for (let i = 0; i < 60 && (await newestCp()) < (await head()); i++) await sleep(100);
      const covered = (await newestCp()) >= target;
      const v = await api(a.base, 'alice-token', 'GET', '/v1/audit/verify');
      // Recorded for the report: what was read, what the API signed and what its verify says.
      console.log(JSON.stringify({ target, original: orig?.resource.id, signedBefore, newest: await newestCp(), verify: v.json }));
      expect(covered && v.json.ok === true).toBe(false);
    } finally {
      await db.close();
      await a.stop();
      await scratch.drop();
    }
  }, 120_000);
});
