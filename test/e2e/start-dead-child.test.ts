// `npm start` (scripts/start.ts) must not go on serving demo pages against an Access API that died
// (issue 23): killed, the API child is reported by name, pid and signal, and start exits non-zero.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ROOT } from './harness';

/** A port nobody holds now (the OS picks it). */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** The pid of the Access API process started with `--port <port>`, from /proc (Linux). */
function apiProcess(port: number): number | undefined {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const at = args.indexOf('--port');
      if (at > 0 && args[at + 1] === String(port) && args.some((a) => a.endsWith('main.js'))) return Number(pid);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

const data = mkdtempSync(join(tmpdir(), 'access-companion-start-'));
let startPid: number | undefined;

afterAll(() => {
  if (startPid) {
    try {
      process.kill(-startPid, 'SIGKILL'); // its own process group: start and anything it left behind
    } catch {
      // already gone
    }
  }
  rmSync(data, { recursive: true, force: true });
});

describe('npm start', () => {
  test('reports a dead Access API child (name, pid, signal) and exits non-zero', async () => {
    const [api, support, admin, product] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/start.ts'], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DISPLAY: '',
        API_PORT: String(api),
        SUPPORT_PORT: String(support),
        ADMIN_PORT: String(admin),
        PRODUCT_PORT: String(product),
        START_DATA_DIR: data,
        // CI's shell points DATABASE_URL at a PostgreSQL server whose default database other runs
        // wrote to; the demo must stay on its embedded database whatever the shell says.
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/not-the-demo',
        AC_PG_SCHEMA: 'not_the_demo',
        // A developer's shell that skips fsync for its own test runs must not make the demo lose acknowledged writes.
        AC_UNSAFE_NO_SYNC: '1',
      },
    });
    startPid = child.pid;
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

    // Building the demo extension and the API (with its PGlite template) takes a minute or more
    // while the other test projects load both cores; a start that ended early fails at once, with
    // what it said.
    let ended: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    void exited.then((e) => (ended = e));
    await expect.poll(() => (ended ? `start ended early (${ended.code ?? ended.signal}): ${err}` : out), { timeout: 280_000, interval: 250 }).toMatch(/Access Companion is running\./);
    // The API child is the process serving our port (found in /proc, not taken from what start says).
    const apiPid = apiProcess(api) ?? 0;
    expect(apiPid).toBeGreaterThan(0);
    expect(out).toContain(`(pid ${apiPid})`);
    const health = (await (await fetch(`http://127.0.0.1:${api}/healthz`)).json()) as { db?: string; durable?: boolean };
    expect(health).toMatchObject({ db: 'pglite', durable: true });
    // It prints a scim key and the one-line curl that adds Frank to a group (issue 21; that the
    // curl works as printed is test/server/directory/scim/demo-start.test.ts), not a sentence that
    // the SCIM set-up failed.
    const key = /^ {2}key (acak_[A-Za-z0-9_-]{43})$/m.exec(out)?.[1];
    expect(key, out).toBeDefined();
    const add = out.split('\n').find((line) => line.trim().startsWith('curl ') && line.includes('"op":"add"'));
    expect(add?.trim()).toMatch(new RegExp(`^curl -X PATCH http://localhost:${api}/scim/v2/Groups/\\S+ -H 'Authorization: Bearer ${key}' .*"value":"frank"`));
    process.kill(apiPid, 'SIGKILL');

    const end = await exited;
    expect(end.code).not.toBe(0);
    expect(end.code ?? end.signal).not.toBeNull();
    expect(err).toContain(`The Access API (pid ${apiPid}) stopped on signal SIGKILL; stopping the demo.`);
  }, 330_000);
});
