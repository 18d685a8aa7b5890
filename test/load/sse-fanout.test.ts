// 200 SSE subscribers on /v1/events while grants stream in for a bounded time: every subscriber
// receives every event about a grant that concerns it (org admins: all; site admins: their site),
// in the order the grants were acknowledged, and no event twice.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorld, sleep, spawnApi, subscribe, writeWorld, type RunningApi } from './helpers';
import { ROUTES } from '../../src/api/contract';
import { callApi } from '../support/api-call';

const serverExists = existsSync(new URL('../../src/server/main.ts', import.meta.url));
const SUBSCRIBERS = 200;
const STREAM_MS = 6_000;

describe.skipIf(!serverExists)('200 SSE subscribers under a steady stream of grants', () => {
  let server: RunningApi;
  const world = loadWorld({ orgAdmins: 50, siteAdmins: SUBSCRIBERS - 50, tickets: 40 });
  beforeAll(async () => {
    server = await spawnApi({ fixture: writeWorld(world) });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('delivers each concerning event once, in order', async () => {
    const admins = world.roles.filter((r) => r.role === 'org_admin' || r.role === 'user_access_admin').slice(0, SUBSCRIBERS);
    const subs = admins.map((r) => ({ role: r, sub: subscribe(server.base, ROUTES.events, `${r.user}-token`) }));
    await Promise.all(subs.map((s) => s.sub.ready));
    await sleep(200);

    // One granter, one grant after another, alternating sites; each acknowledged grant is recorded in order.
    const acked: Array<{ id: string; site: string }> = [];
    const tickets = world.tickets.filter((t) => t.site !== 'site-g');
    const t0 = Date.now();
    let i = 0;
    while (Date.now() - t0 < STREAM_MS && i < tickets.length) {
      const t = tickets[i % 2 === 0 ? Math.floor(i / 2) : tickets.length / 2 + Math.floor(i / 2)]!;
      i++;
      const g = await callApi(server.base, 'org-0-token', ROUTES.grant, { key: t.key }, {});
      expect(g.status, JSON.stringify(g.json)).toBe(201);
      acked.push({ id: g.json.id, site: t.site });
      await sleep(40);
    }
    expect(acked.length).toBeGreaterThan(20);

    const concerns = (r: (typeof admins)[number], site: string) => r.role === 'org_admin' || r.site === site;
    const deadline = Date.now() + 10_000;
    const missing = () => subs.filter(({ role, sub }) => acked.some((g) => concerns(role, g.site) && !sub.events.some((e) => e.data.includes(g.id))));
    while (missing().length > 0 && Date.now() < deadline) await sleep(100);
    for (const s of subs) s.sub.close();
    const delivered = subs.reduce((n, s) => n + s.sub.events.length, 0);
    console.log(`sse: ${subs.length} subscribers, ${acked.length} grants acknowledged in ${Date.now() - t0} ms, ${delivered} events delivered`);

    expect(missing().map((s) => s.role.user)).toEqual([]);
    for (const { role, sub } of subs) {
      const ids = sub.events.map((e) => e.id).filter((x): x is string => x !== undefined);
      expect(new Set(ids).size, `${role.user} got an event id twice`).toBe(ids.length);
      // Not the same change under a new id either.
      const bodies = sub.events.map((e) => `${e.event ?? ''}\n${e.data}`);
      expect(new Set(bodies).size, `${role.user} got the same event twice`).toBe(bodies.length);
      // And nothing about a site it does not administer.
      const foreign = acked.filter((g) => !concerns(role, g.site));
      expect(
        sub.events.filter((e) => foreign.some((g) => e.data.includes(g.id))),
        `${role.user} got another site's event`,
      ).toEqual([]);
      const firstSeen = acked.filter((g) => concerns(role, g.site)).map((g) => sub.events.findIndex((e) => e.data.includes(g.id)));
      expect(firstSeen, `${role.user} saw grants out of order`).toEqual([...firstSeen].sort((a, b) => a - b));
    }
  }, 90_000);
});
