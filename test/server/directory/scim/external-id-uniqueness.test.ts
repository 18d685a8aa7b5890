// RFC 7643 §3.1: externalId is the provisioning client's own identifier for a resource, and
// case-exact. Two Users (or two Groups) with one externalId would make the provider's lookup by it
// find two resources (or the wrong one), so a second resource with the same externalId is refused
// with 409 `uniqueness`, on create, PUT and PATCH, also when two writers race. Values differing in
// case are different identifiers. On PGlite always, and on PostgreSQL when DATABASE_URL is set.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_URL, type Backend, type Harness, harness } from '../../helpers';
import { ROUTES } from '../../../../src/api/contract';

const SCIM = 'application/scim+json';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

const backends: Backend[] = ADMIN_URL ? ['pglite', 'postgres'] : ['pglite'];

describe.each(backends)('SCIM externalId uniqueness on %s', (backend) => {
  let h: Harness;
  let key: string;

  beforeEach(async () => {
    h = await harness(backend);
    const made = await h.call('alice-token', ROUTES.createApiKey, { name: 'Entra provisioning', scopes: ['scim'] });
    expect(made.status).toBe(201);
    key = made.json.secret;
  });
  afterEach(async () => {
    await h.close();
  });

  const scim = (method: string, path: string, body?: unknown) =>
    h.req(key, method, `/scim/v2${path}`, body === undefined ? undefined : JSON.stringify(body), body === undefined ? {} : { 'content-type': SCIM });
  const user = (email: string, externalId: string) => ({ schemas: [USER], userName: email, externalId, name: { givenName: 'Test', familyName: 'Person' }, active: true });
  const group = (name: string, externalId: string) => ({ schemas: [GROUP], displayName: name, externalId });
  const patch = (ops: unknown[]) => ({ schemas: [PATCH], Operations: ops });
  const expectUniqueness = (res: { status: number; json: any }) => {
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({ schemas: [ERROR], status: '409', scimType: 'uniqueness' });
    expect(res.json.detail).toContain('externalId');
  };
  const usersWith = async (externalId: string) => (await scim('GET', `/Users?filter=${encodeURIComponent(`externalId eq "${externalId}"`)}`)).json.totalResults;

  it('a second User with the same externalId is refused on create, PUT and PATCH; another case is another identifier', async () => {
    const first = await scim('POST', '/Users', user('ext.one@acme.test', 'a1b2-C3'));
    expect(first.status).toBe(201);
    expectUniqueness(await scim('POST', '/Users', user('ext.two@acme.test', 'a1b2-C3')));
    expect(await usersWith('a1b2-C3')).toBe(1);

    const other = await scim('POST', '/Users', user('ext.two@acme.test', 'A1B2-c3'));
    expect(other.status).toBe(201);
    const id = other.json.id;
    expectUniqueness(await scim('PUT', `/Users/${id}`, user('ext.two@acme.test', 'a1b2-C3')));
    expectUniqueness(await scim('PATCH', `/Users/${id}`, patch([{ op: 'replace', path: 'externalId', value: 'a1b2-C3' }])));
    expectUniqueness(await scim('PATCH', `/Users/${id}`, patch([{ op: 'Replace', value: { externalId: 'a1b2-C3' } }])));
    expect((await scim('GET', `/Users/${id}`)).json.externalId).toBe('A1B2-c3');
    expect(await usersWith('a1b2-C3')).toBe(1);

    // A person of the world file linked by the provider gets the externalId only it does not hold elsewhere.
    expectUniqueness(await scim('PATCH', '/Users/bob', patch([{ op: 'add', path: 'externalId', value: 'a1b2-C3' }])));
    expect((await scim('PATCH', '/Users/bob', patch([{ op: 'add', path: 'externalId', value: 'bob-ext' }]))).status).toBe(200);
    // Writing a User without changing its externalId is not a clash with itself.
    expect((await scim('PUT', `/Users/${first.json.id}`, { ...user('ext.one@acme.test', 'a1b2-C3'), displayName: 'Ext One' })).status).toBe(200);
    // Each refusal is on record, against the key.
    const refused = (await h.call('alice-token', ROUTES.audit, { query: { limit: 500 } })).json.entries.filter(
      (e: { outcome: string; actorKind: string }) => e.outcome === 'refused' && e.actorKind === 'key',
    );
    expect(refused).toHaveLength(5);
  });

  it('a second Group with the same externalId is refused on create, PUT and PATCH', async () => {
    const first = await scim('POST', '/Groups', group('Finance', 'grp-7'));
    expect(first.status).toBe(201);
    expectUniqueness(await scim('POST', '/Groups', group('Finance EU', 'grp-7')));
    const other = await scim('POST', '/Groups', group('Finance EU', 'GRP-7'));
    expect(other.status).toBe(201);
    expectUniqueness(await scim('PUT', `/Groups/${other.json.id}`, group('Finance EU', 'grp-7')));
    expectUniqueness(await scim('PATCH', `/Groups/${other.json.id}`, patch([{ op: 'replace', path: 'externalId', value: 'grp-7' }])));
    expectUniqueness(await scim('PATCH', `/Groups/${other.json.id}`, patch([{ op: 'replace', value: { externalId: 'grp-7', displayName: 'Finance EU 2' } }])));
    const found = await scim('GET', `/Groups?filter=${encodeURIComponent('externalId eq "grp-7"')}`);
    expect(found.json.Resources.map((g: { id: string }) => g.id)).toEqual([first.json.id]);
    // The refused PATCH changed nothing, its name included.
    expect((await scim('GET', `/Groups/${other.json.id}`)).json).toMatchObject({ displayName: 'Finance EU', externalId: 'GRP-7' });
  });

  it('two creates racing with one externalId: one is made, the other refused', async () => {
    const [a, b] = await Promise.all([scim('POST', '/Users', user('race.a@acme.test', 'race-1')), scim('POST', '/Users', user('race.b@acme.test', 'race-1'))]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect(await usersWith('race-1')).toBe(1);
    const [g, k] = await Promise.all([scim('POST', '/Groups', group('Race A', 'race-g')), scim('POST', '/Groups', group('Race B', 'race-g'))]);
    expect([g.status, k.status].sort()).toEqual([201, 409]);
  });
});
