// Start the Access API the way a user does (`npm run api`: the built dist-api/main.js with
// --fixture/--port, and the node options and environment of scripts/api-runtime.ts), as its own node process, and time it until /healthz answers.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { API_ENV, API_NODE_ARGS } from '../../scripts/api-runtime';
import { freePort } from '../../test/load/pg-cluster';

export const ROOT = join(dirname(new URL(import.meta.url).pathname), '..', '..');

export interface RunningApi {
  base: string;
  pid: number;
  startupMs: number;
  /** Resident set size of the API process now, in MB. */
  rssMb(): number;
  /** The API's own account of its memory (SIGUSR2), in MB. */
  memory(): Promise<{ rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number }>;
  /** What the API wrote to stderr so far (last 20 KB). */
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * `launcher`: a command the API is run through, which must exec it (same pid), e.g.
 * ['sh', '-c', 'ulimit -n 1024 && exec "$0" "$@"'] to start it with fewer open files.
 */
export async function spawnApi(opts: { fixture: string; entry?: string; args?: string[]; env?: Record<string, string>; timeoutMs?: number; launcher?: string[] }): Promise<RunningApi> {
  const port = await freePort();
  const t0 = performance.now();
  // The rate limit is raised so load never trips it (its bookkeeping still runs).
  // `node --import tsx` keeps a TypeScript entry in this one process (the tsx CLI would add a parent).
  const entry = opts.entry ?? builtApi();
  const argv = [...API_NODE_ARGS, ...(entry.endsWith('.ts') ? ['--import', 'tsx'] : []), entry, '--fixture', opts.fixture, '--port', String(port), '--rate-limit', '999999999', ...(opts.args ?? [])];
  const [command, ...prefix] = opts.launcher ?? [];
  const child: ChildProcess = spawn(command ?? process.execPath, command ? [...prefix, process.execPath, ...argv] : argv, {
    cwd: ROOT,
    // Each spawned API gets its own embedded database unless the caller names one: a shared
    // DATABASE_URL from the test run would leak state between files and runs.
    // The process settings `npm run api` uses (scripts/api-runtime.ts).
    env: { ...process.env, ...API_ENV, DATABASE_URL: '', ...(opts.env ?? {}) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr = (stderr + String(d)).slice(-20_000);
  });
  let exited: number | null = null;
  child.on('exit', (c) => {
    exited = c ?? -1;
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    if (exited !== null) throw new Error(`API exited (${exited}) before answering /healthz: ${stderr.slice(-500)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`API did not answer /healthz in time: ${stderr.slice(-500)}`);
    }
    const ok = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const startupMs = performance.now() - t0;
  return {
    base,
    pid: child.pid!,
    startupMs,
    stderr: () => stderr,
    rssMb: () => {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : NaN;
    },
    memory: async () => {
      const seen = stderr.length;
      child.kill('SIGUSR2');
      for (let i = 0; i < 200; i++) {
        const m = /memory (\{.*\})/.exec(stderr.slice(Math.max(0, seen - 10)));
        if (m) {
          const b = JSON.parse(m[1]!) as Record<string, number>;
          return Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v / 1048576])) as never;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error('the API did not report its memory on SIGUSR2');
    },
    stop: () =>
      new Promise((resolve) => {
        if (exited !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}

let built = false;
/** dist-api/main.js, built once per bench run (`npm run build:api`), as `npm run api` runs it. */
export function builtApi(): string {
  if (!built) {
    const r = spawnSync('npm', ['run', '--silent', 'build:api'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`npm run build:api failed (${r.status})`);
    built = true;
  }
  return join(ROOT, 'dist-api/main.js');
}
