// A clean record is never called broken (issue 19): while checks keep appending rows, every verify
// (GET /v1/audit/verify, `npm run audit:verify`) says ok, because it reads
// the chain head first and checks the rows up to it (rows past it are simply newer); and a real
// truncation made during the same load is still caught. In process on PGlite (checks interleave
// with a verify's statements on the one connection), and as two API processes on one PostgreSQL.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ephemeralSigningKey, publicKeyFileOf } from '../../../src/server/audit/checkpoints';
import { verifyAuditTrail } from '../../../src/server/audit/verify';
import { createApp } from '../../../src/server/app';
import { openPglite } from '../../../src/server/db/index';
import { ROOT } from '../../../bench/server/spawn-api';
import { sleep, spawnApi } from '../../load/helpers';
import { ADMIN_URL, scratchDatabase, WORLD, writeWorldFile } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi } from '../../support/api-call';

/** `npm run audit:verify` as a process: its exit code and what it printed. */
function verifyCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/audit/verify-cli.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      out += String(d);
    });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('verify on PGlite while checks interleave with its reads', () => {
  it('every verify says ok while checks append; a truncation is caught', async () => {
    const db = await openPglite();
    const logged: string[] = [];
    const key = ephemeralSigningKey();
    const app = await createApp({ world: WORLD, db, rateLimitPerMinute: 1_000_000, log: (m) => logged.push(m), auditSigning: { key } });
    try {
      expect((await callApi(app.app, 'alice-token', ROUTES.grant, { key: 'PS-105' }, {})).status).toBe(201);
      let stop = false;
      let checks = 0;
      const statuses: number[] = [];
      const checker = async () => {
        while (!stop) {
          const c = await callApi(app.app, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-105', resource: { type: 'comment', id: `c${checks}` } });
          statuses.push(c.status);
          checks++;
        }
      };
      const checkers = Array.from({ length: 4 }, checker);
      const verdicts: unknown[] = [];
      for (let i = 0; i < 12; i++) {
        // Small batches: checks commit between the verify's reads (as on a log of many batches).
        verdicts.push(await verifyAuditTrail(db, { publicKey: key.publicKey, batchSize: 7 }));
        await sleep(5);
        verdicts.push((await callApi(app.app, 'alice-token', ROUTES.verifyAudit)).json);
      }
      stop = true;
      await Promise.all(checkers);
      expect(checks).toBeGreaterThan(0);
      expect(statuses.filter((x) => x !== 200)).toEqual([]);
      for (const v of verdicts) expect(v).toMatchObject({ ok: true });

      // A real truncation (rows removed and the head moved back) while checks still arrive.
      const [cp] = await db.query<{ seq: string | number }>('SELECT seq FROM audit_head');
      const cut = Number(cp!.seq) - 3;
      stop = false;
      const more = Array.from({ length: 2 }, checker);
      await db.transaction(async (tx) => {
        await tx.query('SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE');
        await tx.query('DELETE FROM audit_rows WHERE seq > $1', [cut]);
        await tx.query('UPDATE audit_head SET seq = $1, hash = (SELECT hash FROM audit_rows WHERE seq = $1) WHERE id = 1', [cut]);
      });
      const caught = (await callApi(app.app, 'alice-token', ROUTES.verifyAudit)).json;
      stop = true;
      await Promise.all(more);
      expect(caught.ok).toBe(false);
      expect(caught.firstBrokenRow).toBeLessThanOrEqual(cut + 1);
    } finally {
      await app.close();
      await db.close();
    }
  });

  it('a row stored past the chain head (which no append can make) is still refused', async () => {
    const db = await openPglite();
    const app = await createApp({ world: WORLD, db, rateLimitPerMinute: 1_000_000, log: () => {} });
    try {
      await callApi(app.app, 'alice-token', ROUTES.grant, { key: 'PS-105' }, {});
      await db.query(`INSERT INTO audit_rows (seq, body, hash) SELECT seq + 1, body, hash FROM audit_rows WHERE seq = (SELECT seq FROM audit_head)`);
      const [h] = await db.query<{ seq: string | number }>('SELECT seq FROM audit_head');
      expect(await verifyAuditTrail(db)).toMatchObject({ ok: false, firstBrokenRow: Number(h!.seq) + 1 });
    } finally {
      await app.close();
      await db.close();
    }
  });
});

describe('GET /v1/audit/verify requests arriving together', () => {
  it('share one walk per process, and each gets its verdict', async () => {
    const db = await openPglite();
    const app = await createApp({ world: WORLD, db, rateLimitPerMinute: 1_000_000, log: () => {} });
    // Count the walks by their first read of the head, and slow that read down so the requests
    // all reach the route while the first walk is still running.
    const query = db.query;
    let walks = 0;
    db.query = (async (sql: string, params?: unknown[]) => {
      if (sql.includes('h.signed_note AS note')) {
        walks++;
        await sleep(1000);
      }
      return query(sql, params);
    }) as typeof db.query;
    try {
      const answers = await Promise.all(Array.from({ length: 5 }, () => callApi(app.app, 'alice-token', ROUTES.verifyAudit)));
      for (const a of answers) expect(a.json).toMatchObject({ ok: true });
      expect(walks).toBe(1);
      // Once it is done, the next request walks again.
      await callApi(app.app, 'alice-token', ROUTES.verifyAudit);
      expect(walks).toBe(2);
    } finally {
      db.query = query;
      await app.close();
      await db.close();
    }
  });
});

describe.skipIf(!ADMIN_URL)('verify on two API processes sharing PostgreSQL while checks arrive', () => {
  if (!ADMIN_URL) console.log('two-replica verify test skipped because DATABASE_URL is unset');
  it('every verify through either replica and every `npm run audit:verify` says ok; a truncation during the load is caught', { timeout: 240_000 }, async () => {
    const scratch = await scratchDatabase();
    const fixture = writeWorldFile();
    const keyFile = join(mkdtempSync(join(tmpdir(), 'ac-busy-')), 'audit-key.pem');
    const args = ['--audit-key', keyFile];
    // The first creates the key; the second reads it.
    const a = await spawnApi({ fixture, args, env: { DATABASE_URL: scratch.url } });
    const b = await spawnApi({ fixture, args, env: { DATABASE_URL: scratch.url } });
    const cliEnv = { DATABASE_URL: scratch.url };
    let stop = false;
    let checks = 0;
    const statuses: number[] = [];
    const checker = async (base: string, i: number) => {
      while (!stop) {
        const c = await callApi(base, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-105', resource: { type: 'comment', id: `c${i}-${checks}` } }).catch(() => ({ status: 0 }));
        statuses.push(c.status);
        checks++;
        await sleep(20);
      }
    };
    let checkers: Promise<void>[] = [];
    try {
      expect((await callApi(a.base, 'alice-token', ROUTES.grant, { key: 'PS-105' }, {})).status).toBe(201);
      checkers = [checker(a.base, 0), checker(a.base, 1), checker(b.base, 2), checker(b.base, 3)];
      await sleep(1500);
      const verdicts: unknown[] = [];
      for (let i = 0; i < 10; i++) {
        verdicts.push((await callApi(i % 2 ? a.base : b.base, 'alice-token', ROUTES.verifyAudit)).json);
        await sleep(100);
      }
      const cli = await Promise.all([0, 1].map(() => verifyCli(['--public-key', publicKeyFileOf(keyFile)], cliEnv)));
      expect(checks).toBeGreaterThan(20);
      expect(statuses.filter((x) => x !== 200)).toEqual([]);
      for (const v of verdicts) expect(v).toMatchObject({ ok: true });
      for (const r of cli) expect(r, r.out).toMatchObject({ code: 0 });

      // A truncation: the newest rows removed and the head moved back, checks still arriving.
      const c = new pg.Client({ connectionString: scratch.url });
      await c.connect();
      const { rows } = await c.query<{ seq: string }>('SELECT seq FROM audit_head');
      const cut = Number(rows[0]!.seq) - 3;
      await c.query('BEGIN');
      await c.query('SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE');
      await c.query('DELETE FROM audit_rows WHERE seq > $1', [cut]);
      await c.query('UPDATE audit_head SET seq = $1, hash = (SELECT hash FROM audit_rows WHERE seq = $1) WHERE id = 1', [cut]);
      await c.query('COMMIT');
      await c.end();
      const caught = [(await callApi(a.base, 'alice-token', ROUTES.verifyAudit)).json, (await callApi(b.base, 'alice-token', ROUTES.verifyAudit)).json];
      const cliCaught = await verifyCli(['--public-key', publicKeyFileOf(keyFile)], cliEnv);
      for (const v of caught) expect(v).toMatchObject({ ok: false });
      expect(cliCaught.code, cliCaught.out).toBe(1);
      expect(cliCaught.out).toContain('BROKEN');
    } finally {
      stop = true;
      await Promise.allSettled(checkers);
      await Promise.all([a.stop(), b.stop()]);
      await scratch.drop();
    }
  });
});
