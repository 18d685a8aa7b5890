// The API and `npm run audit:verify` as real processes: one process per embedded data folder (a
// second is refused, a SIGKILLed holder's lock is taken over), the folder and key created private,
// and the verifier checking a real API's folder against its signed checkpoints.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sleep, spawnApi } from '../../load/helpers';
import { publicKeyFileOf } from '../../../src/server/audit/checkpoints';
import { LOCK_FILE } from '../../../src/server/db/data-lock';
import { openPglite } from '../../../src/server/db/index';
import { ADMIN_URL, scratchDatabase, writeWorldFile } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi } from '../../support/api-call';

const ROOT = join(__dirname, '../../..');
const verifyCli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/server/audit/verify-cli.ts', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DATABASE_URL: '', ...env } });

/** Cut the log back to `keep` rows and point audit_head at the new end, as a database writer could (its signed head cannot be forged, so it stays). */
async function truncateTail(q: { query<T>(sql: string, p?: unknown[]): Promise<T[]> }, keep: number): Promise<void> {
  const [row] = await q.query<{ hash: string }>('SELECT hash FROM audit_rows WHERE seq = $1', [keep]);
  await q.query('DELETE FROM audit_rows WHERE seq > $1', [keep]);
  await q.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [keep, row!.hash]);
}

describe('two processes, one embedded data folder', () => {
  it('the second is refused while the first lives; after SIGKILL the lock is taken over and nothing acknowledged is lost', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ac-lock-')), 'data');
    const fixture = writeWorldFile();
    const first = await spawnApi({ fixture, args: ['--data', dir] });
    let third: Awaited<ReturnType<typeof spawnApi>> | undefined;
    try {
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      const g = await callApi(first.base, 'alice-token', ROUTES.grant, { key: 'PS-100' }, {});
      expect(g.status).toBe(201);
      const second = await spawnApi({ fixture, args: ['--data', dir] }).then(
        async (s) => {
          await s.stop();
          return 'started';
        },
        (e: Error) => e.message,
      );
      expect(second).toContain(`is in use by an Access API (pid ${first.pid}`);
      expect(second).not.toMatch(/\bat .*\.ts:\d+/);
      // The verifier must not open PGlite under a running API either.
      const v = verifyCli(['--data', dir]);
      expect(v.status).toBe(2);
      expect(v.stderr).toContain('is in use by an Access API');
      // The refused process did not disturb the first.
      expect((await callApi(first.base, 'alice-token', ROUTES.getGrant, { id: g.json.id })).status).toBe(200);

      process.kill(first.pid, 'SIGKILL');
      while (existsSync(`/proc/${first.pid}`) && !/State:\s+Z/.test(readFileSync(`/proc/${first.pid}/status`, 'utf8'))) await sleep(20);
      expect(existsSync(join(dir, LOCK_FILE))).toBe(true); // left behind by the killed holder
      third = await spawnApi({ fixture, args: ['--data', dir] });
      expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(third.pid);
      expect((await callApi(third.base, 'alice-token', ROUTES.getGrant, { id: g.json.id })).json.state).toBe('active');
      await third.stop();
      expect(existsSync(join(dir, LOCK_FILE))).toBe(false); // a clean stop releases it
    } finally {
      await first.stop();
      await third?.stop();
    }
  }, 180_000);
});

describe('npm run audit:verify against signed checkpoints', () => {
  it('a real API folder verifies with its public key; a truncated tail passes the chain check and fails the signed one', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ac-verify-'));
    const dir = join(root, 'api');
    const keyFile = join(root, 'audit-signing-key.pem');
    const server = await spawnApi({ fixture: writeWorldFile(), args: ['--data', dir, '--audit-key', keyFile] });
    try {
      expect(server.stderr()).toContain(`Created the audit signing key ${keyFile}`);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const pem = (await callApi(server.base, 'alice-token', ROUTES.auditPublicKey)).text;
      expect(pem).toBe(readFileSync(publicKeyFileOf(keyFile), 'utf8'));
      for (const t of ['PS-100', 'PS-101', 'PS-102', 'PS-103']) expect((await callApi(server.base, 'alice-token', ROUTES.grant, { key: t }, {})).status).toBe(201);
    } finally {
      await server.stop(); // every append signed its head as it committed
    }
    const pub = publicKeyFileOf(keyFile);
    const good = verifyCli(['--data', dir, '--public-key', pub]);
    expect(good.status, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toContain('verifies against 4 signed heads (stored in the database): 4 rows');

    const db = await openPglite(dir);
    await truncateTail(db, 2);
    await db.close();
    const chainOnly = verifyCli(['--data', dir]);
    expect(chainOnly.status).toBe(0);
    expect(chainOnly.stdout).toContain('warning: no public key given: the chain alone cannot detect a truncated tail');
    const bad = verifyCli(['--data', dir, '--public-key', pub]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('BROKEN at row 3: the log ends at row 2 but row 4 was signed');
    const from = verifyCli(['--data', dir, '--public-key', pub, '--from', '2']);
    expect(from.status).toBe(1);
    expect(from.stdout).toContain('BROKEN at row 3');

    // Bad input is a readable message and exit 2, never a stack trace.
    writeFileSync(join(root, 'junk.pem'), 'junk');
    for (const args of [
      ['--data', dir, '--public-key', join(root, 'junk.pem')],
      ['--data', dir, '--public-key', join(root, 'missing.pem')],
      ['--data', dir, '--checkpoints', join(root, 'junk.pem'), '--public-key', pub],
      ['--bogus'],
    ]) {
      const r = verifyCli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().length).toBeGreaterThan(0);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  }, 240_000);

  it.skipIf(!ADMIN_URL)(
    'on PostgreSQL, checks against a copy of the checkpoints a running API published and names a truncated tail',
    async () => {
      const scratch = await scratchDatabase();
      const root = mkdtempSync(join(tmpdir(), 'ac-verify-pg-'));
      const keyFile = join(root, 'audit-signing-key.pem');
      const saved = join(root, 'checkpoints.json');
      const server = await spawnApi({ fixture: writeWorldFile(), args: ['--audit-key', keyFile], env: { DATABASE_URL: scratch.url } });
      try {
        for (const t of ['PS-100', 'PS-101', 'PS-102']) await callApi(server.base, 'alice-token', ROUTES.grant, { key: t }, {});
        // Every append signed its head: row 3's is published at once, and kept outside the database.
        for (;;) {
          const page = await callApi(server.base, 'alice-token', ROUTES.auditCheckpoints);
          writeFileSync(saved, JSON.stringify(page.json));
          if (page.json.checkpoints.some((c: { seq: number }) => c.seq === 3)) break;
          await sleep(100);
        }
        const args = ['--checkpoints', saved, '--public-key', publicKeyFileOf(keyFile)];
        const good = verifyCli(args, { DATABASE_URL: scratch.url });
        expect(good.status, good.stdout + good.stderr).toBe(0);
        expect(good.stdout).toContain(`checkpoints.json): 3 rows`);
        const pg = (await import('pg')).default;
        const c = new pg.Client({ connectionString: scratch.url });
        await c.connect();
        await truncateTail({ query: async (sql, p) => (await c.query(sql, p as unknown[])).rows }, 1);
        await c.end();
        const bad = verifyCli(args, { DATABASE_URL: scratch.url });
        expect(bad.status).toBe(1);
        expect(bad.stdout).toContain('BROKEN at row 2');
      } finally {
        await server.stop();
        await scratch.drop();
      }
    },
    120_000,
  );
});
