// Row 3: access checks per second and p99 at 1, 16 and 64 concurrent clients, against an empty
// Hono route on the same server in the same run, rounds interleaved. Every access check writes an
// audit row: that is the real cost of enforcement and it is measured, not skipped.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLoadgen, type LoadResult } from '../lib/loadgen';
import { median, notMeasured, summarize, type Row } from '../lib/stats';
import { pickActors } from './latency';
import { ROOT } from './spawn-api';
import { postgresAvailable, startPgCluster } from '../../test/load/pg-cluster';

export async function benchApiCost(quick: boolean): Promise<Row[]> {
  if (!existsSync(join(ROOT, 'src/server/app.ts'))) return [notMeasured('API cost: access checks vs bare route', 'checks/s', 'src/server/app.ts does not exist yet', '≥ 80% of bare')];
  const rows = await costOn(quick, 'PGlite', [1, 16, 64]);
  // The same on PostgreSQL (a throwaway cluster): several connections instead of one embedded engine.
  if (!postgresAvailable()) return [...rows, notMeasured('API cost (PostgreSQL)', 'checks/s', 'no PostgreSQL binaries')];
  const pg = await startPgCluster();
  try {
    return [...rows, ...(await costOn(quick, 'PostgreSQL', [16], pg.url))];
  } finally {
    pg.destroy();
  }
}

async function costOn(quick: boolean, store: string, levels: number[], databaseUrl?: string): Promise<Row[]> {
  const fixture = join(ROOT, 'fixtures/demo-world.json');
  const world = JSON.parse(readFileSync(fixture, 'utf8'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/server/serve-bare.ts'), '--fixture', fixture], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, DATABASE_URL: databaseUrl ?? '' } });
  const loadgen = startLoadgen();
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout!.once('data', (d) => resolve(Number(String(d).trim())));
      child.once('exit', (c) => reject(new Error(`bench server exited (${c})`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const a = pickActors(world);
    const g = await fetch(`${base}/v1/tickets/${a.ticket}/grants`, { method: 'POST', headers: { authorization: `Bearer ${a.adminToken}`, 'content-type': 'application/json' }, body: '{}' });
    if (g.status !== 201) throw new Error(`grant for the check mix refused: ${g.status} ${await g.text()}`);
    const body = JSON.stringify({ ticket: a.ticket, resource: { type: 'work_item' } });
    const probe = await (await fetch(`${base}/v1/access/check`, { method: 'POST', headers: { authorization: `Bearer ${a.engineerToken}`, 'content-type': 'application/json' }, body })).json();
    if (probe.allowed !== true) throw new Error(`access check does not allow after grant: ${JSON.stringify(probe)}`);
    const targets = {
      check: { method: 'POST' as const, url: `${base}/v1/access/check`, headers: { authorization: `Bearer ${a.engineerToken}` }, body },
      bare: { method: 'POST' as const, url: `${base}/__bench/empty`, headers: { authorization: `Bearer ${a.engineerToken}` }, body },
    };
    const rounds = quick ? 2 : 5;
    const durationMs = quick ? 1_500 : 5_000;
    const results: Record<string, LoadResult[]> = {};
    for (let r = 0; r < rounds; r++) {
      for (const c of levels) {
        const order = (r + c) % 2 === 0 ? (['bare', 'check'] as const) : (['check', 'bare'] as const);
        for (const t of order) (results[`${t}@${c}`] ??= []).push(await loadgen.run({ target: targets[t], concurrency: c, durationMs, warmupMs: 300 }));
      }
    }
    const rows: Row[] = [];
    for (const c of levels) {
      const agg = (k: string) => {
        const rs = results[`${k}@${c}`]!;
        return { rate: median(rs.map((x) => x.rate)), lat: summarize(rs.flatMap((x) => x.latencies)), errors: rs.reduce((s, x) => s + x.errors, 0), statuses: rs.map((x) => x.statuses) };
      };
      const ck = agg('check');
      const bare = agg('bare');
      const ratio = ck.rate / bare.rate;
      rows.push({
        name: `API cost${store === 'PGlite' ? '' : ` (${store})`}: access check, ${c} client${c > 1 ? 's' : ''}`, value: ck.rate, unit: 'checks/s', median: ck.lat.median, p99: ck.lat.p99, latencyUnit: 'ms',
        ratio, target: '≥ 0.80× bare', met: ratio >= 0.8 && ck.errors === 0,
        note: `${ck.errors} non-2xx${ck.errors ? ` ${JSON.stringify(ck.statuses)}` : ''}; each check authenticates, decides and appends an audit row (${store === 'PGlite' ? 'in-memory PGlite' : 'PostgreSQL 15, throwaway cluster, fsync off'}, demo world)`,
      });
      rows.push({ name: `API cost${store === 'PGlite' ? '' : ` (${store})`}: bare Hono route, ${c} client${c > 1 ? 's' : ''}`, value: bare.rate, unit: 'req/s', median: bare.lat.median, p99: bare.lat.p99, latencyUnit: 'ms' });
    }
    rows[0]!.note += `; median of ${rounds} interleaved ${durationMs / 1000} s runs per cell, load generator in its own process (node:http keep-alive), 2 cores shared by server and clients`;
    return rows;
  } finally {
    loadgen.close();
    child.kill();
  }
}
