// The API as real processes: two on one PostgreSQL agree and deliver each other's events; SIGKILL in
// the middle of a stream of grants loses nothing acknowledged and leaves a verifying audit chain;
// a reconnecting event stream resumes from Last-Event-ID.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { api, sleep, spawnApi, subscribe } from '../load/helpers';
import { openPglite } from '../../src/server/db/index';
import { verifyAudit } from '../../src/server/audit';
import { ADMIN_URL, scratchDatabase, writeWorldFile } from './helpers';

const waitFor = async (cond: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(50);
  return cond();
};

describe('event stream', () => {
  it('delivers only events that concern the admin, and resumes from Last-Event-ID', async () => {
    const server = await spawnApi({ fixture: writeWorldFile(), env: { DATABASE_URL: '' } });
    try {
      const bob = subscribe(server.base, '/v1/events', 'bob-token');
      const gus = subscribe(server.base, '/v1/events', 'gus-token');
      await Promise.all([bob.ready, gus.ready]);
      const g1 = await api(server.base, 'alice-token', 'POST', '/v1/tickets/PS-120/grants', {});
      const g2 = await api(server.base, 'alice-token', 'POST', '/v1/tickets/EU-3/grants', {});
      expect(await waitFor(() => bob.events.some((e) => e.data.includes(g1.json.id)) && gus.events.some((e) => e.data.includes(g2.json.id)))).toBe(true);
      expect(bob.events.some((e) => e.data.includes(g2.json.id))).toBe(false); // EU is not Bob's
      expect(gus.events.some((e) => e.data.includes(g1.json.id))).toBe(false); // no Guard hold there
      const lastId = bob.events.at(-1)!.id!;
      bob.close();
      const g3 = await api(server.base, 'alice-token', 'POST', '/v1/tickets/PS-121/grants', {});
      const g4 = await api(server.base, 'alice-token', 'POST', '/v1/tickets/PS-122/grants', {});
      const again = subscribeWithLastId(server.base, 'bob-token', lastId);
      expect(await waitFor(() => again.events.some((e) => e.data.includes(g4.json.id)))).toBe(true);
      const seen = again.events.map((e) => e.data);
      expect(seen.findIndex((d) => d.includes(g3.json.id))).toBeLessThan(seen.findIndex((d) => d.includes(g4.json.id)));
      expect(seen.some((d) => d.includes(g1.json.id))).toBe(false);
      again.close();
      gus.close();
    } finally {
      await server.stop();
    }
  });
});

function subscribeWithLastId(base: string, token: string, lastId: string) {
  const events: { id?: string; data: string }[] = [];
  const ctrl = new AbortController();
  void (async () => {
    const res = await fetch(`${base}/v1/events`, { headers: { authorization: `Bearer ${token}`, 'last-event-id': lastId }, signal: ctrl.signal });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const id = /^id: ?(.*)$/m.exec(block)?.[1];
        const data = [...block.matchAll(/^data: ?(.*)$/gm)].map((m) => m[1]).join('\n');
        if (data) events.push({ id, data });
      }
    }
  })().catch(() => {});
  return { events, close: () => ctrl.abort() };
}

describe.skipIf(!ADMIN_URL)('two API processes on one PostgreSQL', () => {
  if (!ADMIN_URL) console.log('two-process test skipped because DATABASE_URL is unset');
  it('a grant made through one is seen, and its event delivered, through the other', async () => {
    const scratch = await scratchDatabase();
    const fixture = writeWorldFile();
    const [a, b] = await Promise.all([spawnApi({ fixture, env: { DATABASE_URL: scratch.url } }), spawnApi({ fixture, env: { DATABASE_URL: scratch.url } })]);
    try {
      const sub = subscribe(b.base, '/v1/events', 'bob-token');
      await sub.ready;
      await sleep(200);
      const g = await api(a.base, 'alice-token', 'POST', '/v1/tickets/PS-105/grants', {});
      expect(g.status).toBe(201);
      const seen = await api(b.base, 'bob-token', 'GET', '/v1/tickets/PS-105/grants');
      expect(seen.json.grants.map((x: { id: string }) => x.id)).toContain(g.json.id);
      expect(await waitFor(() => sub.events.some((e) => e.data.includes(g.json.id)), 10_000)).toBe(true);
      const check = await api(b.base, 'sam-token', 'POST', '/v1/access/check', { ticket: 'PS-105', resource: { type: 'page' } });
      expect(check.json.allowed).toBe(true);
      // Both processes append to one chain.
      await Promise.all(Array.from({ length: 10 }, (_, i) => api(i % 2 ? a.base : b.base, 'sam-token', 'POST', '/v1/access/check', { ticket: 'PS-105', resource: { type: 'comment', id: `c${i}` } })));
      const v = await api(a.base, 'alice-token', 'GET', '/v1/audit/verify');
      expect(v.json).toMatchObject({ ok: true });
      expect(v.json.rows).toBeGreaterThanOrEqual(12);
      sub.close();
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await scratch.drop();
    }
  });

  it('a revoke acknowledged by one refuses the very next check through the other, while checks keep it busy', async () => {
    const scratch = await scratchDatabase();
    const fixture = writeWorldFile();
    const [a, b] = await Promise.all([spawnApi({ fixture, env: { DATABASE_URL: scratch.url } }), spawnApi({ fixture, env: { DATABASE_URL: scratch.url } })]);
    const check = () => api(b.base, 'sam-token', 'POST', '/v1/access/check', { ticket: 'PS-107', resource: { type: 'page' } });
    try {
      for (let round = 0; round < 3; round++) {
        const g = await api(a.base, 'alice-token', 'POST', '/v1/tickets/PS-107/grants', {});
        expect(g.status).toBe(201);
        // B has decided (and kept what it read) with the grant in force.
        expect((await check()).json.allowed).toBe(true);
        let stop = false;
        let revokedAt = Infinity;
        const late: boolean[] = [];
        const checker = async () => {
          while (!stop) {
            const sent = performance.now();
            const c = await check();
            expect(c.status).toBe(200);
            if (sent > revokedAt) late.push(c.json.allowed);
          }
        };
        const checkers = Array.from({ length: 4 }, checker);
        const rv = await api(a.base, 'alice-token', 'POST', `/v1/grants/${g.json.id}/revoke`, {});
        expect(rv.status).toBe(200);
        revokedAt = performance.now();
        const next = await check();
        stop = true;
        await Promise.all(checkers);
        expect(next.json.allowed).toBe(false);
        expect(late.filter((x) => x === true)).toEqual([]);
      }
      const v = await api(a.base, 'alice-token', 'GET', '/v1/audit/verify');
      expect(v.json).toMatchObject({ ok: true });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await scratch.drop();
    }
  });
});

describe('SIGKILL in the middle of a stream of grants', () => {
  it('restarted on the same --data dir: every acknowledged grant is there and the chain verifies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ac-kill-'));
    const fixture = writeWorldFile();
    const server = await spawnApi({ fixture, args: ['--data', dir], env: { DATABASE_URL: '' } });
    const acked: string[] = [];
    const tickets = Array.from({ length: 30 }, (_, i) => `PS-${100 + i}`);
    let stop = false;
    const writer = (async () => {
      for (const t of tickets) {
        if (stop) break;
        const r = await api(server.base, 'alice-token', 'POST', `/v1/tickets/${t}/grants`, {}, {}, 5_000).catch(() => undefined);
        if (r?.status === 201) acked.push(r.json.id);
      }
    })();
    await waitFor(() => acked.length >= 5, 30_000);
    process.kill(server.pid, 'SIGKILL');
    stop = true;
    await writer;
    await server.stop().catch(() => {});
    expect(acked.length).toBeGreaterThanOrEqual(5);

    // Nothing half-applied: the database opens, the chain verifies, and each grant row has its audit row.
    const db = await openPglite(dir);
    const v = await verifyAudit(db);
    expect(v.ok, JSON.stringify(v)).toBe(true);
    const grants = await db.query<{ id: string }>(`SELECT id FROM grants WHERE state = 'active'`);
    const audited = await db.query<{ id: string }>(`SELECT resource->>'id' AS id FROM audit WHERE action = 'grant.create' AND outcome = 'done'`);
    expect(new Set(grants.map((g) => g.id))).toEqual(new Set(audited.map((a) => a.id)));
    for (const id of acked) expect(grants.map((g) => g.id)).toContain(id);
    await db.close();

    const again = await spawnApi({ fixture, args: ['--data', dir], env: { DATABASE_URL: '' } });
    try {
      const list = await api(again.base, 'alice-token', 'GET', '/v1/grants?state=active');
      const ids = list.json.grants.map((g: { id: string }) => g.id);
      for (const id of acked) expect(ids).toContain(id);
      expect((await api(again.base, 'alice-token', 'GET', '/v1/audit/verify')).json.ok).toBe(true);
    } finally {
      await again.stop();
    }
  });
});
