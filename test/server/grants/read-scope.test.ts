// Every route that returns a ticket, its grants or Support's activity on it answers only those
// with a stake in the ticket; eligibility answers any org user, cut down for those without one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { World } from '../../../src/core/index';
import { ADMIN_URL, harness, WORLD, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { describeCall, type RouteCall } from '../../support/api-call';

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
      grantId = (await h.call('bob-token', ROUTES.grant, { key: 'PS-101' }, {})).json.id;
      euGrantId = (await h.call('alice-token', ROUTES.grant, { key: 'EU-1' }, {})).json.id;
      for (const ticket of ['PS-101', 'PS-300']) expect((await h.call('sam-token', ROUTES.checkAccess, { ticket, resource: { type: 'work_item', id: ticket } })).status).toBe(200);
    });
    afterAll(async () => {
      await h?.close();
    });

    const reads = (key: string): RouteCall[] => [
      [ROUTES.ticket, { key }],
      [ROUTES.ticketGrants, { key }],
      [ROUTES.activity, { key }],
    ];

    it('org admins, admins who could grant, and the reporter read the ticket, its grants and Support activity', async () => {
      for (const [token, key] of [
        ['alice-token', 'PS-101'],
        ['bob-token', 'PS-101'],
        ['dev-token', 'PS-101'],
        ['mia-token', 'PS-300'],
        ['gus-token', 'EU-1'],
        ['olga-token', 'EU-1'],
      ]) {
        for (const read of reads(key!)) expect((await h.call(token!, ...read)).status, `${token} ${describeCall(...read)}`).toBe(200);
      }
      const activity = await h.call('mia-token', ROUTES.activity, { key: 'PS-300' });
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
        for (const read of reads(key!)) {
          const r = await h.call(token!, ...read);
          expect(r.status, `${token} ${describeCall(...read)}`).toBe(403);
          expect(r.type).toContain('application/problem+json');
          expect(r.json.type).toBe(`${TYPE}forbidden`);
          expect(r.json.code).toBe('no_stake');
          expect(r.json.detail).toMatch(/reporter/);
        }
      }
    });

    it("a single grant is read by its engineer, its deciders and the ticket's stakeholders; others get 404", async () => {
      for (const token of ['alice-token', 'bob-token', 'dev-token', 'sam-token']) expect((await h.call(token, ROUTES.getGrant, { id: grantId })).status, token).toBe(200);
      for (const token of ['gus-token', 'mia-token', 'nora-token', 'lee-token']) expect((await h.call(token, ROUTES.getGrant, { id: grantId })).status, token).toBe(404);
      expect((await h.call('gus-token', ROUTES.getGrant, { id: euGrantId })).status).toBe(200);
      expect((await h.call('bob-token', ROUTES.getGrant, { id: euGrantId })).status).toBe(404);
    });

    it('Support engineers read only their own tickets (404 otherwise) and never the admin-side activity', async () => {
      expect((await h.call('sam-token', ROUTES.ticket, { key: 'PS-101' })).status).toBe(200);
      expect((await h.call('sam-token', ROUTES.ticketGrants, { key: 'PS-101' })).status).toBe(200);
      expect((await h.call('sam-token', ROUTES.activity, { key: 'PS-101' })).status).toBe(403);
      expect((await h.call('lee-token', ROUTES.ticket, { key: 'PS-101' })).status).toBe(404);
      expect((await h.call('lee-token', ROUTES.ticketGrants, { key: 'PS-101' })).status).toBe(404);
    });

    it('eligibility answers an org user without a stake: not allowed, why, whom to ask; not what a grant would expose', async () => {
      const full = await h.call('bob-token', ROUTES.eligibility, { key: 'PS-101' });
      const cut = await h.call('nora-token', ROUTES.eligibility, { key: 'PS-101' });
      expect(cut.status).toBe(200);
      expect(cut.json.allowed).toBe(false);
      expect(cut.json.causes.map((x: { code: string }) => x.code)).toEqual(['no_admin_role']);
      expect(cut.json.qualifiedAdmins).toEqual(full.json.qualifiedAdmins);
      expect(cut.json.scope.includes).toEqual([]);
      expect(cut.json.scope.excludes).toEqual([]);
      expect(full.json.scope.includes.length).toBeGreaterThan(0);
      // The reporter has a stake: the whole answer.
      const mia = await h.call('mia-token', ROUTES.eligibility, { key: 'PS-300' });
      expect(mia.json.scope.includes.length).toBeGreaterThan(0);
      expect((await h.call('nora-token', ROUTES.eligibility, { key: 'NOPE-1' })).status).toBe(404);
    });
  });
}
