// A loopback HTTP load generator in its own process (forked by `startLoadgen`), so the server
// under test and the clients never share an event loop. N clients, each one request at a time on
// a keep-alive socket, for a fixed duration; reports throughput and per-request latency.
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

export interface LoadTarget {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadRun {
  target: LoadTarget;
  concurrency: number;
  durationMs: number;
  warmupMs?: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** Non-2xx answers by status. */
  statuses: Record<string, number>;
  seconds: number;
  rate: number;
  /** Latency samples in ms (all of them, up to 200,000). */
  latencies: number[];
}

async function runLoad(run: LoadRun): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: run.concurrency });
  const u = new URL(run.target.url);
  const body = run.target.body ? Buffer.from(run.target.body) : undefined;
  const headers = { ...(run.target.headers ?? {}), ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}) };
  const once = () =>
    new Promise<number>((resolve) => {
      const req = http.request({ agent, host: u.hostname, port: u.port, path: u.pathname + u.search, method: run.target.method, headers }, (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      });
      req.on('error', () => resolve(0));
      req.end(body);
    });
  let recording = false;
  let stop = false;
  let requests = 0;
  let errors = 0;
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const client = async () => {
    while (!stop) {
      const t0 = performance.now();
      const status = await once();
      const ms = performance.now() - t0;
      if (!recording) continue;
      requests++;
      if (status < 200 || status >= 300) {
        errors++;
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
      if (latencies.length < 200_000) latencies.push(ms);
    }
  };
  const clients = Array.from({ length: run.concurrency }, client);
  await new Promise((r) => setTimeout(r, run.warmupMs ?? 300));
  recording = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, run.durationMs));
  recording = false;
  const seconds = (performance.now() - t0) / 1000;
  stop = true;
  await Promise.all(clients);
  agent.destroy();
  return { requests, errors, statuses, seconds, rate: requests / seconds, latencies };
}

export interface Loadgen {
  run(r: LoadRun): Promise<LoadResult>;
  close(): void;
}

export function startLoadgen(): Loadgen {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let pending: ((r: LoadResult) => void) | undefined;
  child.on('message', (m) => pending?.(m as LoadResult));
  return {
    run: (r) =>
      new Promise((resolve, reject) => {
        const died = (code: number | null) => reject(new Error(`load generator exited (${code})`));
        child.once('exit', died);
        pending = (result) => {
          child.off('exit', died);
          resolve(result);
        };
        child.send(r);
      }),
    close: () => {
      child.kill();
    },
  };
}

if (process.argv.includes('--child')) {
  process.on('message', async (m) => {
    process.send!(await runLoad(m as LoadRun));
  });
}
