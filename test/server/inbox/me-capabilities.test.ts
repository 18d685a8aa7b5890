// What /v1/me and /v1/support-requests say a caller may do is what the API then lets them do: each
// capability and each offered grant is checked against the route it stands for, for every person.
// On PGlite always, and on PostgreSQL when DATABASE_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_URL, harness, WORLD, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`capabilities and offered grants on ${backend}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness(backend);
    });
    afterAll(async () => {
      await h?.close();
    });

    it("each person's /v1/me capabilities match what the audit, API-key and Guard routes allow them", async () => {
      const seen = new Set<string>();
      for (const [i, u] of WORLD.users.entries()) {
        const me = await h.call(u.token!, ROUTES.me);
        const can = new Set<string>(me.json.capabilities);
        for (const c of can) seen.add(c);
        expect((await h.call(u.token!, ROUTES.audit, { query: { limit: 1 } })).status === 200, `${u.id} read_audit`).toBe(can.has('read_audit'));
        expect((await h.call(u.token!, ROUTES.apiKeys)).status === 200, `${u.id} manage_api_keys`).toBe(can.has('manage_api_keys'));
        // A Guard hold of someone else's making, one per person (a decision changes it).
        const held = await h.call('alice-token', ROUTES.grant, { key: `EU-${i}` }, {});
        expect(held.json.state).toBe('pending_guard_approval');
        const decided = await h.call(u.token!, ROUTES.guardDecision, { id: held.json.id }, { decision: 'deny' });
        // Alice made the hold: her own decision is refused whatever her roles (the grant's rule, not the capability's).
        if (u.id !== 'alice') expect(decided.status === 200, `${u.id} decide_guard`).toBe(can.has('decide_guard'));
      }
      expect([...seen].sort()).toEqual(['decide_guard', 'manage_api_keys', 'read_audit']);
      expect((await h.call('sam-token', ROUTES.me)).json.capabilities).toEqual([]);
    });

    it('a Support request offers grant exactly when the bulk grant of it succeeds', async () => {
      let offered = 0;
      for (const u of WORLD.users) {
        const { requests } = (await h.call(u.token!, ROUTES.supportRequests)).json ?? { requests: [] };
        for (const r of (requests ?? []) as { ticket: string; actions: string[] }[]) {
          if (!r.actions.includes('grant')) continue;
          offered++;
          const out = await h.call(u.token!, ROUTES.bulkGrant, { tickets: [r.ticket] });
          expect(out.json.results[0].ok, `${u.id} ${r.ticket}`).toBe(true);
          break; // one per person: the next person's list no longer has it
        }
      }
      expect(offered).toBeGreaterThan(0);
    });
  });
}
