// The panel's view answer flags, for org admins only, a live grant whose granter no longer could
// grant (issue 21: the org's consent stands, an org admin sees it and may revoke it). The granter
// loses the right by demotion (DELETE /v1/role-assignments/{id}) or deactivation (the directory
// store, as SCIM does). On PGlite always, and on PostgreSQL when DATABASE_URL is set.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_URL, harness, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

type ViewGrant = { id: string; grantedBy?: string; grantedByNoLongerCan?: boolean };

const backends: Backend[] = ADMIN_URL ? ['pglite', 'postgres'] : ['pglite'];

for (const backend of backends) {
  describe(`view answer's flagged grants on ${backend}`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await harness(backend);
    });
    afterEach(async () => {
      await h?.close();
    });

    /** The view's grant `id` as `token` reads it, and the actions offered on it. */
    async function viewed(token: string, key: string, id: string): Promise<{ grant: ViewGrant | undefined; offered: string[] }> {
      const v = await h.call(token, ROUTES.ticketView, { key });
      expect(v.status, JSON.stringify(v.json)).toBe(200);
      return { grant: (v.json.grants as ViewGrant[]).find((g) => g.id === id), offered: v.json.actions.grants[id] ?? [] };
    }

    it('a demoted granter: org admins see the grant flagged with revoke, others unflagged', async () => {
      const g = await h.call('bob-token', ROUTES.grant, { key: 'PS-101' }, {});
      expect(g.status, JSON.stringify(g.json)).toBe(201);
      // Before the change nobody reads it flagged.
      expect((await viewed('alice-token', 'PS-101', g.json.id)).grant?.grantedByNoLongerCan).toBeUndefined();

      const [own] = (await h.call('alice-token', ROUTES.roleAssignments, { query: { user: 'bob' } })).json.assignments;
      expect((await h.call('alice-token', ROUTES.deleteRoleAssignment, { id: own.id })).status).toBe(204);

      for (const admin of ['alice-token', 'olga-token']) {
        const seen = await viewed(admin, 'PS-101', g.json.id);
        expect(seen.grant).toMatchObject({ grantedBy: 'bob', grantedByNoLongerCan: true });
        expect(seen.offered).toContain('revoke');
      }
      // Bob (the reporter, still with a stake) and Dev (site-wide user access admin) read it plain.
      for (const other of ['bob-token', 'dev-token']) {
        const seen = await viewed(other, 'PS-101', g.json.id);
        expect(seen.grant).toBeDefined();
        expect(seen.grant?.grantedByNoLongerCan).toBeUndefined();
      }
      // Revoked from the flag, it is no longer live and no longer flagged.
      expect((await h.call('alice-token', ROUTES.revoke, { id: g.json.id }, {})).status).toBe(200);
      expect((await viewed('alice-token', 'PS-101', g.json.id)).grant?.grantedByNoLongerCan).toBeUndefined();
    });

    it('a deactivated granter: org admins see the grant flagged, others unflagged', async () => {
      const g = await h.call('dev-token', ROUTES.grant, { key: 'PS-102' }, {});
      expect(g.status, JSON.stringify(g.json)).toBe(201);
      await h.api.ctx.directoryStore.updatePerson({ kind: 'admin', id: 'alice' }, 'dev', { active: false });

      const seen = await viewed('alice-token', 'PS-102', g.json.id);
      expect(seen.grant).toMatchObject({ grantedBy: 'dev', grantedByNoLongerCan: true });
      expect(seen.offered).toContain('revoke');
      const bob = await viewed('bob-token', 'PS-102', g.json.id);
      expect(bob.grant).toBeDefined();
      expect(bob.grant?.grantedByNoLongerCan).toBeUndefined();
    });
  });
}
