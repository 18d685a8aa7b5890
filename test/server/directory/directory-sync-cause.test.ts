// What the directory's sync state tells a person (issue 21): the `scim_not_synced` cause says when
// the identity provider last synced them (null until SCIM has), from the directory's own record; and
// a person deactivated by SCIM is refused with a 401 that says why (`reason: "deactivated"`), so the
// extension can say so.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_URL, type Backend, type Harness, harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { SCIM_ROUTES } from '../../../src/api/scim-contract';
import { recordDirectoryChange } from '../../../src/server/directory/repository';

/** The demo org: hana's Confluence role on acme-main was set by SCIM and has not synced (pendingSync). */
const DEMO = JSON.parse(readFileSync(new URL('../../../fixtures/demo-world.json', import.meta.url), 'utf8'));

const SCIM = 'application/scim+json';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const backends: Backend[] = ADMIN_URL ? ['pglite', 'postgres'] : ['pglite'];

describe.each(backends)('directory sync state on %s', (backend) => {
  let h: Harness;
  let key: string;

  beforeEach(async () => {
    h = await harness(backend, { world: DEMO });
    const made = await h.call('alice-token', ROUTES.createApiKey, { name: 'Okta provisioning', scopes: ['scim'] });
    expect(made.status).toBe(201);
    key = made.json.secret;
  });
  afterEach(async () => {
    await h.close();
  });

  const scimPatchUser = (id: string, ops: unknown[]) => h.call(key, SCIM_ROUTES.scimPatchUser, { id }, { schemas: [PATCH], Operations: ops }, { headers: { 'content-type': SCIM } });
  const cause = (eligibility: { causes: Array<{ code: string; lastSyncedAt?: string | null }> }, code: string) => eligibility.causes.find((c) => c.code === code);

  it('scim_not_synced says the person never synced; the SCIM sync its fix asks for puts the role in effect, on record', async () => {
    const view = await h.call('hana-token', ROUTES.ticketView, { key: 'PS-101' });
    expect(view.status).toBe(200);
    expect(view.json.eligibility.allowed).toBe(false);
    expect(cause(view.json.eligibility, 'scim_not_synced')).toMatchObject({ lastSyncedAt: null });
    const eligibility = await h.call('hana-token', ROUTES.eligibility, { key: 'PS-101' });
    expect(cause(eligibility.json, 'scim_not_synced')).toMatchObject({ lastSyncedAt: null });
    // The request form's consent note, for a ticket not raised yet, says it too.
    const fresh = await h.call('hana-token', ROUTES.newTicketEligibility, { query: { site: 'acme-main', product: 'confluence' } });
    expect(fresh.status).toBe(200);
    expect(cause(fresh.json, 'scim_not_synced')).toMatchObject({ lastSyncedAt: null });

    // The provider pushes Hana (a PATCH that changes nothing still is one): the fix worked.
    expect((await scimPatchUser('hana', [{ op: 'replace', path: 'name.givenName', value: 'Hana' }])).status).toBe(200);
    const after = await h.call('hana-token', ROUTES.ticketView, { key: 'PS-101' });
    expect(cause(after.json.eligibility, 'scim_not_synced')).toBeUndefined();
    expect(after.json.eligibility).toMatchObject({ allowed: true, via: 'product_admin' });
    const rows = (await h.call('alice-token', ROUTES.audit, { query: { limit: 500 } })).json.entries as Array<{
      action: string;
      resource: { id?: string };
      detail: { rolesSynced?: string[] };
    }>;
    const synced = rows.find((r) => r.action === 'directory.person_update' && r.resource.id === 'hana' && r.detail.rolesSynced);
    expect(synced?.detail.rolesSynced).toHaveLength(1);
  });

  it('a role still waiting after an earlier sync says when that sync was', async () => {
    const before = Date.now();
    expect((await scimPatchUser('hana', [{ op: 'replace', path: 'name.givenName', value: 'Hana' }])).status).toBe(200);
    // A role the identity provider set since and has not pushed (as a world file applied at a start marks it pendingSync).
    await h.db.transaction(async (tx) => {
      await tx.query("UPDATE role_assignments SET pending_sync = true WHERE user_id = 'hana'");
      await recordDirectoryChange(tx, new Date().toISOString(), 'directory.role_assign', ['hana'], []);
    });
    const view = await h.call('hana-token', ROUTES.ticketView, { key: 'PS-101' });
    const synced = cause(view.json.eligibility, 'scim_not_synced')?.lastSyncedAt;
    expect(typeof synced).toBe('string');
    expect(Date.parse(synced!)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('other causes carry no sync time', async () => {
    const view = await h.call('bob-token', ROUTES.ticketView, { key: 'PS-101' });
    expect(view.json.eligibility.causes.length).toBeGreaterThan(0);
    for (const c of view.json.eligibility.causes) expect(c).not.toHaveProperty('lastSyncedAt');
  });

  it('a person SCIM deactivates is refused with reason "deactivated"', async () => {
    expect((await h.call('hana-token', ROUTES.me)).status).toBe(200);
    expect((await scimPatchUser('hana', [{ op: 'Replace', value: { active: 'False' } }])).status).toBe(200);
    const refused = await h.call('hana-token', ROUTES.me);
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject({ reason: 'deactivated', detail: 'This account is deactivated.' });
    // A token nobody issued is refused without a reason: there is nothing to explain.
    expect((await h.call('nobody-token', ROUTES.me)).json).not.toHaveProperty('reason');
  });
});
