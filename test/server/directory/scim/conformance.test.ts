// SCIM 2.0 conformance, our own: the sequences of RFC 7644 §3 (create, get, filter, page, PATCH,
// PUT, DELETE, errors) and the request sequences Okta and Microsoft Entra publish for their
// provisioning clients (lookup by userName or externalId before create, then create; deactivate by
// PATCH; group membership by PATCH), sent over the real app on the real directory store, PGlite
// and PostgreSQL. Beside the protocol: who may call (a `scim` key only), one person per normalized
// email, one audit row per change and per refusal, and a deactivation being the next decision's fact.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_URL, type Backend, type Harness, harness } from '../../helpers';
import { ROUTES } from '../../../../src/api/contract';
import { SCIM_ROUTES } from '../../../../src/api/scim-contract';
import { callApi, pathOf, send, type RouteCall } from '../../../support/api-call';

const SCIM = 'application/scim+json';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

const backends: Backend[] = ADMIN_URL ? ['pglite', 'postgres'] : ['pglite'];

describe.each(backends)('SCIM 2.0 on %s', (backend) => {
  let h: Harness;
  let key: string;
  let keyId: string;

  beforeEach(async () => {
    h = await harness(backend);
    const made = await h.call('alice-token', ROUTES.createApiKey, { name: 'Okta provisioning', scopes: ['scim'] });
    expect(made.status).toBe(201);
    key = made.json.secret;
    keyId = made.json.id;
  });
  afterEach(async () => {
    await h.close();
  });

  /** The app, with every body sent as application/scim+json like Okta and Entra do. */
  const scimClient = {
    request: (path: string, init: RequestInit) => h.api.app.request(path, init.body === undefined ? init : { ...init, headers: { ...(init.headers as Record<string, string>), 'content-type': SCIM } }),
  };
  /** A SCIM request with `token` (a person's, another key's). */
  const scimAs = (token: string, ...call: RouteCall) => callApi(scimClient, token, ...call);
  /** A SCIM request with the key. */
  const scim = (...call: RouteCall) => scimAs(key, ...call);
  /** A list's filter and paging, as query options. */
  const q = (filter: string, extra: Record<string, string | number> = {}) => ({ query: { filter, ...extra } });
  const expectError = (res: { status: number; type: string; json: any }, status: number, scimType?: string) => {
    expect(res.status).toBe(status);
    expect(res.type).toContain(SCIM);
    expect(res.json.schemas).toEqual([ERROR]);
    expect(res.json.status).toBe(String(status));
    if (scimType) expect(res.json.scimType).toBe(scimType);
    expect(typeof res.json.detail).toBe('string');
  };
  const newUser = (email: string, extra: Record<string, unknown> = {}) => ({
    schemas: [USER],
    userName: email,
    name: { givenName: 'Test', familyName: email.split('@')[0] },
    emails: [{ primary: true, value: email, type: 'work' }],
    active: true,
    ...extra,
  });

  describe('discovery (RFC 7644 §4)', () => {
    it('answers ServiceProviderConfig, ResourceTypes and Schemas as SCIM JSON', async () => {
      const spc = await scim(SCIM_ROUTES.scimServiceProviderConfig);
      expect(spc.status).toBe(200);
      expect(spc.type).toContain(SCIM);
      expect(spc.json).toMatchObject({ patch: { supported: true }, filter: { supported: true }, bulk: { supported: false } });
      const types = await scim(SCIM_ROUTES.scimResourceTypes);
      expect(types.json.schemas).toEqual([LIST]);
      expect(types.json.Resources.map((t: any) => [t.id, t.endpoint, t.schema])).toEqual([
        ['User', '/Users', USER],
        ['Group', '/Groups', GROUP],
      ]);
      expect((await scim(SCIM_ROUTES.scimResourceType, { id: 'Group' })).json.endpoint).toBe('/Groups');
      const schemas = await scim(SCIM_ROUTES.scimSchemas);
      expect(schemas.json.Resources.map((s: any) => s.id)).toEqual([USER, GROUP]);
      const user = await scim(SCIM_ROUTES.scimSchema, { id: USER });
      expect(user.json.attributes.find((a: any) => a.name === 'userName')).toMatchObject({ required: true, uniqueness: 'server', caseExact: false });
      expectError(await scim(SCIM_ROUTES.scimSchema, { id: 'urn:nope' }), 404);
    });
  });

  describe('who may call', () => {
    it('no credentials, an unknown key or a deleted key: 401 in the SCIM error schema', async () => {
      const none = await callApi(h.api.app, null, SCIM_ROUTES.scimUsers);
      expect(none.status).toBe(401);
      expect(none.headers.get('content-type')).toContain(SCIM);
      expect(none.json).toMatchObject({ schemas: [ERROR], status: '401' });
      expectError(await scimAs(`acak_${'A'.repeat(43)}`, SCIM_ROUTES.scimUsers), 401);
      expect((await h.call('alice-token', ROUTES.deleteApiKey, { id: keyId })).status).toBe(204);
      expectError(await scim(SCIM_ROUTES.scimUsers), 401);
    });

    it('a person, even an org admin, or a key without the scim scope: 403', async () => {
      expectError(await scimAs('alice-token', SCIM_ROUTES.scimUsers), 403);
      const audit = await h.call('alice-token', ROUTES.createApiKey, { name: 'Auditor', scopes: ['audit_read'] });
      expectError(await scimAs(audit.json.secret, SCIM_ROUTES.scimCreateUser, newUser('x@acme.test')), 403);
      // and the refused write is on record, against that key
      const rows = (await h.call('alice-token', ROUTES.audit, { query: { actor: audit.json.id } })).json.entries;
      expect(rows.filter((r: any) => r.outcome === 'refused').map((r: any) => r.action)).toEqual(['directory.person_create']);
    });
  });

  describe('Users', () => {
    it("Okta's sequence: look up by userName, create, read; a second create of the same person is 409 uniqueness", async () => {
      const look = await scim(SCIM_ROUTES.scimUsers, q('userName eq "Ria.Khan@acme.test"', { startIndex: 1, count: 100 }));
      expect(look.status).toBe(200);
      expect(look.json).toMatchObject({ schemas: [LIST], totalResults: 0, startIndex: 1, Resources: [] });

      const made = await scim(SCIM_ROUTES.scimCreateUser, newUser('Ria.Khan@acme.test', { externalId: '00u1okta' }));
      expect(made.status).toBe(201);
      expect(made.type).toContain(SCIM);
      const id = made.json.id;
      expect(made.headers.get('location')).toBe(made.json.meta.location);
      expect(made.json.meta.location).toMatch(new RegExp(`${pathOf(SCIM_ROUTES.scimUser, { id })}$`));
      expect(made.json).toMatchObject({ schemas: [USER], userName: 'Ria.Khan@acme.test', externalId: '00u1okta', active: true, displayName: 'Test Ria.Khan', meta: { resourceType: 'User' } });

      expect((await scim(SCIM_ROUTES.scimUser, { id })).json).toEqual(made.json);
      // The same person in another case, with spaces or in another Unicode form is one person.
      for (const again of ['ria.khan@ACME.test', ' Ria.Khan@acme.test ', 'ria.khan@ａｃｍｅ.test']) expectError(await scim(SCIM_ROUTES.scimCreateUser, newUser(again)), 409, 'uniqueness');
      const found = await scim(SCIM_ROUTES.scimUsers, q('userName eq "RIA.KHAN@acme.test"'));
      expect(found.json.totalResults).toBe(1);
      expect(found.json.Resources[0].id).toBe(id);
    });

    it('one id space: a person of the world file is found by userName under their own id, and cannot be created twice', async () => {
      const found = await scim(SCIM_ROUTES.scimUsers, q('userName eq "Alice@Acme.test"'));
      expect(found.json.Resources.map((u: any) => [u.id, u.userName])).toEqual([['alice', 'alice@acme.test']]);
      expectError(await scim(SCIM_ROUTES.scimCreateUser, newUser('ALICE@acme.test')), 409, 'uniqueness');
      expect((await scim(SCIM_ROUTES.scimUser, { id: 'alice' })).json.displayName).toBe('Alice Ng');
    });

    it("Entra's sequence: look up by externalId, create, then capitalised PATCH with string booleans and email paths", async () => {
      expect((await scim(SCIM_ROUTES.scimUsers, q('externalId eq "58342554-38d6-4ec8-948c-50044d0a33fd"'))).json.totalResults).toBe(0);
      const made = await scim(SCIM_ROUTES.scimCreateUser, {
        schemas: [USER, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
        externalId: '58342554-38d6-4ec8-948c-50044d0a33fd',
        userName: 'Theo.Ward@acme.test',
        active: 'True',
        displayName: 'Theo Ward',
        emails: [{ primary: true, type: 'work', value: 'Theo.Ward@acme.test' }],
        name: { formatted: 'Theo Ward', familyName: 'Ward', givenName: 'Theo' },
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Finance' },
      });
      expect(made.status).toBe(201);
      const id = made.json.id;
      expect((await scim(SCIM_ROUTES.scimUsers, q('externalId eq "58342554-38d6-4ec8-948c-50044d0a33fd"'))).json.Resources[0].id).toBe(id);
      const patched = await scim(
        SCIM_ROUTES.scimPatchUser,
        { id },
        {
          schemas: [PATCH],
          Operations: [
            { op: 'Replace', path: 'displayName', value: 'Theodore Ward' },
            { op: 'Replace', path: 'name.givenName', value: 'Theodore' },
            { op: 'Replace', path: 'emails[type eq "work"].value', value: 'Theo.Ward@acme.test' },
            { op: 'Add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber', value: '701984' },
          ],
        },
      );
      expect(patched.status).toBe(200);
      expect(patched.json).toMatchObject({ displayName: 'Theodore Ward', name: { givenName: 'Theodore', familyName: 'Ward' }, active: true });
      const off = await scim(SCIM_ROUTES.scimPatchUser, { id }, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
      expect(off.json.active).toBe(false);
      expect((await scim(SCIM_ROUTES.scimUser, { id })).json.active).toBe(false);
      expect(patched.json.meta.version).not.toBe(off.json.meta.version);
    });

    it('filters with eq, co, sw and and on userName, emails.value, displayName and externalId, case-insensitively', async () => {
      for (const [email, name] of [
        ['pia.one@filter.test', 'Pia Quill'],
        ['pia.two@filter.test', 'Pia Rowe'],
        ['zed@filter.test', 'Zed Quill'],
      ] as const)
        expect((await scim(SCIM_ROUTES.scimCreateUser, newUser(email, { displayName: name, externalId: `ext-${email}` }))).status).toBe(201);
      const names = async (f: string) => (await scim(SCIM_ROUTES.scimUsers, q(f))).json.Resources.map((u: any) => u.userName).sort();
      expect(await names('userName sw "PIA."')).toEqual(['pia.one@filter.test', 'pia.two@filter.test']);
      expect(await names('userName co "@FILTER.test"')).toEqual(['pia.one@filter.test', 'pia.two@filter.test', 'zed@filter.test']);
      expect(await names('displayName co "quill"')).toEqual(['pia.one@filter.test', 'zed@filter.test']);
      expect(await names('displayName eq "pia rowe"')).toEqual(['pia.two@filter.test']);
      expect(await names('emails.value sw "zed"')).toEqual(['zed@filter.test']);
      expect(await names('emails[value eq "ZED@filter.test"]')).toEqual(['zed@filter.test']);
      expect(await names('userName sw "pia" and displayName co "Rowe"')).toEqual(['pia.two@filter.test']);
      expect(await names('externalId eq "ext-zed@filter.test"')).toEqual(['zed@filter.test']);
      expect(await names('externalId eq "EXT-ZED@filter.test"')).toEqual([]); // externalId is caseExact (RFC 7643)
      expectError(await scim(SCIM_ROUTES.scimUsers, q('userName eq "a" or userName eq "b"')), 400, 'invalidFilter');
      expectError(await scim(SCIM_ROUTES.scimUsers, q('userName eq')), 400, 'invalidFilter');
    });

    it('pages with startIndex and count: disjoint pages, a steady total, count=0 for the total only', async () => {
      for (let i = 0; i < 5; i++) expect((await scim(SCIM_ROUTES.scimCreateUser, newUser(`page${i}@paging.test`))).status).toBe(201);
      const f = 'userName co "@paging.test"';
      const seen: string[] = [];
      for (const start of [1, 3, 5]) {
        const page = await scim(SCIM_ROUTES.scimUsers, q(f, { startIndex: start, count: 2 }));
        expect(page.json).toMatchObject({ totalResults: 5, startIndex: start, itemsPerPage: start === 5 ? 1 : 2 });
        seen.push(...page.json.Resources.map((u: any) => u.userName));
      }
      expect(seen.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `page${i}@paging.test`));
      const total = await scim(SCIM_ROUTES.scimUsers, q(f, { count: 0 }));
      expect(total.json).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
      expect((await scim(SCIM_ROUTES.scimUsers, q(f, { startIndex: 0, count: 1 }))).json.startIndex).toBe(1);
      expectError(await scim(SCIM_ROUTES.scimUsers, { query: { count: 'lots' } }), 400);
    });

    it('PUT replaces; DELETE removes (404 afterwards, and the email is free again)', async () => {
      const id = (await scim(SCIM_ROUTES.scimCreateUser, newUser('put@acme.test', { externalId: 'e1' }))).json.id;
      const put = await scim(SCIM_ROUTES.scimReplaceUser, { id }, { schemas: [USER], userName: 'put@acme.test', displayName: 'Put Replaced', active: false });
      expect(put.status).toBe(200);
      expect(put.json).toMatchObject({ displayName: 'Put Replaced', active: false });
      expect(put.json.externalId).toBeUndefined();
      expect((await scim(SCIM_ROUTES.scimDeleteUser, { id })).status).toBe(204);
      expectError(await scim(SCIM_ROUTES.scimUser, { id }), 404);
      expectError(await scim(SCIM_ROUTES.scimDeleteUser, { id }), 404);
      expectError(await scim(SCIM_ROUTES.scimPatchUser, { id }, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: true } }] }), 404);
      expect((await scim(SCIM_ROUTES.scimCreateUser, newUser('put@acme.test'))).status).toBe(201);
    });

    it('refuses bad bodies in the SCIM error schema, and writes nothing', async () => {
      expectError(await h.call(key, SCIM_ROUTES.scimCreateUser, '{"userName": ', { headers: { 'content-type': SCIM } }), 400, 'invalidSyntax');
      expectError(await scim(SCIM_ROUTES.scimCreateUser, { schemas: [USER], displayName: 'No name' }), 400, 'invalidValue');
      expectError(await scim(SCIM_ROUTES.scimCreateUser, newUser('not-an-email')), 400, 'invalidValue');
      // A look-alike of alice's address (a zero-width space) is refused, never made a second person.
      expectError(await scim(SCIM_ROUTES.scimCreateUser, newUser('alice\u200b@acme.test')), 400, 'invalidValue');
      expectError(await scim(SCIM_ROUTES.scimPatchUser, { id: 'alice' }, { schemas: [PATCH], Operations: [{ op: 'jump', path: 'active' }] }), 400, 'invalidSyntax');
      expectError(await scim(SCIM_ROUTES.scimPatchUser, { id: 'alice' }, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'id', value: 'x' }] }), 400, 'mutability');
      expectError(await scim(SCIM_ROUTES.scimUser, { id: 'nobody-here' }), 404);
      // A resource type the contract has no route for, on purpose.
      expectError(await send(scimClient, key, 'GET', '/scim/v2/Nope'), 404);
      expect((await scim(SCIM_ROUTES.scimUsers, q('userName eq "not-an-email"'))).json.totalResults).toBe(0);
    });
  });

  describe('Groups', () => {
    const person = async (email: string) => (await scim(SCIM_ROUTES.scimCreateUser, newUser(email))).json.id as string;
    const members = async (id: string) => ((await scim(SCIM_ROUTES.scimGroup, { id })).json.members ?? []).map((m: any) => m.value).sort();

    it('create with members, read, filter by displayName; excludedAttributes=members leaves them out', async () => {
      const a = await person('ga@acme.test');
      const made = await scim(SCIM_ROUTES.scimCreateGroup, { schemas: [GROUP], displayName: 'Jira Admins', externalId: 'okta-g1', members: [{ value: a, display: 'ga' }] });
      expect(made.status).toBe(201);
      expect(made.headers.get('location')).toBe(made.json.meta.location);
      expect(made.json).toMatchObject({ schemas: [GROUP], displayName: 'Jira Admins', externalId: 'okta-g1', members: [{ value: a }] });
      const id = made.json.id;
      const found = await scim(SCIM_ROUTES.scimGroups, q('displayName eq "jira admins"', { excludedAttributes: 'members' }));
      expect(found.json.totalResults).toBe(1);
      expect(found.json.Resources[0].id).toBe(id);
      expect(found.json.Resources[0].members).toBeUndefined();
      expect((await scim(SCIM_ROUTES.scimGroup, { id }, { query: { excludedAttributes: 'members' } })).json.members).toBeUndefined();
      expectError(await scim(SCIM_ROUTES.scimCreateGroup, { schemas: [GROUP] }), 400);
    });

    it("Okta's membership ops: add, remove by members[value eq], path-less rename; Entra's: capitalised, remove by value list; replace", async () => {
      const [a, b, c] = [await person('m1@acme.test'), await person('m2@acme.test'), await person('m3@acme.test')];
      const id = (await scim(SCIM_ROUTES.scimCreateGroup, { schemas: [GROUP], displayName: 'Ops' })).json.id;
      const patch = (...Operations: unknown[]) => scim(SCIM_ROUTES.scimPatchGroup, { id }, { schemas: [PATCH], Operations });

      expect((await patch({ op: 'add', path: 'members', value: [{ value: a }, { value: b }] })).status).toBe(204);
      expect(await members(id)).toEqual([a, b].sort());
      expect((await patch({ op: 'remove', path: `members[value eq "${a}"]` })).status).toBe(204);
      expect(await members(id)).toEqual([b]);
      expect((await patch({ op: 'replace', value: { id, displayName: 'Ops Team' } })).status).toBe(204);
      expect((await scim(SCIM_ROUTES.scimGroup, { id })).json.displayName).toBe('Ops Team');

      expect((await patch({ op: 'Add', path: 'members', value: [{ value: c }] }, { op: 'Remove', path: 'members', value: [{ value: b }] })).status).toBe(204);
      expect(await members(id)).toEqual([c]);
      expect((await patch({ op: 'Replace', path: 'members', value: [{ value: a }, { value: b }] })).status).toBe(204);
      expect(await members(id)).toEqual([a, b].sort());

      // Entra checks one membership with a filter before it adds
      const check = await scim(SCIM_ROUTES.scimGroups, q(`id eq "${id}" and members[value eq "${a}"]`, { excludedAttributes: 'members' }));
      expect(check.json.totalResults).toBe(1);
      expect((await scim(SCIM_ROUTES.scimGroups, q(`id eq "${id}" and members[value eq "${c}"]`))).json.totalResults).toBe(0);

      expectError(await patch({ op: 'add', path: 'members', value: [{ value: 'no-such-person' }] }), 400);
      expect(await members(id)).toEqual([a, b].sort());
      expectError(await patch({ op: 'replace', value: { id: 'another' } }), 400, 'mutability');
    });

    it('PUT replaces name and members; DELETE removes the group (404 afterwards)', async () => {
      const [a, b] = [await person('p1@acme.test'), await person('p2@acme.test')];
      const id = (await scim(SCIM_ROUTES.scimCreateGroup, { schemas: [GROUP], displayName: 'Put', members: [{ value: a }] })).json.id;
      const put = await scim(SCIM_ROUTES.scimReplaceGroup, { id }, { schemas: [GROUP], displayName: 'Put Again', members: [{ value: b }] });
      expect(put.status).toBe(200);
      expect(put.json.displayName).toBe('Put Again');
      expect(await members(id)).toEqual([b]);
      expect((await scim(SCIM_ROUTES.scimDeleteGroup, { id })).status).toBe(204);
      expectError(await scim(SCIM_ROUTES.scimGroup, { id }), 404);
    });
  });

  describe('on record, and the next decision', () => {
    it('each change is one audit row naming the key; a refused write is one refused row', async () => {
      const before = (await h.call('alice-token', ROUTES.audit, { query: { actor: keyId } })).json.entries.length;
      const id = (await scim(SCIM_ROUTES.scimCreateUser, newUser('rec@acme.test'))).json.id;
      expectError(await scim(SCIM_ROUTES.scimCreateUser, newUser('REC@acme.test')), 409, 'uniqueness');
      await scim(SCIM_ROUTES.scimPatchUser, { id }, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] });
      const rows = (await h.call('alice-token', ROUTES.audit, { query: { actor: keyId } })).json.entries.sort((a: any, b: any) => a.seq - b.seq).slice(before);
      expect(rows.map((r: any) => [r.action, r.outcome, r.actorKind])).toEqual([
        ['directory.person_create', expect.any(String), 'key'],
        ['directory.person_create', 'refused', 'key'],
        [expect.stringMatching(/^directory\.person_(deactivate|update)$/), expect.any(String), 'key'],
      ]);
      expect(rows[0].outcome).not.toBe('refused');
      expect(JSON.stringify(rows[0])).toContain('Okta provisioning');
    });

    it('a person deactivated by SCIM is refused on their next request and leaves "who can grant"', async () => {
      const admins = async () => (await h.call('alice-token', ROUTES.eligibility, { key: 'PS-100' })).json.qualifiedAdmins.map((a: any) => a.userId);
      expect(await admins()).toContain('bob');
      expect((await h.call('bob-token', ROUTES.me)).status).toBe(200);
      const off = await scim(SCIM_ROUTES.scimPatchUser, { id: 'bob' }, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
      expect(off.status).toBe(200);
      expect(off.json.active).toBe(false);
      expect((await h.call('bob-token', ROUTES.me)).status).toBe(401);
      expect(await admins()).not.toContain('bob');
      // and back
      await scim(SCIM_ROUTES.scimPatchUser, { id: 'bob' }, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: true } }] });
      expect((await h.call('bob-token', ROUTES.me)).status).toBe(200);
      expect(await admins()).toContain('bob');
    });

    it('a membership added by SCIM to a group holding a role makes its member a granter at once', async () => {
      const admins = async () => (await h.call('alice-token', ROUTES.eligibility, { key: 'PS-100' })).json.qualifiedAdmins.map((a: any) => a.userId);
      const id = (await scim(SCIM_ROUTES.scimCreateUser, newUser('newadmin@acme.test'))).json.id;
      const group = (await scim(SCIM_ROUTES.scimCreateGroup, { schemas: [GROUP], displayName: 'Jira admins' })).json.id;
      const assigned = await h.call('alice-token', ROUTES.createRoleAssignment, { group, role: 'product_admin', site: 'acme-main', product: 'jira' });
      expect(assigned.status).toBe(201);
      expect(await admins()).not.toContain(id);
      await scim(SCIM_ROUTES.scimPatchGroup, { id: group }, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] });
      expect(await admins()).toContain(id);
      await scim(SCIM_ROUTES.scimPatchGroup, { id: group }, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }] });
      expect(await admins()).not.toContain(id);
    });
  });
});
