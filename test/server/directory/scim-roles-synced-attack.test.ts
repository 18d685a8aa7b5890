// Attack on "a SCIM write puts the person's pending roles in effect" (7a15f94): only a write a
// SCIM-scoped key makes and the API commits may do it; a refused, failed or foreign write leaves the
// role waiting and leaves no `rolesSynced` on record; what it does is on record once, rolled back
// with the write, seen by every replica's next decision, and a Guard-restricted site or a
// deactivated person still refuses.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_URL, appsOnOneDatabase, type Backend, type Harness, harness, type SharedDatabaseApps } from '../helpers';
import type { RouteCall } from '../../support/api-call';
import { ROUTES } from '../../../src/api/contract';

const DEMO = JSON.parse(readFileSync(new URL('../../../fixtures/demo-world.json', import.meta.url), 'utf8'));
/** The demo org plus a role of Hana's on the Guard-restricted site (acme-eu, PS-102's), set by SCIM and waiting. */
const GUARDED = { ...DEMO, roles: [...DEMO.roles, { user: 'hana', role: 'product_admin', site: 'acme-eu', product: 'jira', source: 'scim', pendingSync: true }] };

const SCIM = 'application/scim+json';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const backends: Backend[] = ADMIN_URL ? ['pglite', 'postgres'] : ['pglite'];
type Row = { action: string; outcome: string; resource: { id?: string }; detail: { rolesSynced?: string[] } };

describe.each(backends)('pending roles put in effect by SCIM writes only, on %s', (backend) => {
  let h: Harness;
  let scimKey: string;
  let auditKey: string;

  beforeEach(async () => {
    h = await harness(backend, { world: GUARDED });
    scimKey = (await h.call('alice-token', ROUTES.createApiKey, { name: 'Okta provisioning', scopes: ['scim'] })).json.secret;
    auditKey = (await h.call('alice-token', ROUTES.createApiKey, { name: 'SIEM', scopes: ['audit_read'] })).json.secret;
  });
  afterEach(async () => {
    await h.close();
  });

  const scim = (token: string, method: string, path: string, body?: unknown) =>
    h.req(token, method, `/scim/v2${path}`, body === undefined ? undefined : JSON.stringify(body), body === undefined ? {} : { 'content-type': SCIM });
  const noop = [{ op: 'replace', path: 'name.givenName', value: 'Hana' }];
  const pending = async () => (await h.db.query<{ n: number }>("SELECT count(*)::int AS n FROM role_assignments WHERE user_id = 'hana' AND pending_sync")).at(0)!.n;
  const synced = async () => ((await h.call('alice-token', ROUTES.audit, { query: { limit: 500 } })).json.entries as Row[]).filter((r) => r.detail?.rolesSynced && r.resource.id === 'hana');
  const hanaMayGrantMain = async () => (await h.call('hana-token', ROUTES.ticketView, { key: 'PS-101' })).json.eligibility.allowed as boolean;

  it('nobody but a SCIM-scoped key clears it: the person, an org admin, an audit key, a refused write of each kind', async () => {
    expect(await pending()).toBe(2);
    for (const token of ['hana-token', 'alice-token', auditKey]) {
      const r = await scim(token, 'PATCH', '/Users/hana', { schemas: [PATCH], Operations: noop });
      expect(r.status, token).toBe(403);
      expect((await scim(token, 'PUT', '/Users/hana', { userName: 'hana@acme.test' })).status).toBe(403);
    }
    // Refused writes by the SCIM key itself: 409 (an email someone has), 400 (no address, a bad op), 404.
    expect((await scim(scimKey, 'PUT', '/Users/hana', { userName: 'bob@acme.test' })).status).toBe(409);
    expect((await scim(scimKey, 'PUT', '/Users/hana', { userName: 'not an email' })).status).toBe(400);
    expect((await scim(scimKey, 'PATCH', '/Users/hana', { schemas: [PATCH], Operations: [{ op: 'explode', path: 'x' }] })).status).toBe(400);
    expect((await scim(scimKey, 'PATCH', '/Users/nobody', { schemas: [PATCH], Operations: noop })).status).toBe(404);
    // A push of someone else is not a push of Hana.
    expect((await scim(scimKey, 'PATCH', '/Users/bob', { schemas: [PATCH], Operations: noop })).status).toBe(200);
    expect(await pending()).toBe(2);
    expect(await hanaMayGrantMain()).toBe(false);
    expect(await synced()).toEqual([]);
  });

  it('is rolled back with a write that fails after it, and on record exactly once when it lands', async () => {
    const trail = h.api.ctx.trail;
    const append = trail.append.bind(trail);
    trail.append = (async (...args: Parameters<typeof append>) => {
      if ((args[1] as { action: string }).action === 'directory.person_update') throw new Error('disk full');
      return append(...args);
    }) as typeof append;
    const failed = await scim(scimKey, 'PATCH', '/Users/hana', { schemas: [PATCH], Operations: noop });
    expect(failed.status).toBe(500);
    trail.append = append;
    expect(await pending()).toBe(2);
    expect(await hanaMayGrantMain()).toBe(false);

    expect((await scim(scimKey, 'PATCH', '/Users/hana', { schemas: [PATCH], Operations: noop })).status).toBe(200);
    expect(await pending()).toBe(0);
    expect(await hanaMayGrantMain()).toBe(true);
    // A second push changes nothing more: still the one row naming both roles.
    expect((await scim(scimKey, 'PUT', '/Users/hana', { userName: 'hana@acme.test', name: { givenName: 'Hana' } })).status).toBe(200);
    const rows = await synced();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.detail.rolesSynced).toHaveLength(2);
    expect((await h.call('alice-token', ROUTES.verifyAudit)).json.ok).toBe(true);
  });

  it('a Guard-restricted site still holds her grant for Guard once her role there is in effect', async () => {
    expect((await h.call('hana-token', ROUTES.grant, { key: 'PS-102' }, {})).status).toBe(403);
    expect((await scim(scimKey, 'PATCH', '/Users/hana', { schemas: [PATCH], Operations: noop })).status).toBe(200);
    const g = await h.call('hana-token', ROUTES.grant, { key: 'PS-102' }, {});
    expect(g.status, JSON.stringify(g.json)).toBe(201);
    expect(g.json.state).toBe('pending_guard_approval');
  });

  it('a push that deactivates her puts nothing in her hands: refused at once, no grant', async () => {
    const r = await scim(scimKey, 'PATCH', '/Users/hana', { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] });
    expect(r.status).toBe(200);
    expect((await h.call('hana-token', ROUTES.me)).status).toBe(401);
    expect((await h.call('hana-token', ROUTES.grant, { key: 'PS-101' }, {})).status).toBe(401);
    // An org admin's view of who can grant on acme-main Confluence does not list her.
    const who = await h.call('alice-token', ROUTES.grantors, { query: { site: 'acme-main', product: 'confluence' } });
    expect(who.status).toBe(200);
    expect(JSON.stringify(who.json)).not.toContain('"hana"');
  });
});

/** A role Hana holds through a group, set by SCIM and waiting: the same cause, the same fix offered. */
const VIA_GROUP = {
  ...DEMO,
  groups: [{ id: 'conf-admins', name: 'Confluence admins', members: ['hana'] }],
  roles: [
    ...DEMO.roles.filter((r: { user?: string }) => r.user !== 'hana'),
    { group: 'conf-admins', role: 'product_admin', site: 'acme-main', product: 'confluence', source: 'scim', pendingSync: true },
  ],
};

describe('a SCIM-pending role held through a group (PGlite)', () => {
  it("the sync scim_not_synced's fix asks for (pushing her, pushing her group) puts it in effect, or the fix is not offered", async () => {
    const h = await harness('pglite', { world: VIA_GROUP });
    try {
      const key = (await h.call('alice-token', ROUTES.createApiKey, { name: 'Okta', scopes: ['scim'] })).json.secret as string;
      const send = (method: string, path: string, body: unknown) => h.req(key, method, `/scim/v2${path}`, JSON.stringify(body), { 'content-type': SCIM });
      const before = (await h.call('hana-token', ROUTES.ticketView, { key: 'PS-101' })).json.eligibility;
      expect(before.allowed).toBe(false);
      expect(before.causes.map((c: { code: string }) => c.code)).toContain('scim_not_synced');
      // The provider pushes Hana and her group, as "Trigger a SCIM sync" does.
      expect((await send('PATCH', '/Users/hana', { schemas: [PATCH], Operations: [{ op: 'replace', path: 'name.givenName', value: 'Hana' }] })).status).toBe(200);
      expect((await send('PUT', '/Groups/conf-admins', { displayName: 'Confluence admins', members: [{ value: 'hana' }] })).status).toBe(200);
      const after = (await h.call('hana-token', ROUTES.ticketView, { key: 'PS-101' })).json.eligibility;
      const stillOffered = !after.allowed && after.causes.some((c: { code: string }) => c.code === 'scim_not_synced');
      expect(stillOffered, JSON.stringify(after.causes)).toBe(false);
    } finally {
      await h.close();
    }
  });
});

describe.skipIf(!ADMIN_URL)('pending roles put in effect on one replica, decided on the other (PostgreSQL)', () => {
  let replicas: SharedDatabaseApps;
  beforeAll(async () => {
    replicas = await appsOnOneDatabase(GUARDED);
  }, 60_000);
  afterAll(() => replicas?.close());
  const req = (replica: number, token: string, ...call: RouteCall) => replicas.call(replica, token, ...call);

  it('the other replica decides with the role in effect at its next request, and refuses at once after a deactivating push', async () => {
    const key = (await req(0, 'alice-token', ROUTES.createApiKey, { name: 'Okta', scopes: ['scim'] })).json.secret as string;
    const patch = (ops: unknown[]) =>
      replicas.apps[0]!.app.request('/scim/v2/Users/hana', {
        method: 'PATCH',
        headers: { authorization: `Bearer ${key}`, 'content-type': SCIM },
        body: JSON.stringify({ schemas: [PATCH], Operations: ops }),
      });
    expect((await req(1, 'hana-token', ROUTES.ticketView, { key: 'PS-101' })).json.eligibility.allowed).toBe(false);
    expect((await patch([{ op: 'replace', path: 'name.givenName', value: 'Hana' }])).status).toBe(200);
    expect((await req(1, 'hana-token', ROUTES.ticketView, { key: 'PS-101' })).json.eligibility).toMatchObject({ allowed: true });
    expect((await patch([{ op: 'replace', value: { active: false } }])).status).toBe(200);
    expect((await req(1, 'hana-token', ROUTES.grant, { key: 'PS-101' }, {})).status).toBe(401);
  }, 60_000);
});
