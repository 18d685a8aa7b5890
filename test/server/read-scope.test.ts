// Every route that returns a ticket, its grants or Support's activity on it answers only those
// with a stake in the ticket; eligibility answers any org user, cut down for those without one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { World } from '../../src/core/index';
import { ADMIN_URL, harness, WORLD, type Backend, type Harness } from './helpers';

const TYPE = 'https://access-companion.dev/problems/';
// Mia holds no role and reported PS-300; she has a stake there and nowhere else.
const world: World = { ...WORLD, tickets: [...WORLD.tickets, { key: 'PS-300', title: 'Mia reports', site: 'acme-main', product: 'confluence', reporter: 'mia', engineer: 'sam', status: 'open' }] };

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`ticket read scope on ${backend}`, () => {
    let h: Harness;
    let grantId: string;
    let euGrantId: string;
    beforeAll(async () => {
      h = await harness(backend, { world });
      grantId = (await h.req('bob-token', 'POST', '/v1/tickets/PS-101/grants', {})).json.id;
      euGrantId = (await h.req('alice-token', 'POST', '/v1/tickets/EU-1/grants', {})).json.id;
      for (const ticket of ['PS-101', 'PS-300']) expect((await h.req('sam-token', 'POST', '/v1/access/check', { ticket, resource: { type: 'work_item', id: ticket } })).status).toBe(200);
    });
    afterAll(async () => {
      await h?.close();
    });

    const reads = (key: string) => [`/v1/tickets/${key}`, `/v1/tickets/${key}/grants`, `/v1/tickets/${key}/activity`];

    it('org admins, admins who could grant, and the reporter read the ticket, its grants and Support activity', async () => {
      for (const [token, key] of [
        ['alice-token', 'PS-101'],
        ['bob-token', 'PS-101'],
        ['dev-token', 'PS-101'],
        ['mia-token', 'PS-300'],
        ['gus-token', 'EU-1'],
        ['olga-token', 'EU-1'],
      ]) {
        for (const path of reads(key!)) expect((await h.req(token!, 'GET', path)).status, `${token} ${path}`).toBe(200);
      }
      const activity = await h.req('mia-token', 'GET', '/v1/tickets/PS-300/activity');
      expect(activity.json.entries.map((e: { action: string }) => e.action)).toContain('access.check');
    });

    it('an org user without a stake gets 403 problems naming who may read, on every ticket read', async () => {
      for (const [token, key] of [
        ['gus-token', 'PS-101'],
        ['mia-token', 'PS-101'],
        ['nora-token', 'PS-101'],
        ['bob-token', 'PS-300'],
        ['dev-token', 'EU-1'],
      ]) {
        for (const path of reads(key!)) {
          const r = await h.req(token!, 'GET', path);
          expect(r.status, `${token} ${path}`).toBe(403);
          expect(r.type).toContain('application/problem+json');
          expect(r.json.type).toBe(`${TYPE}forbidden`);
          expect(r.json.code).toBe('no_stake');
          expect(r.json.detail).toMatch(/reporter/);
        }
      }
    });

    it("a single grant is read by its engineer, its deciders and the ticket's stakeholders; others get 404", async () => {
      for (const token of ['alice-token', 'bob-token', 'dev-token', 'sam-token']) expect((await h.req(token, 'GET', `/v1/grants/${grantId}`)).status, token).toBe(200);
      for (const token of ['gus-token', 'mia-token', 'nora-token', 'lee-token']) expect((await h.req(token, 'GET', `/v1/grants/${grantId}`)).status, token).toBe(404);
      expect((await h.req('gus-token', 'GET', `/v1/grants/${euGrantId}`)).status).toBe(200);
      expect((await h.req('bob-token', 'GET', `/v1/grants/${euGrantId}`)).status).toBe(404);
    });

    it('Support engineers read only their own tickets (404 otherwise) and never the admin-side activity', async () => {
      expect((await h.req('sam-token', 'GET', '/v1/tickets/PS-101')).status).toBe(200);
      expect((await h.req('sam-token', 'GET', '/v1/tickets/PS-101/grants')).status).toBe(200);
      expect((await h.req('sam-token', 'GET', '/v1/tickets/PS-101/activity')).status).toBe(403);
      expect((await h.req('lee-token', 'GET', '/v1/tickets/PS-101')).status).toBe(404);
      expect((await h.req('lee-token', 'GET', '/v1/tickets/PS-101/grants')).status).toBe(404);
    });

    it('eligibility answers an org user without a stake: not allowed, why, whom to ask; not what a grant would expose', async () => {
      const full = await h.req('bob-token', 'GET', '/v1/tickets/PS-101/eligibility');
      const cut = await h.req('nora-token', 'GET', '/v1/tickets/PS-101/eligibility');
      expect(cut.status).toBe(200);
      expect(cut.json.allowed).toBe(false);
      expect(cut.json.causes.map((x: { code: string }) => x.code)).toEqual(['no_admin_role']);
      expect(cut.json.qualifiedAdmins).toEqual(full.json.qualifiedAdmins);
      expect(cut.json.scope.includes).toEqual([]);
      expect(cut.json.scope.excludes).toEqual([]);
      expect(full.json.scope.includes.length).toBeGreaterThan(0);
      // The reporter has a stake: the whole answer.
      const mia = await h.req('mia-token', 'GET', '/v1/tickets/PS-300/eligibility');
      expect(mia.json.scope.includes.length).toBeGreaterThan(0);
      expect((await h.req('nora-token', 'GET', '/v1/tickets/NOPE-1/eligibility')).status).toBe(404);
    });
  });
}
