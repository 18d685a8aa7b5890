// Row 3: access checks per second and p99 at 1, 16 and 64 concurrent clients, against an empty
// Hono route on the same server in the same run, rounds interleaved. Every access check writes an
// audit row: that is the real cost of enforcement and it is measured, not skipped.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLoadgen, type LoadResult } from '../lib/loadgen';
import { apiCost, COST_LEVELS, costRows, notMeasuredRow, type Store } from '../lib/expected';
import { median, summarize, type Row } from '../lib/stats';
import { pickActors } from './latency';
import { ROOT } from './spawn-api';
import { postgresAvailable, startPgCluster } from '../../test/load/pg-cluster';

export async function benchApiCost(quick: boolean): Promise<Row[]> {
  if (!existsSync(join(ROOT, 'src/server/app.ts'))) throw new Error('src/server/app.ts does not exist yet');
  // Each store on its own: a PostgreSQL failure must not cost the rows PGlite already measured.
  const rows = await costOn(quick, 'PGlite').catch((e: Error) => failed('PGlite', e));
  // The same on PostgreSQL (a throwaway cluster): several connections instead of one embedded engine.
  if (!postgresAvailable()) return [...rows, ...costRows('PostgreSQL').map((x) => notMeasuredRow(x, 'no PostgreSQL binaries'))];
  let pg: Awaited<ReturnType<typeof startPgCluster>> | undefined;
  try {
    pg = await startPgCluster();
    return [...rows, ...(await costOn(quick, 'PostgreSQL', pg.url))];
  } catch (e) {
    return [...rows, ...failed('PostgreSQL', e as Error, pg ? 'run failed' : 'throwaway cluster did not start')];
  } finally {
    pg?.destroy();
  }
}

function failed(store: Store, e: Error, what = 'run failed'): Row[] {
  const reason = `${store} ${what}: ${e.message.split('\n')[0]}`;
  process.stderr.write(`bench: api-cost: ${reason}\n`);
  return costRows(store).map((x) => notMeasuredRow(x, reason));
}

async function costOn(quick: boolean, store: Store, databaseUrl?: string): Promise<Row[]> {
  const levels = COST_LEVELS[store];
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
    const rounds = quick ? 1 : 5;
    const durationMs = quick ? 1_000 : 5_000;
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
      const names = apiCost(store, c);
      rows.push({
        ...names.check, value: ck.rate, median: ck.lat.median, p99: ck.lat.p99, latencyUnit: 'ms',
        ratio, met: ratio >= 0.8 && ck.errors === 0,
        note: `${ck.errors} non-2xx${ck.errors ? ` ${JSON.stringify(ck.statuses)}` : ''}; each check authenticates, decides and appends an audit row (${store === 'PGlite' ? 'in-memory PGlite' : 'PostgreSQL 15, throwaway cluster, fsync off'}, demo world)`,
      });
      rows.push({ ...names.bare, value: bare.rate, median: bare.lat.median, p99: bare.lat.p99, latencyUnit: 'ms' });
    }
    rows[0]!.note += `; median of ${rounds} interleaved ${durationMs / 1000} s runs per cell, load generator in its own process (node:http keep-alive), 2 cores shared by server and clients`;
    return rows;
  } finally {
    loadgen.close();
    child.kill();
  }
}
