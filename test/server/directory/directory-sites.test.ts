// GET /v1/directory/sites: the org's experience and its sites with their products by name, for the
// console's roles page to pick a site and product from (org admins only, like the rest of it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_URL, harness, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

const backends: Backend[] = ['pglite', 'postgres'];

for (const backend of backends) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`directory sites on ${backend}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness(backend);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('an org admin gets every site with its status, Guard restriction and products by name', async () => {
      const r = await h.call('alice-token', ROUTES.directorySites);
      expect(r.status).toBe(200);
      expect(r.json.userManagement).toBe('centralized');
      expect(r.json.sites).toEqual([
        {
          id: 'acme-main',
          url: 'https://acme.atlassian.net',
          status: 'active',
          guardRestricted: false,
          products: [
            { key: 'jira', name: 'Jira', licensed: true },
            { key: 'confluence', name: 'Confluence', licensed: true },
          ],
        },
        { id: 'acme-eu', url: 'https://acme-eu.atlassian.net', status: 'active', guardRestricted: true, products: [{ key: 'jira', name: 'Jira', licensed: true }] },
        { id: 'acme-old', url: 'https://acme-old.atlassian.net', status: 'pending_deletion', guardRestricted: false, products: [{ key: 'jira', name: 'Jira', licensed: true }] },
      ]);
    });

    it('a site the vendor marks pending deletion shows so at once', async () => {
      expect((await h.call('sam-token', ROUTES.setSiteStatus, { id: 'acme-eu' }, { status: 'pending_deletion' })).status).toBe(200);
      const r = await h.call('alice-token', ROUTES.directorySites);
      expect(r.json.sites.find((s: { id: string }) => s.id === 'acme-eu').status).toBe('pending_deletion');
    });

    it.each([
      ['a product admin', 'bob-token'],
      ['a user access admin', 'dev-token'],
      ['a Support engineer', 'sam-token'],
    ])('%s gets a 403 problem saying who may', async (_who, token) => {
      const r = await h.call(token, ROUTES.directorySites);
      expect(r.status).toBe(403);
      expect(r.type).toContain('application/problem+json');
      expect(r.json.detail).toMatch(/org admins only/);
    });
  });
}
