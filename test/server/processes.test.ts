// The API as real processes: two on one PostgreSQL agree and deliver each other's events; SIGKILL in
// the middle of a stream of grants loses nothing acknowledged and leaves a verifying audit chain;
// a reconnecting event stream resumes from Last-Event-ID.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sleep, spawnApi, subscribe } from '../load/helpers';
import { openPglite } from '../../src/server/db/index';
import { verifyAuditTrail as verifyAudit } from '../../src/server/audit/verify';
import { ADMIN_URL, scratchDatabase, writeWorldFile } from './helpers';
import { ROUTES } from '../../src/api/contract';
import { callApi } from '../support/api-call';

const waitFor = async (cond: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(50);
  return cond();
};

describe('event stream', () => {
  it('delivers only events that concern the admin, and resumes from Last-Event-ID', async () => {
    const server = await spawnApi({ fixture: writeWorldFile(), env: { DATABASE_URL: '' } });
    try {
      const bob = subscribe(server.base, ROUTES.events, 'bob-token');
      const gus = subscribe(server.base, ROUTES.events, 'gus-token');
      await Promise.all([bob.ready, gus.ready]);
      const g1 = await callApi(server.base, 'alice-token', ROUTES.grant, { key: 'PS-120' }, {});
      const g2 = await callApi(server.base, 'alice-token', ROUTES.grant, { key: 'EU-3' }, {});
      expect(await waitFor(() => bob.events.some((e) => e.data.includes(g1.json.id)) && gus.events.some((e) => e.data.includes(g2.json.id)))).toBe(true);
      expect(bob.events.some((e) => e.data.includes(g2.json.id))).toBe(false); // EU is not Bob's
      expect(gus.events.some((e) => e.data.includes(g1.json.id))).toBe(false); // no Guard hold there
      const lastId = bob.events.at(-1)!.id!;
      bob.close();
      const g3 = await callApi(server.base, 'alice-token', ROUTES.grant, { key: 'PS-121' }, {});
      const g4 = await callApi(server.base, 'alice-token', ROUTES.grant, { key: 'PS-122' }, {});
      const again = subscribe(server.base, ROUTES.events, 'bob-token', undefined, lastId);
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

describe.skipIf(!ADMIN_URL)('two API processes on one PostgreSQL', () => {
  if (!ADMIN_URL) console.log('two-process test skipped because DATABASE_URL is unset');
  it('a replica without --audit-key is refused at start: replicas must sign one trail with one key', async () => {
    const scratch = await scratchDatabase();
    try {
      const refused = await spawnApi({ fixture: writeWorldFile(), env: { DATABASE_URL: scratch.url }, timeoutMs: 60_000 }).then(
        async (s) => {
          await s.stop();
          return 'started';
        },
        (e: Error) => e.message,
      );
      expect(refused).toContain('DATABASE_URL needs --audit-key FILE');
    } finally {
      await scratch.drop();
    }
  });

  it('a grant made through one is seen, and its event delivered, through the other', async () => {
    const scratch = await scratchDatabase();
    const fixture = writeWorldFile();
    // Replicas sign the one trail with one key (the first to start creates the file).
    const args = ['--audit-key', join(mkdtempSync(join(tmpdir(), 'ac-replicas-')), 'audit-key.pem')];
    const [a, b] = await Promise.all([spawnApi({ fixture, args, env: { DATABASE_URL: scratch.url } }), spawnApi({ fixture, args, env: { DATABASE_URL: scratch.url } })]);
    try {
      const sub = subscribe(b.base, ROUTES.events, 'bob-token');
      await sub.ready;
      await sleep(200);
      const g = await callApi(a.base, 'alice-token', ROUTES.grant, { key: 'PS-105' }, {});
      expect(g.status).toBe(201);
      const seen = await callApi(b.base, 'bob-token', ROUTES.ticketGrants, { key: 'PS-105' });
      expect(seen.json.grants.map((x: { id: string }) => x.id)).toContain(g.json.id);
      expect(await waitFor(() => sub.events.some((e) => e.data.includes(g.json.id)), 10_000)).toBe(true);
      const check = await callApi(b.base, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-105', resource: { type: 'page' } });
      expect(check.json.allowed).toBe(true);
      // Both processes append to one chain.
      await Promise.all(Array.from({ length: 10 }, (_, i) => callApi(i % 2 ? a.base : b.base, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-105', resource: { type: 'comment', id: `c${i}` } })));
      const v = await callApi(a.base, 'alice-token', ROUTES.verifyAudit);
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
    // Replicas sign the one trail with one key (the first to start creates the file).
    const args = ['--audit-key', join(mkdtempSync(join(tmpdir(), 'ac-replicas-')), 'audit-key.pem')];
    const [a, b] = await Promise.all([spawnApi({ fixture, args, env: { DATABASE_URL: scratch.url } }), spawnApi({ fixture, args, env: { DATABASE_URL: scratch.url } })]);
    const check = () => callApi(b.base, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-107', resource: { type: 'page' } });
    try {
      for (let round = 0; round < 3; round++) {
        const g = await callApi(a.base, 'alice-token', ROUTES.grant, { key: 'PS-107' }, {});
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
        const rv = await callApi(a.base, 'alice-token', ROUTES.revoke, { id: g.json.id }, {});
        expect(rv.status).toBe(200);
        revokedAt = performance.now();
        const next = await check();
        stop = true;
        await Promise.all(checkers);
        expect(next.json.allowed).toBe(false);
        expect(late.filter((x) => x === true)).toEqual([]);
      }
      const v = await callApi(a.base, 'alice-token', ROUTES.verifyAudit);
      expect(v.json).toMatchObject({ ok: true });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await scratch.drop();
    }
  });
});

describe.skipIf(!ADMIN_URL)('two API processes on one PostgreSQL: directory changes', () => {
  it('a role removal acknowledged by one is the very next decision through the other, while decisions keep it busy', async () => {
    const scratch = await scratchDatabase();
    const fixture = writeWorldFile();
    // Replicas sign one trail with one key (issue 20).
    const args = ['--audit-key', join(mkdtempSync(join(tmpdir(), 'ac-replicas-')), 'audit-key.pem')];
    const [a, b] = await Promise.all([spawnApi({ fixture, args, env: { DATABASE_URL: scratch.url } }), spawnApi({ fixture, args, env: { DATABASE_URL: scratch.url } })]);
    const eligible = async () => (await callApi(b.base, 'bob-token', ROUTES.eligibility, { key: 'PS-109' })).json.allowed;
    try {
      for (let round = 0; round < 3; round++) {
        const made = await callApi(a.base, 'alice-token', ROUTES.createRoleAssignment, { user: 'bob', role: 'product_admin', site: 'acme-main', product: 'confluence' });
        expect(made.status).toBe(201);
        expect((await callApi(b.base, 'bob-token', ROUTES.eligibility, { key: 'PS-200' })).json.allowed).toBe(true);
        // Bob's own jira role: B has decided (and holds its index) with it in force.
        const own = (await callApi(a.base, 'alice-token', ROUTES.roleAssignments, { query: { user: 'bob' } })).json.assignments.find((x: { product?: string }) => x.product === 'jira');
        expect(await eligible()).toBe(true);
        let stop = false;
        let removedAt = Infinity;
        const late: boolean[] = [];
        const asker = async () => {
          while (!stop) {
            const sent = performance.now();
            const allowed = await eligible();
            if (sent > removedAt) late.push(allowed);
          }
        };
        const askers = Array.from({ length: 4 }, asker);
        const rm = await callApi(a.base, 'alice-token', ROUTES.deleteRoleAssignment, { id: made.json.id });
        expect(rm.status).toBe(204);
        const rmOwn = await callApi(a.base, 'alice-token', ROUTES.deleteRoleAssignment, { id: own.id });
        expect(rmOwn.status).toBe(204);
        removedAt = performance.now();
        const next = await eligible();
        const grant = await callApi(b.base, 'bob-token', ROUTES.grant, { key: 'PS-109' }, {});
        stop = true;
        await Promise.all(askers);
        expect(next).toBe(false);
        expect(grant.status).toBe(403);
        expect((await callApi(b.base, 'bob-token', ROUTES.eligibility, { key: 'PS-200' })).json.allowed).toBe(false);
        expect(late.filter((x) => x === true)).toEqual([]);
        // Back for the next round.
        expect((await callApi(b.base, 'alice-token', ROUTES.createRoleAssignment, { user: 'bob', role: 'product_admin', site: 'acme-main', product: 'jira' })).status).toBe(201);
        expect((await callApi(a.base, 'bob-token', ROUTES.eligibility, { key: 'PS-109' })).json.allowed).toBe(true);
      }
      // A ticket reassigned through one ends the old engineer's access through the other at once.
      const g = await callApi(a.base, 'alice-token', ROUTES.grant, { key: 'PS-111' }, {});
      expect(g.status).toBe(201);
      const check = (token: string) => callApi(b.base, token, ROUTES.checkAccess, { ticket: 'PS-111', resource: { type: 'page' } });
      expect((await check('sam-token')).json.allowed).toBe(true);
      expect((await callApi(a.base, 'sam-token', ROUTES.assignTicket, { key: 'PS-111' }, { engineer: 'lee' })).status).toBe(200);
      expect((await check('sam-token')).json.allowed).toBe(false);
      expect((await check('lee-token')).json.allowed).toBe(true);
      const v = await callApi(a.base, 'alice-token', ROUTES.verifyAudit);
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
        const r = await callApi(server.base, 'alice-token', ROUTES.grant, { key: t }, {}, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
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
      const list = await callApi(again.base, 'alice-token', ROUTES.grants, { query: { state: 'active' } });
      const ids = list.json.grants.map((g: { id: string }) => g.id);
      for (const id of acked) expect(ids).toContain(id);
      expect((await callApi(again.base, 'alice-token', ROUTES.verifyAudit)).json.ok).toBe(true);
    } finally {
      await again.stop();
    }
  });
});
