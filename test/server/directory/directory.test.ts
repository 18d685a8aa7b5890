// The live directory (issue 21, DESIGN §6): org admins assign and remove roles to people and groups,
// validated like the world file; a person's roles include their groups'; every change is one audit
// row naming its actor and the next decision's fact; what already exists follows the change
// (deactivated people refused, their grants flagged, asks passed on, Guard holds, reassignment).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { World } from '../../../src/core/index';
import { verifyAuditTrail as verifyAudit } from '../../../src/server/audit/verify';
import { eventsFor } from '../../../src/server/inbox/events';
import { indexWorld } from '../../../src/core/index';
import { worldOf } from '../../../src/server/directory/cache';
import { grantorsOf } from '../../../src/server/directory/grantors';
import { readDirectory } from '../../../src/server/directory/repository';
import { ADMIN_URL, harness, WORLD, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { pathOf } from '../../support/api-call';

/** WORLD with Confluence admins as a group holding product_admin, and Priya and Hana in it (as a world file writes it: the group's role in `roles`). */
function groupWorld(): World {
  const w = structuredClone(WORLD);
  w.users.push(
    { id: 'priya', name: 'Priya Rao', email: 'priya@acme.test', emailVerified: true, sites: ['acme-main'], token: 'priya-token' },
    { id: 'hana', name: 'Hana Ito', email: 'hana@acme.test', emailVerified: true, sites: ['acme-main'], token: 'hana-token' },
  );
  w.groups = [{ id: 'confluence-admins', name: 'Confluence admins', members: ['priya', 'hana'] }];
  (w.roles as unknown[]).push({ group: 'confluence-admins', role: 'product_admin', site: 'acme-main', product: 'confluence' });
  // A second Confluence ticket, not granted, so an ask can wait on Priya (asking on a granted ticket is refused).
  w.tickets.push({ key: 'PS-201', title: 'Confluence export', site: 'acme-main', product: 'confluence', reporter: 'bob', engineer: 'sam', status: 'open', dataAccessRequested: true });
  return w;
}

const backends: Backend[] = ADMIN_URL ? ['pglite', 'postgres'] : ['pglite'];

for (const backend of backends) {
  describe(`live directory on ${backend}`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await harness(backend, { world: groupWorld() });
    });
    afterEach(async () => {
      await h?.close();
    });

    const eligible = async (token: string, ticket: string) => (await h.call(token, ROUTES.eligibility, { key: ticket })).json;
    /** Audit rows of `action` that record a change made (`done`), or a refusal. */
    const auditOf = async (action: string, outcome = 'done') =>
      (await h.call('alice-token', ROUTES.audit, { query: { limit: 500 } })).json.entries.filter((e: { action: string; outcome: string }) => e.action === action && e.outcome === outcome);

    it('a role assigned by an org admin is the next decision’s fact; removed, it is gone; each change one audit row', async () => {
      expect((await eligible('bob-token', 'PS-200')).allowed).toBe(false);
      const made = await h.call('alice-token', ROUTES.createRoleAssignment, { user: 'bob', role: 'product_admin', site: 'acme-main', product: 'confluence' });
      expect(made.status, JSON.stringify(made.json)).toBe(201);
      expect(made.json).toMatchObject({ user: 'bob', role: 'product_admin', site: 'acme-main', product: 'confluence', source: 'manual' });
      // The assignment's own address, where DELETE removes it.
      expect(made.headers.get('location')).toBe(pathOf(ROUTES.deleteRoleAssignment, { id: made.json.id }));
      expect(await eligible('bob-token', 'PS-200')).toMatchObject({ allowed: true, via: 'product_admin' });
      const listed = await h.call('alice-token', ROUTES.roleAssignments, { query: { user: 'bob' } });
      expect(listed.json.assignments.map((a: { id: string }) => a.id)).toContain(made.json.id);
      // The same role twice is a conflict, nothing written.
      expect((await h.call('alice-token', ROUTES.createRoleAssignment, { user: 'bob', role: 'product_admin', site: 'acme-main', product: 'confluence' })).status).toBe(409);

      const gone = await h.call('alice-token', ROUTES.deleteRoleAssignment, { id: made.json.id });
      expect(gone.status).toBe(204);
      expect((await eligible('bob-token', 'PS-200')).allowed).toBe(false);
      expect((await h.call('alice-token', ROUTES.deleteRoleAssignment, { id: made.json.id })).status).toBe(404);

      const assigned = await auditOf('directory.role_assign');
      const removed = await auditOf('directory.role_remove');
      expect(assigned).toHaveLength(1);
      expect(removed).toHaveLength(1);
      // The duplicate and the second delete were refused, each on record once.
      expect(await auditOf('directory.role_assign', 'refused')).toHaveLength(1);
      expect(await auditOf('directory.role_remove', 'refused')).toHaveLength(1);
      expect(assigned[0]).toMatchObject({ actor: 'alice', actorKind: 'admin', resource: { type: 'role_assignment', id: made.json.id, user: 'bob', role: 'product_admin' } });
      expect((await verifyAudit(h.db)).ok).toBe(true);
    });

    it('is validated like the world file, for org admins only', async () => {
      const bad = async (body: unknown) => h.call('alice-token', ROUTES.createRoleAssignment, body);
      const foreign = await bad({ user: 'bob', role: 'site_admin', site: 'acme-main' });
      expect(foreign.status).toBe(422);
      expect(foreign.json.detail).toContain('role "site_admin" does not exist in a centralized org');
      const site = await bad({ user: 'bob', role: 'user_access_admin' });
      expect(site.status).toBe(422);
      expect(site.type).toContain('application/problem+json');
      expect(site.json.detail).toContain('user_access_admin needs a "site"');
      const notOnSite = await bad({ user: 'bob', role: 'product_admin', site: 'acme-eu', product: 'confluence' });
      expect(notOnSite.status).toBe(422);
      expect(notOnSite.json.detail).toContain('product "confluence" does not exist on site "acme-eu"');
      expect((await bad({ user: 'nobody', role: 'org_admin' })).json.detail).toContain('user "nobody" does not exist');
      expect((await bad({ group: 'no-group', role: 'org_admin' })).json.detail).toContain('group "no-group" does not exist');
      expect((await bad({ user: 'bob', group: 'confluence-admins', role: 'org_admin' })).status).toBe(400);
      // Not an org admin: 403, whatever the body.
      expect((await h.call('bob-token', ROUTES.createRoleAssignment, { user: 'bob', role: 'org_admin' })).status).toBe(403);
      expect((await h.call('bob-token', ROUTES.roleAssignments)).status).toBe(403);
      // Nothing was written by any of them, and each refusal is on record once.
      expect(await auditOf('directory.role_assign')).toHaveLength(0);
      expect(await auditOf('directory.role_assign', 'refused')).toHaveLength(7);
    });

    it("a person's roles are their own plus their groups'; who can grant is capped, most relevant first, with the total", async () => {
      expect(await eligible('priya-token', 'PS-200')).toMatchObject({ allowed: true, via: 'product_admin' });
      const who = await h.call('alice-token', ROUTES.grantors, { query: { site: 'acme-main', product: 'confluence', limit: 3 } });
      expect(who.status).toBe(200);
      // Org admins (alice, olga) first, then dev (site-wide), then the group's two: five in all, three listed.
      expect(who.json.total).toBe(5);
      expect(who.json.grantors.map((g: { userId: string }) => g.userId)).toEqual(['alice', 'olga', 'dev']);
      expect(who.json.groups).toEqual([expect.objectContaining({ group: 'confluence-admins', name: 'Confluence admins', role: 'product_admin', members: 2 })]);
      const all = await h.call('alice-token', ROUTES.grantors, { query: { site: 'acme-main', product: 'confluence' } });
      expect(all.json.grantors.find((g: { userId: string }) => g.userId === 'priya').via).toMatchObject({ kind: 'group', group: 'confluence-admins', groupName: 'Confluence admins' });

      // Membership ended through the store (as SCIM does): the next decision no longer sees it.
      await h.api.ctx.directoryStore.removeMembers({ kind: 'admin', id: 'alice' }, 'confluence-admins', ['priya']);
      expect((await eligible('priya-token', 'PS-200')).allowed).toBe(false);
      expect((await h.call('alice-token', ROUTES.grantors, { query: { site: 'acme-main', product: 'confluence' } })).json.total).toBe(4);
      // The role removed from the group: Hana too.
      const [role] = (await h.call('alice-token', ROUTES.roleAssignments, { query: { group: 'confluence-admins' } })).json.assignments;
      expect((await h.call('alice-token', ROUTES.deleteRoleAssignment, { id: role.id })).status).toBe(204);
      expect((await eligible('hana-token', 'PS-200')).allowed).toBe(false);
    });

    it('a deactivated person is refused, leaves "who can grant", and their grants stay flagged for org admins with revoke', async () => {
      const g = await h.call('priya-token', ROUTES.grant, { key: 'PS-200' }, {});
      expect(g.status, JSON.stringify(g.json)).toBe(201);
      // An ask waiting on Priya (on a ticket not granted yet).
      expect((await h.call('bob-token', ROUTES.ask, { key: 'PS-201' }, { adminId: 'priya' })).status).toBe(201);
      expect((await h.call('priya-token', ROUTES.inbox)).json.items.some((i: { kind: string }) => i.kind === 'ask')).toBe(true);

      const key = await h.call('alice-token', ROUTES.createApiKey, { name: 'Okta provisioning', scopes: ['scim'] });
      const actor = { kind: 'key' as const, id: key.json.id, name: key.json.name };
      const p = await h.api.ctx.directoryStore.updatePerson(actor, 'priya', { active: false });
      expect(p).toMatchObject({ active: false, version: 2 });

      expect((await h.call('priya-token', ROUTES.me)).status).toBe(401);
      const who = await h.call('alice-token', ROUTES.grantors, { query: { site: 'acme-main', product: 'confluence' } });
      expect(who.json.grantors.map((x: { userId: string }) => x.userId)).not.toContain('priya');
      expect((await eligible('hana-token', 'PS-200')).qualifiedAdmins.map((a: { userId: string }) => a.userId)).not.toContain('priya');

      // The grant stands (the org's consent), flagged for org admins only.
      expect((await h.call('alice-token', ROUTES.getGrant, { id: g.json.id })).json).toMatchObject({ state: 'active', grantedBy: 'priya', grantedByNoLongerCan: true });
      expect((await h.call('hana-token', ROUTES.getGrant, { id: g.json.id })).json.grantedByNoLongerCan).toBeUndefined();
      const flagged = await h.call('alice-token', ROUTES.flaggedGrants);
      expect(flagged.json.grants.map((x: { id: string }) => x.id)).toEqual([g.json.id]);
      expect((await h.call('hana-token', ROUTES.flaggedGrants)).status).toBe(403);

      // The ask waiting on her now waits on those who can.
      const hanaInbox = (await h.call('hana-token', ROUTES.inbox)).json.items.filter((i: { kind: string }) => i.kind === 'ask');
      expect(hanaInbox).toHaveLength(1);
      expect(hanaInbox[0].title).toContain('who can no longer grant');

      // One audit row, naming the key.
      const rows = await auditOf('directory.person_deactivate');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ actor: key.json.id, actorKind: 'key', detail: expect.objectContaining({ keyName: 'Okta provisioning' }) });

      // Revoke from the flag: the grant ends, and the list empties.
      expect((await h.call('alice-token', ROUTES.revoke, { id: g.json.id }, {})).status).toBe(200);
      expect((await h.call('alice-token', ROUTES.flaggedGrants)).json.grants).toEqual([]);
      const sync = await h.call('alice-token', ROUTES.directorySync);
      expect(sync.json.source).toBe('scim');
      // The panel can say when a person was last synced, and through which group a role comes.
      expect((await h.call('hana-token', ROUTES.me)).json).toMatchObject({ lastSyncedAt: null, roleGroups: ['Confluence admins'] });
      await h.api.ctx.directoryStore.updatePerson(actor, 'hana', { name: 'Hana Ito-Berg' });
      const hana = (await h.call('hana-token', ROUTES.me)).json;
      expect(hana).toMatchObject({ name: 'Hana Ito-Berg', lastSyncedAt: expect.any(String) });
    });

    it('a demoted person is no longer offered granting, and may still revoke what they granted', async () => {
      const g = await h.call('bob-token', ROUTES.grant, { key: 'PS-101' }, {});
      expect(g.status, JSON.stringify(g.json)).toBe(201);
      const [own] = (await h.call('alice-token', ROUTES.roleAssignments, { query: { user: 'bob' } })).json.assignments;
      expect((await h.call('alice-token', ROUTES.deleteRoleAssignment, { id: own.id })).status).toBe(204);
      const e = await eligible('bob-token', 'PS-102');
      expect(e.allowed).toBe(false);
      expect(e.causes.map((c: { code: string }) => c.code)).toContain('no_admin_role');
      expect((await h.call('bob-token', ROUTES.grant, { key: 'PS-102' }, {})).status).toBe(403);
      expect((await h.call('alice-token', ROUTES.getGrant, { id: g.json.id })).json.grantedByNoLongerCan).toBe(true);
      expect((await h.call('bob-token', ROUTES.revoke, { id: g.json.id }, {})).status).toBe(200);
    });

    it('the people whose roles changed get a directory event', async () => {
      const made = await h.call('alice-token', ROUTES.createRoleAssignment, { group: 'confluence-admins', role: 'technical_contact', site: 'acme-main', products: ['jira'] });
      expect(made.status, JSON.stringify(made.json)).toBe(201);
      for (const who of ['priya', 'hana']) {
        const ev = (await eventsFor(h.db, who, 0)).filter((x) => x.type === 'directory.changed');
        expect(ev.map((x) => (x.data as { action: string }).action)).toEqual(['directory.role_assign']);
      }
      expect((await eventsFor(h.db, 'bob', 0)).filter((x) => x.type === 'directory.changed')).toEqual([]);
    });

    it('a site that becomes Guard-restricted holds its live grants for Guard; Support is refused until Guard approves', async () => {
      const g = await h.call('alice-token', ROUTES.grant, { key: 'PS-103' }, {});
      expect(g.json.state).toBe('active');
      const check = async () => (await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-103', resource: { type: 'page' } })).json.allowed;
      expect(await check()).toBe(true);
      // Only the vendor's side (an engineer) or an org admin changes it.
      expect((await h.call('bob-token', ROUTES.setSiteGuard, { id: 'acme-main' }, { restricted: true })).status).toBe(403);
      const site = await h.call('sam-token', ROUTES.setSiteGuard, { id: 'acme-main' }, { restricted: true });
      expect(site.status, JSON.stringify(site.json)).toBe(200);
      expect(site.json).toMatchObject({ id: 'acme-main', guardRestricted: true, grantsAffected: 1 });
      expect(await check()).toBe(false);
      expect((await h.call('alice-token', ROUTES.getGrant, { id: g.json.id })).json.state).toBe('pending_guard_approval');
      expect((await eligible('alice-token', 'PS-104')).guardApprovalRequired).toBe(true);
      expect((await h.call('gus-token', ROUTES.guardDecision, { id: g.json.id }, { decision: 'approve' })).status).toBe(200);
      expect(await check()).toBe(true);
      // A site pending deletion refuses grants and Support's access at once.
      expect((await h.call('sam-token', ROUTES.setSiteStatus, { id: 'acme-main' }, { status: 'pending_deletion' })).json.status).toBe('pending_deletion');
      expect(await check()).toBe(false);
      expect((await eligible('alice-token', 'PS-104')).causes.map((c: { code: string }) => c.code)).toContain('site_deactivated');
      expect(await auditOf('directory.site_guard')).toHaveLength(1);
      expect(await auditOf('directory.site_status')).toHaveLength(1);
      // The restricted party never lifts its restriction: an engineer may not lift Guard or
      // reactivate a site (each refusal on record); the customer's org admin may.
      expect((await h.call('lee-token', ROUTES.setSiteGuard, { id: 'acme-main' }, { restricted: false })).status).toBe(403);
      expect((await h.call('sam-token', ROUTES.setSiteStatus, { id: 'acme-main' }, { status: 'active' })).status).toBe(403);
      expect(await auditOf('directory.site_guard', 'refused')).toHaveLength(2); // bob's, and lee's
      expect(await auditOf('directory.site_status', 'refused')).toHaveLength(1);
      expect((await eligible('alice-token', 'PS-104')).causes.map((c: { code: string }) => c.code)).toContain('site_deactivated');
      expect((await h.call('alice-token', ROUTES.setSiteStatus, { id: 'acme-main' }, { status: 'active' })).json.status).toBe('active');
      expect((await h.call('alice-token', ROUTES.setSiteGuard, { id: 'acme-main' }, { restricted: false })).json.guardRestricted).toBe(false);
    });

    it("a ticket reassigned to another engineer ends the old engineer's access at once", async () => {
      const g = await h.call('alice-token', ROUTES.grant, { key: 'PS-105' }, {});
      expect(g.status).toBe(201);
      const check = async (token: string) => (await h.call(token, ROUTES.checkAccess, { ticket: 'PS-105', resource: { type: 'page' } })).json.allowed;
      expect(await check('sam-token')).toBe(true);
      expect(await check('lee-token')).toBe(false);
      // Only the engineer on the ticket hands it over.
      expect((await h.call('lee-token', ROUTES.assignTicket, { key: 'PS-105' }, { engineer: 'lee' })).status).toBe(403);
      const moved = await h.call('sam-token', ROUTES.assignTicket, { key: 'PS-105' }, { engineer: 'lee' });
      expect(moved.status, JSON.stringify(moved.json)).toBe(200);
      expect(moved.json).toMatchObject({ key: 'PS-105', engineer: 'lee', previous: 'sam', grantsMoved: 1 });
      expect(await check('sam-token')).toBe(false);
      expect(await check('lee-token')).toBe(true);
      expect((await h.call('alice-token', ROUTES.ticket, { key: 'PS-105' })).json.engineer).toBe('lee');
      const [row] = await auditOf('ticket.assign');
      expect(row).toMatchObject({ actor: 'sam', actorKind: 'engineer', ticket: 'PS-105' });
    });

    it('the store matches people by the one normalized email and keeps one person', async () => {
      const store = h.api.ctx.directoryStore;
      const actor = { kind: 'admin' as const, id: 'alice' };
      const p = await store.createPerson(actor, { email: 'Zoe.Kim@Acme.test', givenName: 'Zoe', familyName: 'Kim' });
      expect(p).toMatchObject({ name: 'Zoe Kim', emailNormalized: 'zoe.kim@acme.test', active: true, sites: ['acme-main', 'acme-eu', 'acme-old'] });
      await expect(store.createPerson(actor, { email: 'zoe.kim@acme.test' })).rejects.toMatchObject({ code: 'conflict' });
      expect((await store.findPersonByEmail('ZOE.KIM@acme.test'))?.id).toBe(p.id);
      const page = await store.listPeople({ filter: [{ attribute: 'userName', op: 'sw', value: 'zoe' }], startIndex: 1, count: 10 });
      expect(page).toMatchObject({ total: 1, items: [expect.objectContaining({ id: p.id })] });
      const g = await store.createGroup(actor, { name: 'Jira admins', members: [p.id] });
      const role = await h.call('alice-token', ROUTES.createRoleAssignment, { group: g.id, role: 'product_admin', site: 'acme-main', product: 'jira' });
      expect(role.status).toBe(201);
      expect(h.api.ctx.ix.rolesByUser.get(p.id)?.map((r) => r.role)).toEqual(['product_admin']);
      await expect(store.addMembers(actor, g.id, ['nobody'])).rejects.toMatchObject({ code: 'invalid' });
      expect(await store.deleteGroup(actor, g.id)).toBe(true);
      expect(h.api.ctx.ix.rolesByUser.get(p.id)).toBeUndefined();
      const lookup = await h.call('alice-token', ROUTES.directoryLookup, { query: { q: 'zoe' } });
      expect(lookup.json.people).toEqual([expect.objectContaining({ id: p.id, name: 'Zoe Kim', active: true })]);
    });

    it('the index patched change by change is the index built from scratch', async () => {
      const store = h.api.ctx.directoryStore;
      const actor = { kind: 'admin' as const, id: 'alice' };
      const before = h.api.ctx.directory.patches;
      const zoe = await store.createPerson(actor, { email: 'zoe@acme.test', name: 'Zoe Kim' });
      const g = await store.createGroup(actor, { name: 'Jira admins', members: ['bob', zoe.id] });
      expect((await h.call('alice-token', ROUTES.createRoleAssignment, { group: g.id, role: 'user_access_admin', site: 'acme-eu' })).status).toBe(201);
      expect((await h.call('alice-token', ROUTES.createRoleAssignment, { user: 'hana', role: 'guard_admin' })).status).toBe(201);
      await store.addMembers(actor, 'confluence-admins', [zoe.id]);
      await store.removeMembers(actor, 'confluence-admins', ['hana']);
      await store.updatePerson(actor, 'priya', { active: false });
      await store.updatePerson(actor, zoe.id, { email: 'zoe.kim@acme.test' });
      await store.replaceMembers(actor, g.id, ['dev']);
      await store.deletePerson(actor, 'gwen');
      expect(h.api.ctx.directory.patches - before).toBe(10);
      const fresh = indexWorld(worldOf(h.api.ctx.ix.world, (await readDirectory(h.db))!));
      const patched = h.api.ctx.ix;
      const roles = (ix: typeof fresh) => Object.fromEntries([...ix.rolesByUser].map(([u, rs]) => [u, rs.map((r) => `${r.role}/${r.site ?? ''}/${r.product ?? ''}/${r.group ?? ''}`).sort()]).sort());
      expect(roles(patched)).toEqual(roles(fresh));
      for (const p of patched.world.products) expect(grantorsOf(patched, p.site, p.key, 100)).toEqual(grantorsOf(fresh, p.site, p.key, 100));
      expect([...patched.usersByEmail.keys()].sort()).toEqual([...fresh.usersByEmail.keys()].sort());
      expect(h.api.ctx.guardAdmins.sort()).toEqual(['gus', 'hana']);
      expect((await h.call('hana-token', ROUTES.inbox)).status).toBe(200);
    });

    it('a group of many holding a role keeps eligibility answers short: the strongest first, with the total', async () => {
      const store = h.api.ctx.directoryStore;
      const actor = { kind: 'admin' as const, id: 'alice' };
      const many = [];
      for (let i = 0; i < 30; i++) many.push((await store.createPerson(actor, { email: `member${i}@acme.test`, name: `Member ${String(i).padStart(2, '0')}` })).id);
      await store.addMembers(actor, 'confluence-admins', many);
      const e = await eligible('bob-token', 'PS-200');
      // Alice, Olga (org), Dev (site), then product admins by name: 2 + 1 + 32 = 35, 20 listed.
      expect(e.qualifiedAdminsTotal).toBe(35);
      expect(e.qualifiedAdmins).toHaveLength(20);
      expect(e.qualifiedAdmins.slice(0, 3).map((a: { userId: string }) => a.userId)).toEqual(['alice', 'olga', 'dev']);
      const small = await eligible('bob-token', 'PS-101');
      expect(small.qualifiedAdminsTotal).toBeUndefined();
      const who = await h.call('alice-token', ROUTES.grantors, { query: { site: 'acme-main', product: 'confluence' } });
      expect(who.json).toMatchObject({ total: 35, groups: [expect.objectContaining({ group: 'confluence-admins', members: 32 })] });
      expect(who.json.grantors).toHaveLength(20);
    });
  });
}
