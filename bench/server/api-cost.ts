// Row 3: access checks per second and p99 at 1, 16 and 64 concurrent clients, against three peers
// on the same server in the same run, rounds interleaved: the durable floor (a bare route that
// appends one row to the same database in its own transaction: the least a check that must commit
// its audit row before answering can cost), the same floor group-committed like the check, and an
// empty route. Every access check writes an audit row: that is the real cost of enforcement.
// Durable: PGlite runs in a data folder on disk and syncs each commit (the floors too, so the
// ratios compare like with like); PostgreSQL with synchronous_commit=on. Beside each check row,
// the same check with syncing off (in-memory PGlite, as measured before durability; PostgreSQL
// with synchronous_commit=off): what the sync costs.
import { spawn } from 'node:child_process';
import pg from 'pg';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLoadgen, type LoadResult } from '../lib/loadgen';
import { apiCost, apiCostUnsynced, COST_LEVELS, costRows, notMeasuredRow, type Store } from '../lib/expected';
import { median, summarize, type Row } from '../lib/stats';
import { pickActors } from './latency';
import { ROOT } from './spawn-api';
import { postgresAvailable, startPgCluster } from '../../test/load/pg-cluster';

export async function benchApiCost(quick: boolean): Promise<Row[]> {
  if (!existsSync(join(ROOT, 'src/server/app.ts'))) throw new Error('src/server/app.ts does not exist yet');
  // Each store on its own: a PostgreSQL failure must not cost the rows PGlite already measured.
  const rows = await costOn(quick, 'PGlite').catch((e: Error) => failed('PGlite', e));
  // The same on PostgreSQL: DATABASE_URL's server (in a schema of its own, dropped after), else a
  // throwaway cluster when the binaries are there.
  const url = process.env.DATABASE_URL;
  if (url) {
    const schema = `bench_${process.pid}_${Date.now().toString(36)}`;
    try {
      return [...rows, ...(await costOn(quick, 'PostgreSQL', url, schema))];
    } catch (e) {
      return [...rows, ...failed('PostgreSQL', e as Error)];
    } finally {
      const c = new pg.Client({ connectionString: url });
      await c
        .connect()
        .then(() => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_nosync CASCADE`))
        .catch(() => {});
      await c.end().catch(() => {});
    }
  }
  if (!postgresAvailable()) return [...rows, ...costRows('PostgreSQL').map((x) => notMeasuredRow(x, 'no DATABASE_URL and no PostgreSQL binaries'))];
  let cluster: Awaited<ReturnType<typeof startPgCluster>> | undefined;
  try {
    cluster = await startPgCluster();
    return [...rows, ...(await costOn(quick, 'PostgreSQL', cluster.url))];
  } catch (e) {
    return [...rows, ...failed('PostgreSQL', e as Error, cluster ? 'run failed' : 'throwaway cluster did not start')];
  } finally {
    cluster?.destroy();
  }
}

function failed(store: Store, e: Error, what = 'run failed'): Row[] {
  const reason = `${store} ${what}: ${e.message.split('\n')[0]}`;
  process.stderr.write(`bench: api-cost: ${reason}\n`);
  return costRows(store).map((x) => notMeasuredRow(x, reason));
}

/** The durable rows of `store`, each check row followed by the same check with syncing off. */
async function costOn(quick: boolean, store: Store, databaseUrl?: string, schema?: string): Promise<Row[]> {
  const synced = await costOnce(quick, store, true, databaseUrl, schema);
  const unsynced = await costOnce(quick, store, false, databaseUrl, schema && `${schema}_nosync`);
  const out: Row[] = [];
  for (const row of synced) {
    out.push(row);
    const off = unsynced.find((u) => u.name === row.name);
    if (!off || !COST_LEVELS[store].some((c) => apiCost(store, c).check.name === row.name)) continue;
    const c = COST_LEVELS[store].find((l) => apiCost(store, l).check.name === row.name)!;
    const { target: _target, met: _met, ...measured } = off;
    out.push({
      ...measured,
      ...apiCostUnsynced(store, c),
      ratio: (row.value ?? 0) / (off.value ?? 1),
      note: `the same check with nothing synced (${store === 'PGlite' ? 'in-memory PGlite, fsync off: the figure before durability' : 'synchronous_commit=off'}); the ratio column is synced over unsynced; ${(off.note ?? '').split(';')[0]}`,
    });
  }
  return out;
}

async function costOnce(quick: boolean, store: Store, sync: boolean, databaseUrl?: string, schema?: string): Promise<Row[]> {
  const levels = COST_LEVELS[store];
  const fixture = join(ROOT, 'fixtures/demo-world.json');
  const world = JSON.parse(readFileSync(fixture, 'utf8'));
  // On the disk the repository is on, not a tmpfs: a sync there is a real one.
  const dataDir = store === 'PGlite' && sync ? join(mkdtempSync(join(tmpdir(), 'ac-bench-cost-')), 'data') : undefined;
  const storeArgs = dataDir ? ['--data', dataDir] : sync ? [] : ['--unsafe-no-sync'];
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/server/serve-bare.ts'), '--fixture', fixture, ...storeArgs], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DATABASE_URL: databaseUrl ?? '', AC_PG_SCHEMA: schema ?? '' },
  });
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
    const post = (path: string) => ({ method: 'POST' as const, url: `${base}${path}`, headers: { authorization: `Bearer ${a.engineerToken}` }, body });
    const targets = { check: post('/v1/access/check'), floor: post('/__bench/append'), floorBatched: post('/__bench/append-batched'), bare: post('/__bench/empty') };
    // Unsynced, only the check is measured: its row stands beside the synced one.
    const kinds = sync ? (Object.keys(targets) as (keyof typeof targets)[]) : (['check'] as const);
    const rounds = quick ? 1 : 3;
    const durationMs = quick ? 1_000 : 3_000;
    const results: Record<string, LoadResult[]> = {};
    for (let r = 0; r < rounds; r++) {
      for (const c of levels) {
        // The order rotates with the round and the level, so no peer always runs first or last.
        const shift = (r + c) % kinds.length;
        const order = [...kinds.slice(shift), ...kinds.slice(0, shift)];
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
      const names = apiCost(store, c);
      if (!sync) {
        rows.push({ ...names.check, value: ck.rate, median: ck.lat.median, p99: ck.lat.p99, latencyUnit: 'ms', note: `${ck.errors} non-2xx` });
        continue;
      }
      const peer = (k: 'floor' | 'floorBatched' | 'bare') => {
        const p = agg(k);
        return {
          ...names[k],
          value: p.rate,
          median: p.lat.median,
          p99: p.lat.p99,
          latencyUnit: 'ms',
          ratio: ck.rate / p.rate,
          ...(p.errors ? { note: `${p.errors} non-2xx ${JSON.stringify(p.statuses)}` } : {}),
        } satisfies Row;
      };
      const [floor, floorBatched, bare] = [peer('floor'), peer('floorBatched'), peer('bare')];
      rows.push({
        ...names.check,
        value: ck.rate,
        median: ck.lat.median,
        p99: ck.lat.p99,
        latencyUnit: 'ms',
        ratio: floor.ratio,
        met: floor.ratio >= 0.8 && ck.errors === 0,
        note: `${floor.ratio.toFixed(2)}× the durable floor, ${floorBatched.ratio.toFixed(2)}× the group-commit floor, ${bare.ratio.toFixed(2)}× the empty route; ${ck.errors} non-2xx${ck.errors ? ` ${JSON.stringify(ck.statuses)}` : ''}; each check authenticates, decides and commits its audit row, synced before the answer (${store === 'PGlite' ? 'PGlite in a data folder on disk, every commit fsynced, the floors too' : databaseUrl === process.env.DATABASE_URL ? 'PostgreSQL at DATABASE_URL, own schema, synchronous_commit=on' : 'PostgreSQL 15, throwaway cluster, fsync off: nothing reaches the disk there'}, demo world)`,
      });
      rows.push(floor, floorBatched, bare);
    }
    if (rows[0] && sync)
      rows[0].note += `; median of ${rounds} interleaved ${durationMs / 1000} s runs per cell, load generator in its own process (node:http keep-alive), 2 cores shared by server and clients; the ratio column of a peer's row is the check's rate over that peer's`;
    return rows;
  } finally {
    loadgen.close();
    child.kill();
    if (dataDir) {
      await new Promise((r) => child.once('exit', r).once('error', r));
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}
