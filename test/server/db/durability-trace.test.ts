// Nothing acknowledged is lost: the real API (a process, PGlite in a --data folder) is run under
// strace, and the trace must show, for each acknowledged write (a grant, a revoke, an audited
// access check), an fsync of a WAL segment after the request was read and before the answer was
// written to its socket. The same trace with --unsafe-no-sync shows the answers leaving unsynced,
// which is what the API did before (fsync off, and Emscripten's file layer syncing nothing).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../../src/server/db/data-lock';
import { freePort } from '../../load/pg-cluster';
import { sleep } from '../../load/helpers';
import { writeWorldFile } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi, describeCall } from '../../support/api-call';

const ROOT = join(__dirname, '../../..');
const STRACE = process.env.STRACE_PATH || '/usr/bin/strace';

interface TracedApi {
  base: string;
  /** Stops the API (SIGTERM) and returns its trace, unfinished/resumed pairs joined. */
  stop(): Promise<string[]>;
}

/** The API under `strace -f -yy` (file descriptors shown with their paths and socket endpoints). */
async function tracedApi(args: string[]): Promise<TracedApi> {
  if (!existsSync(STRACE)) throw new Error(`strace is missing at ${STRACE}: install it (apt-get install -y strace; .ci/run does) or set STRACE_PATH`);
  const dir = mkdtempSync(join(tmpdir(), 'ac-trace-'));
  const data = join(dir, 'data');
  const traceFile = join(dir, 'trace');
  const port = await freePort();
  const child = spawn(
    STRACE,
    [
      '-f',
      '-yy',
      '-s',
      '120',
      '-o',
      traceFile,
      '-e',
      'trace=read,write,writev,pwrite64,fsync,fdatasync',
      process.execPath,
      '--import',
      'tsx',
      'src/server/main.ts',
      '--fixture',
      writeWorldFile(),
      '--port',
      String(port),
      '--data',
      data,
      '--rate-limit',
      '999999',
      ...args,
    ],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: '' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the traced API exited: ${stderr.slice(-500)}`);
    if (i > 1200) throw new Error(`the traced API did not answer /healthz: ${stderr.slice(-500)}`);
    if (
      await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await sleep(100);
  }
  const pid = JSON.parse(readFileSync(join(data, LOCK_FILE), 'utf8')).pid as number;
  return {
    base,
    stop: async () => {
      process.kill(pid, 'SIGTERM');
      await exited;
      return joinResumed(readFileSync(traceFile, 'utf8').split('\n'));
    },
  };
}

/** strace -f splits a call interrupted by another thread's into `<unfinished ...>` and `<... resumed>`: one line each, at the resumed place. */
function joinResumed(lines: string[]): string[] {
  const open = new Map<string, string>();
  const out: string[] = [];
  for (const line of lines) {
    const pid = line.split(' ', 1)[0]!;
    if (line.endsWith('<unfinished ...>')) open.set(pid, line.slice(0, -'<unfinished ...>'.length));
    else if (/<\.\.\. \w+ resumed>/.test(line) && open.has(pid)) {
      out.push(open.get(pid)! + line.replace(/^\d+\s+<\.\.\. \w+ resumed>/, ''));
      open.delete(pid);
    } else out.push(line);
  }
  return out;
}

const WAL_SYNC = /^\d+\s+f(data)?sync\(\d+<[^>]*\/pg_wal\/[0-9A-F]{24}>\) = 0/;

/**
 * For the request whose first line matches `requestLine`: the lines of the trace from reading it to
 * writing its answer, and whether a WAL segment was synced in between.
 */
function between(trace: string[], requestLine: string): { answer: string; walSyncs: number } {
  const readAt = trace.findIndex((l) => /^\d+\s+read\(\d+<TCP:/.test(l) && l.includes(`"${requestLine} HTTP/1.1`));
  if (readAt < 0) throw new Error(`the trace has no read of "${requestLine}"`);
  const socket = /read\((\d+<TCP:[^>]*>)/.exec(trace[readAt]!)![1]!;
  const answerAt = trace.findIndex((l, i) => i > readAt && /^\d+\s+writev?\(/.test(l) && l.includes(`(${socket}`) && l.includes('HTTP/1.1 '));
  if (answerAt < 0) throw new Error(`the trace has no answer to "${requestLine}"`);
  return { answer: /HTTP\/1\.1 \d+/.exec(trace[answerAt]!)![0], walSyncs: trace.slice(readAt, answerAt).filter((l) => WAL_SYNC.test(l)).length };
}

/**
 * The checkpoint PostgreSQL writes when the API stops (SIGTERM) after the revoke's answer: how many
 * data files (base/…) it synced before it synced pg_control, the file that says the WAL before
 * the checkpoint is no longer needed.
 */
function checkpointAfter(trace: string[], requestLine: string): { dataFileSyncs: number; controlSynced: boolean } {
  const readAt = trace.findIndex((l) => /^\d+\s+read\(\d+<TCP:/.test(l) && l.includes(`"${requestLine} HTTP/1.1`));
  const rest = trace.slice(readAt);
  const control = rest.findLastIndex((l) => /^\d+\s+fsync\(\d+<[^>]*\/global\/pg_control>\) = 0/.test(l));
  const dataFileSyncs = rest.slice(0, Math.max(control, 0)).filter((l) => /^\d+\s+fsync\(\d+<[^>]*\/base\/\d+\/\d+>\) = 0/.test(l)).length;
  return { dataFileSyncs, controlSynced: control >= 0 };
}

/** A grant, a revoke and an access check (audited), then the API's trace around each. */
async function traceWrites(args: string[]): Promise<{
  health: unknown;
  grant: ReturnType<typeof between>;
  revoke: ReturnType<typeof between>;
  check: ReturnType<typeof between>;
  checkpoint: ReturnType<typeof checkpointAfter>;
}> {
  const server = await tracedApi(args);
  let trace: string[] | undefined;
  let health: unknown;
  try {
    health = (await callApi(server.base, null, ROUTES.health)).json;
    const g = await callApi(server.base, 'alice-token', ROUTES.grant, { key: 'PS-100' }, {});
    expect(g.status).toBe(201);
    const c = await callApi(server.base, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-100', resource: { type: 'work_item', id: 'PS-100' } });
    expect(c.json.allowed).toBe(true);
    const r = await callApi(server.base, 'alice-token', ROUTES.revoke, { id: g.json.id }, {});
    expect(r.status).toBe(200);
  } finally {
    trace = await server.stop();
  }
  return {
    health,
    grant: between(trace, describeCall(ROUTES.grant, { key: 'PS-100' }, {})),
    check: between(trace, describeCall(ROUTES.checkAccess, {})),
    revoke: between(trace, describeCall(ROUTES.revoke, { id: 'sr_PS-100' }, {})),
    checkpoint: checkpointAfter(trace, describeCall(ROUTES.revoke, { id: 'sr_PS-100' }, {})),
  };
}

describe('an acknowledged write reaches the disk before its answer (strace, PGlite with --data)', () => {
  it('a grant, an audited access check and a revoke each fsync a WAL segment between reading the request and writing the answer', async () => {
    const t = await traceWrites([]);
    expect(t.health).toEqual({ ok: true, db: 'pglite', durable: true });
    expect(t.grant).toMatchObject({ answer: 'HTTP/1.1 201' });
    expect(t.check).toMatchObject({ answer: 'HTTP/1.1 200' });
    expect(t.revoke).toMatchObject({ answer: 'HTTP/1.1 200' });
    expect(t.grant.walSyncs).toBeGreaterThan(0);
    expect(t.check.walSyncs).toBeGreaterThan(0);
    expect(t.revoke.walSyncs).toBeGreaterThan(0);
    // And at the checkpoint on the way out, the data files are synced before pg_control moves on.
    expect(t.checkpoint.controlSynced).toBe(true);
    expect(t.checkpoint.dataFileSyncs).toBeGreaterThan(0);
  }, 180_000);

  it('the trace tells the difference: with --unsafe-no-sync the same answers leave with no sync at all, and /healthz says so', async () => {
    const t = await traceWrites(['--unsafe-no-sync']);
    expect(t.health).toEqual({ ok: true, db: 'pglite', durable: false });
    expect([t.grant.walSyncs, t.check.walSyncs, t.revoke.walSyncs]).toEqual([0, 0, 0]);
    expect(t.checkpoint).toEqual({ dataFileSyncs: 0, controlSynced: false });
  }, 180_000);
});
