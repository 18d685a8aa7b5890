// Rows that run against the Access API as a separate process: startup and memory with the
// 100,000-user world (and with the small demo world, to show what is fixed cost), eligibility
// over HTTP on that world, grant/revoke latency. Each part fails on its own: a failed part's rows
// say why, and the rows already measured stay.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexWorld, qualifiedAdmins, type World } from '../../src/core/index';
import { scaleWorld } from '../lib/eligibility-at-scale';
import { API, notMeasuredRow, type Expected } from '../lib/expected';
import { summarize, type Row } from '../lib/stats';
import { benchGrantRevoke, pickActors } from './latency';
import { ROOT, spawnApi } from './spawn-api';

/** Where the API's memory is (its own SIGUSR2 report, MB). */
function breakdown(m: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number }): string {
  const wasmAndCode = m.rss - m.heapTotal - m.arrayBuffers;
  return `of ${m.rss.toFixed(0)} MB resident: V8 heap ${m.heapTotal.toFixed(0)} MB (${m.heapUsed.toFixed(0)} used), ArrayBuffers ${m.arrayBuffers.toFixed(0)} MB (PGlite's in-memory files and buffers), the rest ${wasmAndCode.toFixed(0)} MB (PGlite's WebAssembly memory in use and compiled code, node itself); external (incl. WebAssembly memory reserved) ${m.external.toFixed(0)} MB`;
}

const why = (e: unknown) => `failed: ${(e as Error).message.split('\n')[0]}`;

export async function runServerRows(quick: boolean): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ac-bench-'));
  try {
    // The demo world first: what startup and memory cost before the world's size matters
    // (node, PGlite, migrations), with where the memory is, and under tsx for comparison.
    const demoFixture = join(ROOT, 'fixtures/demo-world.json');
    // As deployments and `npm start` run it: the embedded database in a data folder (--data). In
    // memory (no --data) the database's files are held in this process too, which is measured
    // and reported beside it.
    const small = await spawnApi({ fixture: demoFixture, args: ['--data', join(dir, 'demo-data')] });
    let demoRows: Row[];
    try {
      await new Promise((r) => setTimeout(r, 2_000)); // idle: let start-up garbage go
      const m = await small.memory();
      const rss = small.rssMb();
      demoRows = [
        {
          ...API.demoStartup,
          value: small.startupMs,
          note: 'npm run api (dist-api/main.js, scripts/api-runtime.ts settings) --data <new folder>: PGlite started from the build-time template, spawn to first 200 from /healthz',
        },
        { ...API.demoMemory, value: rss, met: rss <= 150, note: `with --data (a new data folder), idle 2 s after /healthz, ${breakdown(m)}` },
      ];
    } finally {
      await small.stop();
    }
    const inMemory = await spawnApi({ fixture: demoFixture });
    try {
      await new Promise((r) => setTimeout(r, 2_000));
      demoRows[1]!.note += `; without --data (database in memory): ${inMemory.rssMb().toFixed(0)} MB, started in ${inMemory.startupMs.toFixed(0)} ms`;
    } finally {
      await inMemory.stop();
    }
    if (!quick) {
      const dev = await spawnApi({ fixture: demoFixture, entry: join(ROOT, 'src/server/main.ts') });
      await new Promise((r) => setTimeout(r, 2_000));
      demoRows[1]!.note += `; under tsx (npm run api:dev, in memory, no template, initdb at start): ${dev.rssMb().toFixed(0)} MB, started in ${dev.startupMs.toFixed(0)} ms`;
      await dev.stop();
    }
    const fixed = `; the demo world: ${demoRows[0]!.value!.toFixed(0)} ms, ${demoRows[1]!.value!.toFixed(0)} MB`;
    const world = scaleWorld();
    const fixture = join(dir, 'world.json');
    writeFileSync(fixture, JSON.stringify(world));
    const api = await spawnApi({ fixture, args: ['--data', join(dir, 'world-data')] });
    try {
      await new Promise((r) => setTimeout(r, 2_000));
      const idle = api.rssMb();
      const idleBreakdown = breakdown(await api.memory());
      const part = async (names: Expected[], run: () => Promise<Row[]>) => run().catch((e) => names.map((x) => notMeasuredRow(x, why(e))));
      const eligibility = await part([API.eligibility], () => benchEligibilityHttp(api.base, world, quick ? 300 : 3_000));
      const latency = await part([API.revoke, API.grant], () => benchGrantRevoke(api.base, pickActors(world), quick ? 15 : 100));
      const used = api.rssMb();
      return [
        ...demoRows,
        { ...API.startup, value: api.startupMs, met: api.startupMs <= 2_000, note: `npm run api --fixture <world.json> --data <new folder>, spawn to first 200 from /healthz${fixed}` },
        {
          ...API.memory,
          value: used,
          met: used <= 400,
          note: `${idle.toFixed(0)} MB idle 2 s after /healthz (${idleBreakdown}), ${used.toFixed(0)} MB after the eligibility and latency rows${fixed}`,
        },
        ...eligibility,
        ...latency,
      ];
    } finally {
      await api.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * GET /v1/tickets/{key}/eligibility as the ticket page asks it, one request at a time from one
 * client, on the API holding the 100k-user world: half the callers are admins who qualify (the
 * answer lists every qualified admin), half any user. Timed client-side, so HTTP is included.
 */
async function benchEligibilityHttp(base: string, world: World, n: number): Promise<Row[]> {
  const ix = indexWorld(world);
  const token = new Map(world.users.map((u) => [u.id, u.token!]));
  const calls = Array.from({ length: n + 50 }, (_, i) => {
    const ticket = world.tickets[(i * 31) % world.tickets.length]!.key;
    const q = i % 2 === 0 ? qualifiedAdmins(ix, ticket) : [];
    const user = q.length ? q[i % q.length]!.userId : world.users[(i * 104_729) % world.users.length]!.id;
    return { ticket, token: token.get(user)! };
  });
  const samples: number[] = [];
  let allowed = 0;
  for (const [i, c] of calls.entries()) {
    const t0 = performance.now();
    const r = await fetch(`${base}/v1/tickets/${c.ticket}/eligibility`, { headers: { authorization: `Bearer ${c.token}` } });
    const body = (await r.json()) as { allowed?: boolean };
    const ms = performance.now() - t0;
    if (r.status !== 200 || typeof body.allowed !== 'boolean') throw new Error(`eligibility for ${c.ticket} answered ${r.status} ${JSON.stringify(body).slice(0, 200)}`);
    if (i < 50) continue; // warm-up
    samples.push(ms);
    if (body.allowed) allowed++;
  }
  const st = summarize(samples);
  return [
    {
      ...API.eligibility,
      value: st.p99,
      median: st.median,
      p99: st.p99,
      latencyUnit: 'ms',
      met: st.p99 <= 10,
      note: `${n.toLocaleString('en-US')} sequential requests from one client after 50 warm-up, round trip over loopback HTTP (auth, ticket lookup, rules, JSON); ${allowed} allowed`,
    },
  ];
}
