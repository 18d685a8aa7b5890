// A SCIM DELETE of a User or a Group takes the role assignments it held with it. Each of those is a
// role removed, so each is on record as one: its own `directory.role_remove` row (the action an org
// admin's removal writes), naming the key, written in the delete's transaction beside the delete's
// own row. On PGlite always, and on PostgreSQL when DATABASE_URL is set.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { World } from '../../../../src/core/index';
import { verifyAuditTrail } from '../../../../src/server/audit/verify';
import { ADMIN_URL, type Backend, type Harness, harness, WORLD } from '../../helpers';
import { ROUTES } from '../../../../src/api/contract';

/** WORLD with a Jira admins group (Mia) holding product_admin for Jira on acme-main. */
function world(): World {
  const w = structuredClone(WORLD);
  w.groups = [{ id: 'jira-admins', name: 'Jira admins', members: ['mia'] }];
  (w.roles as unknown[]).push({ group: 'jira-admins', role: 'product_admin', site: 'acme-main', product: 'jira' });
  return w;
}

type Entry = { seq: number; at: string; actor: string; actorKind: string; action: string; outcome: string; resource: Record<string, unknown>; detail: Record<string, unknown> };

const backends: Backend[] = ADMIN_URL ? ['pglite', 'postgres'] : ['pglite'];

describe.each(backends)('SCIM deletes and the roles they remove on %s', (backend) => {
  let h: Harness;
  let key: string;
  let keyId: string;

  beforeEach(async () => {
    h = await harness(backend, { world: world() });
    const made = await h.call('alice-token', ROUTES.createApiKey, { name: 'Okta provisioning', scopes: ['scim'] });
    expect(made.status).toBe(201);
    key = made.json.secret;
    keyId = made.json.id;
  });
  afterEach(async () => {
    await h.close();
  });

  const rolesOf = async (filter: string) => (await h.call('alice-token', ROUTES.roleAssignments, { query: filter })).json.assignments as Array<{ id: string; role: string }>;
  const entriesAfter = async (seq: number) => ((await h.call('alice-token', ROUTES.audit, { query: { limit: 500 } })).json.entries as Entry[]).filter((e) => e.seq > seq).sort((a, b) => a.seq - b.seq);
  const head = async () => Math.max(0, ...((await h.call('alice-token', ROUTES.audit, { query: { limit: 500 } })).json.entries as Entry[]).map((e) => e.seq));

  it("a deleted User's every role assignment is removed on record, one row each, in the delete's transaction", async () => {
    const second = await h.call('alice-token', ROUTES.createRoleAssignment, { user: 'bob', role: 'technical_contact', site: 'acme-main', products: ['confluence'] });
    expect(second.status).toBe(201);
    const held = await rolesOf('user=bob');
    expect(held).toHaveLength(2);

    const before = await head();
    const gone = await h.req(key, 'DELETE', '/scim/v2/Users/bob');
    expect(gone.status).toBe(204);
    expect(await rolesOf('user=bob')).toEqual([]);

    const rows = await entriesAfter(before);
    expect(rows.map((r) => r.action)).toEqual(['directory.person_delete', 'directory.role_remove', 'directory.role_remove']);
    for (const r of rows) expect(r).toMatchObject({ actor: keyId, actorKind: 'key', outcome: 'done', detail: expect.objectContaining({ keyName: 'Okta provisioning' }) });
    const removals = rows.filter((r) => r.action === 'directory.role_remove');
    expect(removals.map((r) => r.resource)).toEqual(held.map((a) => ({ type: 'role_assignment', id: a.id, role: a.role, user: 'bob' })));
    expect(removals.map((r) => r.detail.cause)).toEqual(['person_delete', 'person_delete']);
    // One transaction: one moment, consecutive rows.
    expect(new Set(rows.map((r) => r.at)).size).toBe(1);
    expect(rows.map((r) => r.seq)).toEqual([rows[0]!.seq, rows[0]!.seq + 1, rows[0]!.seq + 2]);
    expect((await verifyAuditTrail(h.db)).ok).toBe(true);
  });

  it("a deleted Group's role assignments are removed on record, one row each", async () => {
    const [role] = await rolesOf('group=jira-admins');
    expect(role).toBeDefined();
    const before = await head();
    expect((await h.req(key, 'DELETE', '/scim/v2/Groups/jira-admins')).status).toBe(204);
    const rows = await entriesAfter(before);
    expect(rows.map((r) => r.action)).toEqual(['directory.group_delete', 'directory.role_remove']);
    expect(rows[1]).toMatchObject({
      actor: keyId,
      actorKind: 'key',
      resource: { type: 'role_assignment', id: role!.id, role: 'product_admin', group: 'jira-admins' },
      detail: { site: 'acme-main', product: 'jira', cause: 'group_delete' },
    });
    // Mia held Jira through the group only: the next decision no longer lets her grant.
    expect((await h.call('mia-token', ROUTES.eligibility, { key: 'PS-100' })).json.allowed).toBe(false);
  });

  it('a User holding no role is deleted with its one row, as before', async () => {
    const before = await head();
    expect((await h.req(key, 'DELETE', '/scim/v2/Users/nora')).status).toBe(204);
    expect((await entriesAfter(before)).map((r) => r.action)).toEqual(['directory.person_delete']);
  });
});
