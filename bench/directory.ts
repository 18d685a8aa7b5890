// The live directory at scale (issue 21): 100,000 people, 5,000 groups of 20 holding product roles,
// one group of 2,000 holding a site-wide role. Rows: eligibility with roles through groups (core),
// a membership change to the next decision seeing it in another API instance on the same store
// (the index is patched, not rebuilt), and the API process's memory with this directory.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { grantEligibility, parseWorld, type World } from '../src/core/index';
import { createApp } from '../src/server/app';
import { ephemeralSigningKey } from '../src/server/audit/checkpoints';
import { openPglite } from '../src/server/db/index';
import { scaleWorld, timeEligibility } from './lib/eligibility-at-scale';
import { DIRECTORY } from './lib/expected';
import { now, summarize, type Row } from './lib/stats';
import { builtApi, spawnApi } from './server/spawn-api';

const GROUPS = 5_000;
const BIG_GROUP = 2_000;

/** The scale world as a world file with groups: every person in one group of 20, each group product_admin of one licensed product; group 0 also has 2,000 more members and user_access_admin on its site. */
export function groupedWorldFile(world: World = scaleWorld()): Record<string, unknown> {
  const licensed = world.products.filter((p) => p.licensed);
  const groups = Array.from({ length: GROUPS }, (_, i) => ({ id: `grp-${i}`, name: `Group ${i}`, members: [] as string[] }));
  world.users.forEach((u, i) => groups[i % GROUPS]!.members.push(u.id));
  const big = { id: 'grp-big', name: 'Everyone on site 0', members: world.users.slice(0, BIG_GROUP).map((u) => u.id) };
  const groupRoles = groups.map((g, i) => {
    const p = licensed[i % licensed.length]!;
    return { group: g.id, role: 'product_admin', site: p.site, product: p.key };
  });
  groupRoles.push({ group: big.id, role: 'user_access_admin', site: world.sites[0]!.id } as (typeof groupRoles)[number]);
  return { ...world, groups: [...groups, big], roles: [...world.roles, ...groupRoles] };
}

function eligibilityRow(file: Record<string, unknown>, quick: boolean): Row {
  const world = parseWorld(structuredClone(file));
  const n = quick ? 20_000 : 100_000;
  const { indexMs, samples, allowed, listed } = timeEligibility(world, n);
  const st = summarize(samples);
  return {
    ...DIRECTORY.eligibility,
    value: st.p99,
    median: st.median,
    p99: st.p99,
    latencyUnit: 'ms',
    met: st.p99 <= 10,
    note: `${n.toLocaleString('en-US')} calls; ${world.users.length.toLocaleString('en-US')} people in ${GROUPS + 1} groups (index built in ${indexMs.toFixed(0)} ms); ${allowed} allowed, mean ${(listed / n).toFixed(1)} qualified admins listed`,
  };
}

/** A membership change made through one API instance, timed to the first eligibility answer through another (same PGlite) that sees it. */
async function membershipRow(file: Record<string, unknown>, quick: boolean): Promise<Row> {
  const db = await openPglite();
  // Two API processes on one database sign its trail with one key, as replicas must.
  const auditSigning = { key: ephemeralSigningKey() };
  const t0 = now();
  const a = await createApp({ world: file, db, rateLimitPerMinute: 1e9, log: () => {}, auditSigning });
  const importMs = now() - t0;
  const b = await createApp({ world: file, db, rateLimitPerMinute: 1e9, log: () => {}, auditSigning });
  try {
    const ix = b.ctx.ix;
    // A ticket on an active site, and a person with no role at all to move in and out of a group that can grant for it.
    const ticket = ix.world.tickets.find((t) => t.status === 'open' && ix.sitesById.get(t.site)?.status === 'active' && ix.productsBySiteKey.get(`${t.site}/${t.product}`)?.licensed)!;
    // Everyone in the scale world holds a role through a group: the person moved is a newcomer with a token of the world file's.
    const person = ix.world.users.find((u) => !grantEligibility(ix, u.id, ticket.key).allowed)!;
    const actor = { kind: 'admin' as const, id: ix.orgAdmins[0]!.userId };
    const g = await a.ctx.directoryStore.createGroup(actor, { name: 'Bench granters' });
    const made = await a.app.request('/v1/role-assignments', {
      method: 'POST',
      headers: { authorization: `Bearer ${actor.id}-token`, 'content-type': 'application/json' },
      body: JSON.stringify({ group: g.id, role: 'product_admin', site: ticket.site, product: ticket.product }),
    });
    if (made.status !== 201) throw new Error(`role assignment: ${made.status} ${await made.text()}`);
    const allowedThroughB = async () => {
      const r = await b.app.request(`/v1/tickets/${ticket.key}/eligibility`, { headers: { authorization: `Bearer ${person.id}-token` } });
      return ((await r.json()) as { allowed: boolean }).allowed;
    };
    const rounds = quick ? 10 : 50;
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) {
      let s = now();
      await a.ctx.directoryStore.addMembers(actor, g.id, [person.id]);
      if (!(await allowedThroughB())) throw new Error('the added member was not seen by the next decision');
      samples.push(now() - s);
      s = now();
      await a.ctx.directoryStore.removeMembers(actor, g.id, [person.id]);
      if (await allowedThroughB()) throw new Error('the removed member was still allowed by the next decision');
      samples.push(now() - s);
    }
    const st = summarize(samples);
    return {
      ...DIRECTORY.membership,
      value: st.p99,
      median: st.median,
      p99: st.p99,
      latencyUnit: 'ms',
      met: st.p99 <= 100,
      note: `${samples.length} changes (add, remove) through one API instance, each timed to the first eligibility answer through a second on the same PGlite that sees it (the change's transaction, its audit row, the second's patch); ${b.ctx.directory.patches} patches, ${b.ctx.directory.reloads} rebuilds; first import of the directory took ${importMs.toFixed(0)} ms`,
    };
  } finally {
    await b.close();
    await a.close();
    await db.close();
  }
}

async function memoryRow(file: Record<string, unknown>): Promise<Row> {
  const fixture = join(mkdtempSync(join(tmpdir(), 'ac-bench-dir-')), 'world.json');
  writeFileSync(fixture, JSON.stringify(file));
  const api = await spawnApi({ fixture, entry: builtApi(), args: ['--data', join(dirname(fixture), 'data')], timeoutMs: 300_000 });
  try {
    await new Promise((r) => setTimeout(r, 2_000));
    const rss = api.rssMb();
    return {
      ...DIRECTORY.memory,
      value: rss,
      met: rss <= 400,
      note: `built API (npm run api --data <new folder>, as the 100k-user row), idle 2 s after /healthz; started (first import included) in ${api.startupMs.toFixed(0)} ms`,
    };
  } finally {
    await api.stop();
  }
}

/** Each row on its own: one that fails is reported by the runner as not measured, the others stand. */
export async function benchDirectory(quick: boolean): Promise<Row[]> {
  const file = groupedWorldFile();
  const rows: Row[] = [];
  const step = async (name: string, f: () => Row | Promise<Row>) => {
    const t0 = now();
    try {
      rows.push(await f());
    } catch (e) {
      process.stderr.write(`bench: directory ${name} failed: ${(e as Error).stack ?? e}\n`);
    }
    process.stderr.write(`bench: directory ${name} in ${((now() - t0) / 1000).toFixed(1)} s\n`);
  };
  await step('eligibility', () => eligibilityRow(file, quick));
  await step('membership', () => membershipRow(file, quick));
  await step('memory', () => memoryRow(file));
  return rows;
}
