// When the storage fails, the API says so and fails closed. A sync that fails (the disk answers
// EIO to fsync) cannot be retried safely: PostgreSQL PANICs, what was written since the last good
// sync may be lost, so the API refuses everything with a 503 that says what is wrong until it is
// restarted, and a restart recovers from the WAL. A full disk (a real one: a small tmpfs in a
// mount namespace of its own) rolls the request back whole and answers 503; once space is freed
// the API goes on. On PostgreSQL each connection forces synchronous_commit=on whatever the
// database's default.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { fsyncSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { problemType } from '../../../src/api/problems';
import { createApp } from '../../../src/server/app';
import { openPglite, openPostgres } from '../../../src/server/db/index';
import { ADMIN_URL, scratchDatabase, WORLD, TEST_AUDIT_KEY } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi, type RouteCall, type Target } from '../../support/api-call';

const ROOT = join(__dirname, '../../..');

/** A contract call on `app`, with the answer's Retry-After beside it. */
async function request(app: Target, token: string, ...call: RouteCall) {
  const r = await callApi(app, token, ...call);
  return { ...r, retryAfter: r.headers.get('retry-after') };
}

describe('a sync to disk fails (PGlite with a data folder)', () => {
  it('the write is a 503 storage-unavailable, every later request too (checks fail closed, /healthz says so), and a restart recovers from the WAL', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ac-fsync-')), 'data');
    let disk: 'ok' | 'failing' = 'ok';
    const fsync = (fd: number) => {
      if (disk === 'failing') throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO', errno: -5, syscall: 'fsync' });
      fsyncSync(fd);
    };
    const db = await openPglite(dir, { fsync });
    const api = await createApp({ auditSigning: { key: TEST_AUDIT_KEY }, world: WORLD, db, log: () => {}, rateLimitPerMinute: 100_000 });
    expect(db.durability.durable).toBe(true);
    const g = await request(api.app, 'alice-token', ROUTES.grant, { key: 'PS-100' }, {});
    expect(g.status).toBe(201);
    expect((await request(api.app, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-100', resource: { type: 'work_item' } })).json.allowed).toBe(true);

    disk = 'failing';
    const revoke = await request(api.app, 'alice-token', ROUTES.revoke, { id: g.json.id }, {});
    expect(revoke.status).toBe(503);
    expect(revoke.type).toContain('application/problem+json');
    expect(revoke.json.type).toBe(problemType('storage-unavailable'));
    expect(revoke.json.detail).toContain('The API could not write to its storage: a sync to disk failed (EIO)');
    expect(revoke.json.detail).toContain('accepts nothing more until it is restarted');
    expect(JSON.stringify(revoke.json)).not.toMatch(/pg_wal|\.ts:\d+|\bat \S+ \(/);
    // The disk works again, but the pages a failed fsync dropped are not known: nothing is accepted.
    disk = 'ok';
    const check = await request(api.app, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-100', resource: { type: 'work_item' } });
    expect(check.status).toBe(503);
    expect(check.type).toContain('application/problem+json'); // a JSON answer, without `allowed`
    expect(check.json.allowed).toBeUndefined();
    expect((await request(api.app, 'alice-token', ROUTES.getGrant, { id: g.json.id })).status).toBe(503);
    expect((await request(api.app, 'alice-token', ROUTES.grant, { key: 'PS-101' }, {})).status).toBe(503);
    const health = await callApi(api.app, null, ROUTES.health);
    expect(health.status).toBe(503);
    expect(health.json).toEqual({ ok: false, db: 'pglite', durable: true, storage: 'a sync to disk failed (EIO)' });
    await api.close();
    await db.close(); // returns: a PGlite that PANICked is not waited on

    // A restart recovers from what reached the WAL: the API answers again, its chain is whole, and
    // the revoke that was never acknowledged is either all there or not there at all.
    const again = await openPglite(dir);
    const restarted = await createApp({ auditSigning: { key: TEST_AUDIT_KEY }, world: WORLD, db: again, log: () => {}, rateLimitPerMinute: 100_000 });
    try {
      const state = (await request(restarted.app, 'alice-token', ROUTES.getGrant, { id: g.json.id })).json.state;
      expect(['active', 'revoked']).toContain(state);
      const rows = await again.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit WHERE action = 'grant.revoke'`);
      expect(rows[0]!.n).toBe(state === 'revoked' ? 1 : 0);
      expect((await request(restarted.app, 'alice-token', ROUTES.verifyAudit)).json.ok).toBe(true);
      const after = await request(restarted.app, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-100', resource: { type: 'work_item' } });
      expect(after.json.allowed).toBe(state === 'active');
    } finally {
      await restarted.close();
      await again.close();
    }
  }, 120_000);
});

describe('a long-running embedded database checkpoints', () => {
  it('on its own schedule (single-user PostgreSQL never does): the redo point moves past what was written, so the WAL before it can go', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ac-ckpt-')), 'data');
    const db = await openPglite(dir, { checkpointMs: 200 });
    try {
      const redo = async () => (await db.query<{ lsn: string }>('SELECT redo_lsn::text AS lsn FROM pg_control_checkpoint()'))[0]!.lsn;
      const before = await redo();
      await db.query('CREATE TABLE IF NOT EXISTS ckpt_probe (x text)');
      await db.query("INSERT INTO ckpt_probe SELECT repeat('x', 100) FROM generate_series(1, 1000)");
      const [{ written }] = (await db.query<{ written: string }>('SELECT pg_current_wal_lsn()::text AS written')) as [{ written: string }];
      // Compared in the database: an LSN is two hex numbers, not text.
      await expect.poll(async () => (await db.query<{ past: boolean }>('SELECT $1::pg_lsn >= $2::pg_lsn AS past', [await redo(), written]))[0]!.past, { timeout: 30_000, interval: 100 }).toBe(true);
      expect(await redo()).not.toBe(before);
    } finally {
      await db.close();
    }
  });
});

describe('the disk fills up (PGlite with its data folder on a small tmpfs)', () => {
  it('the write that needs space is a 503 that says so, nothing of it is kept, checks fail closed, and freeing space is enough', () => {
    // Its own mount namespace (root, or a user namespace): the tmpfs vanishes with the process.
    const mnt = mkdtempSync(join(tmpdir(), 'ac-full-'));
    const run = spawnSync(
      'unshare',
      [
        ...(process.getuid?.() === 0 ? [] : ['--user', '--map-root-user']),
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mount -t tmpfs -o size=96m tmpfs "$0" && exec "$1" --import tsx test/server/db/durability-disk-full.scenario.ts "$0"',
        mnt,
        process.execPath,
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, DATABASE_URL: '' } },
    );
    const line = run.stdout.trim().split('\n').pop() ?? '';
    if (!line.startsWith('{')) throw new Error(`the disk-full scenario did not finish (${run.status}): ${run.stderr.slice(-1500)}`);
    const r = JSON.parse(line);
    // Checks were answered while the disk filled, each with its audit row, until one could not be.
    expect(r.checksBeforeFull).toBeGreaterThan(0);
    expect(r.fullCheck).toMatchObject({ status: 503, type: problemType('storage-unavailable') });
    expect(r.fullCheck.detail).toContain('The API could not write to its storage: no space left on device');
    expect(r.fullCheck.allowed).toBeUndefined();
    expect(r.fullCheck.retryAfter).toBe('30');
    // The revoke needs space too: refused whole, the grant still active and no revoke row written.
    expect(r.fullRevoke).toMatchObject({ status: 503, type: problemType('storage-unavailable') });
    expect(r.grantWhileFull).toBe('active');
    expect(r.revokeRowsWhileFull).toBe(0);
    expect(r.healthWhileFull).toEqual({ ok: true, db: 'pglite', durable: true });
    // Space freed: the same revoke succeeds, Support is refused, and the chain is whole.
    expect(r.revokeAfter).toBe(200);
    expect(r.checkAfter).toEqual({ status: 200, allowed: false });
    expect(r.verifyAfter).toBe(true);
    expect(r.auditedChecks).toBe(r.checksBeforeFull + 1);
  }, 150_000);
});

describe.skipIf(!ADMIN_URL)('PostgreSQL: the disk under the database fills up', () => {
  // The database lives in a tablespace on a small tmpfs mounted for the server (which runs on this
  // machine); the test fills it. Needs root (to mount, and to hand the folder to postgres).
  it('the write that needs space is a 503 that says so, nothing of it is kept, checks fail closed, and freeing space is enough', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test mounts a tmpfs for the PostgreSQL server: run it as root');
    const host = new URL(ADMIN_URL!).hostname;
    if (!['127.0.0.1', 'localhost', '::1'].includes(host)) throw new Error(`DATABASE_URL's server (${host}) must run on this machine for this test`);
    const mnt = mkdtempSync(join(tmpdir(), 'ac-pgfull-'));
    const suffix = Math.random().toString(36).slice(2, 10);
    const [space, name] = [`ac_full_${suffix}`, `ac_full_${suffix}`];
    const sh = (cmd: string) => {
      const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
    };
    sh(`mount -t tmpfs -o size=40m tmpfs "${mnt}" && chown postgres "${mnt}" && chmod 700 "${mnt}"`);
    const admin = await openPostgres(ADMIN_URL!, { max: 1 });
    try {
      await admin.query(`CREATE TABLESPACE ${space} LOCATION '${mnt}'`);
      await admin.query(`CREATE DATABASE ${name} TABLESPACE ${space}`);
      const u = new URL(ADMIN_URL!);
      u.pathname = `/${name}`;
      const db = await openPostgres(u.toString());
      const api = await createApp({ auditSigning: { key: TEST_AUDIT_KEY }, world: WORLD, db, log: () => {}, rateLimitPerMinute: 1_000_000 });
      try {
        const check = () => request(api.app, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-100', resource: { type: 'work_item' } });
        const g = await request(api.app, 'alice-token', ROUTES.grant, { key: 'PS-100' }, {});
        expect(g.status).toBe(201);
        sh(`cat /dev/zero > "${mnt}/filler" 2>/dev/null; true`);
        let allowed = 0;
        let full: Awaited<ReturnType<typeof check>> | undefined;
        for (let i = 0; i < 5_000 && !full; i++) {
          const c = await check();
          if (c.status === 200 && c.json.allowed === true) allowed++;
          else full = c;
        }
        expect(full).toMatchObject({ status: 503, retryAfter: '30', json: { type: problemType('storage-unavailable') } });
        expect(full!.json.detail).toContain('The API could not write to its storage: no space left on device');
        expect(full!.json.allowed).toBeUndefined();
        const revoke = await request(api.app, 'alice-token', ROUTES.revoke, { id: g.json.id }, {});
        expect(revoke).toMatchObject({ status: 503, json: { type: problemType('storage-unavailable') } });
        expect((await request(api.app, 'alice-token', ROUTES.getGrant, { id: g.json.id })).json.state).toBe('active');
        expect(await db.query(`SELECT 1 FROM audit WHERE action = 'grant.revoke'`)).toEqual([]);
        sh(`rm -f "${mnt}/filler"`);
        expect((await request(api.app, 'alice-token', ROUTES.revoke, { id: g.json.id }, {})).status).toBe(200);
        expect((await check()).json.allowed).toBe(false);
        expect((await request(api.app, 'alice-token', ROUTES.verifyAudit)).json.ok).toBe(true);
        expect((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit WHERE action = 'access.check'`))[0]!.n).toBe(allowed + 1);
      } finally {
        await api.close();
        await db.close();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await admin.query(`DROP TABLESPACE IF EXISTS ${space}`).catch(() => {});
      await admin.close();
      spawnSync('umount', ['-l', mnt]);
    }
  }, 150_000);
});

describe.skipIf(!ADMIN_URL)('PostgreSQL: synchronous_commit', () => {
  const drops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const d of drops) await d();
  });
  it('is on for every connection the API opens even when the database says off, and durability says so; the opt-out turns it off and says that too', async () => {
    const scratch = await scratchDatabase();
    drops.push(scratch.drop);
    const name = new URL(scratch.url).pathname.slice(1);
    const admin = await openPostgres(ADMIN_URL!, { max: 1 });
    await admin.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
    await admin.close();
    const db = await openPostgres(scratch.url);
    try {
      const settings = await Promise.all(Array.from({ length: 4 }, () => db.query<{ s: string }>("SELECT current_setting('synchronous_commit') AS s")));
      expect(settings.map((r) => r[0]!.s)).toEqual(['on', 'on', 'on', 'on']);
      expect(await db.transaction((tx) => tx.query<{ s: string }>("SELECT current_setting('synchronous_commit') AS s"))).toEqual([{ s: 'on' }]);
      expect(db.durability).toEqual({ durable: true, note: expect.stringContaining('synchronous_commit=on, fsync=on') });
    } finally {
      await db.close();
    }
    const unsafe = await openPostgres(scratch.url, { sync: false });
    try {
      expect((await unsafe.query<{ s: string }>("SELECT current_setting('synchronous_commit') AS s"))[0]!.s).toBe('off');
      expect(unsafe.durability).toEqual({ durable: false, note: expect.stringContaining('UNSAFE') });
    } finally {
      await unsafe.close();
    }
  });
});
