// Start the Access API the way a user does (src/server/main.ts with --fixture/--port), as its own
// node process, and time it until /healthz answers.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort } from '../../test/load/pg-cluster';

export const ROOT = join(dirname(new URL(import.meta.url).pathname), '..', '..');

export interface RunningApi {
  base: string;
  pid: number;
  startupMs: number;
  /** Resident set size of the API process now, in MB. */
  rssMb(): number;
  /** What the API wrote to stderr so far (last 20 KB). */
  stderr(): string;
  stop(): Promise<void>;
}

export async function spawnApi(opts: { fixture: string; entry?: string; args?: string[]; env?: Record<string, string>; timeoutMs?: number }): Promise<RunningApi> {
  const port = await freePort();
  const t0 = performance.now();
  // The rate limit is raised so load never trips it (its bookkeeping still runs).
  // `node --import tsx` keeps the API in this one process (the tsx CLI would add a parent).
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', opts.entry ?? join(ROOT, 'src/server/main.ts'), '--fixture', opts.fixture, '--port', String(port), '--rate-limit', '999999999', ...(opts.args ?? [])], {
    cwd: ROOT,
    // Each spawned API gets its own embedded database unless the caller names one: a shared
    // DATABASE_URL from the test run would leak state between files and runs.
    env: { ...process.env, DATABASE_URL: '', ...(opts.env ?? {}) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr = (stderr + String(d)).slice(-20_000); });
  let exited: number | null = null;
  child.on('exit', (c) => { exited = c ?? -1; });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    if (exited !== null) throw new Error(`API exited (${exited}) before answering /healthz: ${stderr.slice(-500)}`);
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`API did not answer /healthz in time: ${stderr.slice(-500)}`); }
    const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
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
    stop: () => new Promise((resolve) => {
      if (exited !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    }),
  };
}
