// When the identity provider last synced a person is the directory's own record (people.last_synced_at),
// and every write a SCIM key makes to a person is a sync: a person SCIM creates is synced then, and
// each later push moves it, one that changes nothing included (the `scim_not_synced` fix is "trigger
// a SCIM sync", and a re-push of an unchanged person is what that sends). `pendingSync` itself is the
// world file's: DESIGN §6 names no route that sets it, so none is added. On PGlite always, and on
// PostgreSQL when DATABASE_URL is set.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_URL, type Backend, type Harness, harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

/** The demo org: hana's Confluence role on acme-main was set by SCIM and has not synced (pendingSync). */
const DEMO = JSON.parse(readFileSync(new URL('../../../fixtures/demo-world.json', import.meta.url), 'utf8'));

const SCIM = 'application/scim+json';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const backends: Backend[] = ADMIN_URL ? ['pglite', 'postgres'] : ['pglite'];

describe.each(backends)('SCIM writes record the sync on %s', (backend) => {
  let h: Harness;
  let key: string;
  /** A clock the test moves: each write is at the time it says. */
  let clock = Date.parse('2027-03-01T09:00:00.000Z');
  const at = () => new Date(clock).toISOString();

  beforeEach(async () => {
    h = await harness(backend, { world: DEMO, now: at });
    key = (await h.call('alice-token', ROUTES.createApiKey, { name: 'Okta provisioning', scopes: ['scim'] })).json.secret;
  });
  afterEach(async () => {
    await h.close();
  });

  const scim = (method: string, path: string, body?: unknown) =>
    h.req(key, method, `/scim/v2${path}`, body === undefined ? undefined : JSON.stringify(body), body === undefined ? {} : { 'content-type': SCIM });
  const patch = (id: string, ops: unknown[]) => scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: ops });
  const lastSynced = async (id: string) =>
    ((await h.call('alice-token', ROUTES.directoryLookup, { query: { q: id } })).json.people as Array<{ id: string; lastSyncedAt: string | null }>).find((p) => p.id === id)?.lastSyncedAt;

  it('a person SCIM creates is synced then, and each later write by the key moves it, a push that changes nothing included', async () => {
    clock += 60_000;
    const made = await scim('POST', '/Users', { userName: 'ines@acme.test', name: { givenName: 'Ines', familyName: 'Roy' } });
    expect(made.status).toBe(201);
    const id = made.json.id;
    expect(await lastSynced(id)).toBe(at());

    clock += 60_000;
    expect((await patch(id, [{ op: 'replace', path: 'name.givenName', value: 'Inès' }])).status).toBe(200);
    expect(await lastSynced(id)).toBe(at());

    clock += 60_000;
    const same = await patch(id, [{ op: 'replace', value: { active: true, name: { givenName: 'Inès' } } }]);
    expect(same.status).toBe(200);
    expect(same.json).toMatchObject({ displayName: 'Inès Roy', active: true });
    expect(await lastSynced(id)).toBe(at());
    // Every process decides with it: the index the write brought up to date says so too.
    expect(h.api.ctx.ix.usersById.get(id)?.lastSyncedAt).toBe(at());
  });

  it('a re-push of a person whose role waits on SCIM is the sync the cause asks for: the role is in effect, the sync time recorded', async () => {
    const cause = async () =>
      ((await h.call('hana-token', ROUTES.eligibility, { key: 'PS-101' })).json.causes as Array<{ code: string; lastSyncedAt?: string | null }>).find((c) => c.code === 'scim_not_synced');
    expect(await cause()).toMatchObject({ lastSyncedAt: null });
    clock += 60_000;
    // Okta's re-push of an unchanged, active person.
    expect((await patch('hana', [{ op: 'replace', value: { active: true } }])).status).toBe(200);
    expect(await cause()).toBeUndefined();
    expect((await h.call('hana-token', ROUTES.eligibility, { key: 'PS-101' })).json).toMatchObject({ allowed: true, via: 'product_admin' });
    expect((await h.call('hana-token', ROUTES.me)).json.lastSyncedAt).toBe(at());
  });
});
