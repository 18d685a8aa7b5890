// A provider that renames a person sends only what changed (Entra: one `name.givenName` op). A
// person imported from the world file has a display name and no stored name parts, so the new
// given name alone used to become the whole name and the surname was lost, in SCIM's answers and
// in every list that names the person. On PGlite always, and on PostgreSQL when DATABASE_URL is set.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_URL, type Backend, type Harness, harness } from '../../helpers';
import { ROUTES } from '../../../../src/api/contract';

const SCIM = 'application/scim+json';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const backends: Backend[] = ADMIN_URL ? ['pglite', 'postgres'] : ['pglite'];

describe.each(backends)('SCIM rename of an imported person on %s', (backend) => {
  let h: Harness;
  let key: string;
  beforeEach(async () => {
    h = await harness(backend);
    key = (await h.call('alice-token', ROUTES.createApiKey, { name: 'Entra provisioning', scopes: ['scim'] })).json.secret;
  });
  afterEach(async () => {
    await h.close();
  });

  const patch = (id: string, ops: unknown[]) => h.req(key, 'PATCH', `/scim/v2/Users/${id}`, JSON.stringify({ schemas: [PATCH], Operations: ops }), { 'content-type': SCIM });
  const nameInDirectory = async (id: string) =>
    ((await h.call('alice-token', ROUTES.directoryLookup, { query: { q: id } })).json.people as Array<{ id: string; name: string }>).find((p) => p.id === id)?.name;

  it('a new given name keeps the family name, and a new family name then keeps the given one', async () => {
    expect((await h.req(key, 'GET', '/scim/v2/Users/bob')).json.displayName).toBe('Bob Stone');
    const given = await patch('bob', [{ op: 'Replace', path: 'name.givenName', value: 'Robert' }]);
    expect(given.status).toBe(200);
    expect(given.json).toMatchObject({ displayName: 'Robert Stone', name: { formatted: 'Robert Stone', givenName: 'Robert' } });
    expect(await nameInDirectory('bob')).toBe('Robert Stone');
    // Who can grant names him by it too (Bob is a Jira admin).
    const who = await h.call('alice-token', ROUTES.grantors, { query: { site: 'acme-main', product: 'jira' } });
    expect(who.json.grantors.find((g: { userId: string }) => g.userId === 'bob').name).toBe('Robert Stone');

    const family = await patch('bob', [{ op: 'replace', value: { name: { familyName: 'Stone-Lee' } } }]);
    expect(family.json).toMatchObject({ displayName: 'Robert Stone-Lee', name: { givenName: 'Robert', familyName: 'Stone-Lee' } });
  });

  it('the store keeps the other part for any writer, not only SCIM', async () => {
    const after = await h.api.ctx.directoryStore.updatePerson({ kind: 'admin', id: 'alice' }, 'mia', { givenName: 'Amelia' });
    expect(after.name).toBe('Amelia Cole');
  });
});
