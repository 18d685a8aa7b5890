// Row 3: access checks per second and p99 at 1, 16 and 64 concurrent clients, against three peers
// on the same server in the same run, rounds interleaved: the durable floor (a bare route that
// appends one row to the same database in its own transaction: the least a check that must commit
// its audit row before answering can cost), the same floor group-committed like the check, and an
// empty route. Every access check writes an audit row: that is the real cost of enforcement.
// Durable: PGlite runs in a data folder on disk and syncs each commit (the floors too, so the
// ratios compare like with like); PostgreSQL with synchronous_commit=on. Beside each check row,
// the same check with syncing off (in-memory PGlite, as measured before durability; PostgreSQL
// with synchronous_commit=off): what the sync costs.
import { execFileSync, spawn } from 'node:child_process';
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
  const extraDirs: string[] = [];
  // BENCH_BEFORE=<checkout of an earlier commit, with node_modules>: that commit's server runs
  // beside this one (its own database, same store, same world), and its check and durable floor
  // take turns with ours in the same rounds, so "not lower than before" is read from one run.
  const beforeRoot = sync ? process.env.BENCH_BEFORE : undefined;
  const servers = [startBare(ROOT, 'now', storeArgs, databaseUrl, schema)];
  if (beforeRoot) {
    const beforeData = dataDir && join(mkdtempSync(join(tmpdir(), 'ac-bench-cost-before-')), 'data');
    if (beforeData) extraDirs.push(beforeData);
    servers.push(startBare(beforeRoot, 'before', beforeData ? ['--data', beforeData] : storeArgs, databaseUrl, schema && `${schema}_before`));
  }
  const loadgen = startLoadgen();
  try {
    const a = pickActors(world);
    const body = JSON.stringify({ ticket: a.ticket, resource: { type: 'work_item' } });
    const [now, before] = await Promise.all(servers.map((sv) => sv.ready.then((base) => prepare(base, a, body))));
    const post = (base: string, path: string) => ({ method: 'POST' as const, url: `${base}${path}`, headers: { authorization: `Bearer ${a.engineerToken}` }, body });
    const targets = {
      check: post(now!, '/v1/access/check'),
      floor: post(now!, '/__bench/append'),
      floorBatched: post(now!, '/__bench/append-batched'),
      bare: post(now!, '/__bench/empty'),
      ...(before ? { checkBefore: post(before, '/v1/access/check'), floorBefore: post(before, '/__bench/append') } : {}),
    } as Record<string, ReturnType<typeof post>>;
    // Unsynced, only the check is measured: its row stands beside the synced one.
    const kinds = sync ? Object.keys(targets) : ['check'];
    const rounds = quick ? 1 : 3;
    const durationMs = quick ? 1_000 : 3_000;
    const results: Record<string, LoadResult[]> = {};
    for (let r = 0; r < rounds; r++) {
      for (const c of levels) {
        // The order rotates with the round and the level, so no peer always runs first or last.
        const shift = (r + c) % kinds.length;
        const order = [...kinds.slice(shift), ...kinds.slice(0, shift)];
        for (const t of order) (results[`${t}@${c}`] ??= []).push(await loadgen.run({ target: targets[t]!, concurrency: c, durationMs, warmupMs: 300 }));
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
      if (results[`checkBefore@${c}`]) {
        const [cb, fb] = [agg('checkBefore'), agg('floorBefore')];
        const was = cb.rate / fb.rate;
        rows.push({
          ...names.check,
          name: `${names.check.name}, before (${beforeLabel(beforeRoot!)})`,
          target: `now's ratio (${floor.ratio.toFixed(2)}×) ≥ this`,
          met: floor.ratio >= was,
          value: cb.rate,
          median: cb.lat.median,
          p99: cb.lat.p99,
          latencyUnit: 'ms',
          ratio: was,
          note: `the same check on the earlier commit's server, its own database beside ours, in the same interleaved rounds: ${was.toFixed(2)}× its own durable floor (${fb.rate.toFixed(0)} req/s) against ${floor.ratio.toFixed(2)}× now; ${cb.errors} non-2xx`,
        });
      }
    }
    if (rows[0] && sync)
      rows[0].note += `; median of ${rounds} interleaved ${durationMs / 1000} s runs per cell, load generator in its own process (node:http keep-alive), 2 cores shared by server and clients; the ratio column of a peer's row is the check's rate over that peer's`;
    return rows;
  } finally {
    loadgen.close();
    await Promise.all(servers.map((sv) => sv.stop()));
    for (const d of [dataDir, ...extraDirs]) if (d) rmSync(d, { recursive: true, force: true });
  }
}

/** `serve-bare.ts` of the checkout at `root` (ours, or BENCH_BEFORE's), on a port it prints once listening. */
function startBare(root: string, label: string, storeArgs: string[], databaseUrl?: string, schema?: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/server/serve-bare.ts'), '--fixture', join(root, 'fixtures/demo-world.json'), ...storeArgs], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DATABASE_URL: databaseUrl ?? '', AC_PG_SCHEMA: schema ?? '' },
  });
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d) => resolve(`http://127.0.0.1:${Number(String(d).trim())}`));
    child.once('exit', (c) => reject(new Error(`bench server (${label}, ${root}) exited (${c})`)));
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r).once('error', r));
    child.kill();
    await gone;
  };
  return { ready, stop };
}

/** A grant for the check mix, then one check that must be allowed: the load measures allowed checks. */
async function prepare(base: string, a: ReturnType<typeof pickActors>, body: string): Promise<string> {
  const g = await fetch(`${base}/v1/tickets/${a.ticket}/grants`, { method: 'POST', headers: { authorization: `Bearer ${a.adminToken}`, 'content-type': 'application/json' }, body: '{}' });
  if (g.status !== 201) throw new Error(`grant for the check mix refused at ${base}: ${g.status} ${await g.text()}`);
  const probe = await (await fetch(`${base}/v1/access/check`, { method: 'POST', headers: { authorization: `Bearer ${a.engineerToken}`, 'content-type': 'application/json' }, body })).json();
  if (probe.allowed !== true) throw new Error(`access check does not allow after grant at ${base}: ${JSON.stringify(probe)}`);
  return base;
}

/** The earlier commit's short id (its checkout's HEAD), else the folder's name. */
function beforeLabel(root: string): string {
  try {
    return execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return root;
  }
}
