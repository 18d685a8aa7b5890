// Who may call what: a Support engineer is refused on every admin route, and an admin's rights stop
// at the sites they administer. On PGlite always, and on PostgreSQL when DATABASE_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_URL, harness, type Backend, type Harness } from '../helpers';
import { ROUTES, routeKey } from '../../../src/api/contract';
import type { RouteCall } from '../../support/api-call';
import { SCIM_ROUTES } from '../../../src/api/scim-contract';

const PROBLEM = 'application/problem+json';
const FORBIDDEN = 'https://access-companion.dev/problems/forbidden';

/** Routes any caller may use (each answers within the caller's own view); everything else is for admins. */
const SHARED = new Set(
  [
    ROUTES.health,
    ROUTES.openapi,
    ROUTES.me,
    // Signing in and out is everyone's own business (the session's person, test/server/identity/sign-in.test.ts).
    ROUTES.authConfig,
    ROUTES.createSession,
    ROUTES.signOut,
    ROUTES.inbox,
    ROUTES.ticket,
    ROUTES.ticketGrants,
    ROUTES.grants,
    ROUTES.getGrant,
    ROUTES.requestAccess,
    ROUTES.closeTicket,
    ROUTES.checkAccess,
    // Support asks for a change on its own ticket; the ticket's stakeholders and its engineer read them.
    ROUTES.createChangeRequest,
    ROUTES.ticketChangeRequests,
    ROUTES.changeRequest,
    // The vendor's side of the directory (issue 21): the support system, with an engineer's credentials.
    ROUTES.setSiteStatus,
    ROUTES.setSiteGuard,
    ROUTES.assignTicket,
  ].map(routeKey),
);

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`authorization on ${backend}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness(backend);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('an engineer token gets 403 problem+json on every admin route, and nothing changes', async () => {
      const ar = await h.call('bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence' });
      expect(ar.status).toBe(201);
      const cr = await h.call('sam-token', ROUTES.createChangeRequest, { key: 'PS-103' }, { action: 'update', resource: 'workflow:Bug', reason: 'r', duration: 'PT1H' });
      expect(cr.status).toBe(201);
      const calls: RouteCall[] = [
        [ROUTES.approveChangeRequest, { id: cr.json.id }, {}],
        [ROUTES.declineChangeRequest, { id: cr.json.id }, {}],
        [ROUTES.guardDecideChangeRequest, { id: cr.json.id }, { decision: 'approve' }],
        [ROUTES.eligibility, { key: 'PS-101' }],
        [ROUTES.newTicketEligibility, { query: { site: 'acme-main', product: 'jira' } }],
        [ROUTES.createTicket, { site: 'acme-main', product: 'jira', summary: 'Raised by Support', grantDataAccess: false }],
        [ROUTES.grant, { key: 'PS-102' }, {}],
        [ROUTES.grantAiConversations, { key: 'PS-200' }, { conversations: ['conv-1'] }],
        [ROUTES.ask, { key: 'PS-101' }, { adminId: 'alice' }],
        [ROUTES.activity, { key: 'PS-101' }],
        [ROUTES.ticketView, { key: 'PS-101' }],
        [ROUTES.revoke, { id: 'sr_PS-102' }, {}],
        [ROUTES.guardDecision, { id: 'sr_PS-102' }, { decision: 'approve' }],
        [ROUTES.supportRequests],
        [ROUTES.bulkGrant, { tickets: ['PS-102', 'PS-104'] }],
        [ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira' }],
        [ROUTES.accessRequests],
        [ROUTES.accessRequest, { id: ar.json.id }],
        [ROUTES.approveAccessRequest, { id: ar.json.id }, {}],
        [ROUTES.denyAccessRequest, { id: ar.json.id }, {}],
        [ROUTES.accessRequestContext, { query: { site: 'acme-main', product: 'jira' } }],
        [ROUTES.myAccessRequests],
        [ROUTES.bulkDecideAccessRequests, { ids: [ar.json.id], decision: 'approve' }],
        [ROUTES.audit],
        [ROUTES.verifyAudit],
        [ROUTES.auditStream],
        [ROUTES.auditCheckpoints],
        [ROUTES.auditPublicKey],
        [ROUTES.events],
        [ROUTES.createApiKey, { name: 'made by an engineer', scopes: ['audit_read'] }],
        [ROUTES.apiKeys],
        [ROUTES.deleteApiKey, { id: 'key_any' }],
        [ROUTES.createRoleAssignment, { user: 'bob', role: 'org_admin' }],
        [ROUTES.roleAssignments],
        [ROUTES.deleteRoleAssignment, { id: 'role_w1' }],
        [ROUTES.grantors, { query: { site: 'acme-main', product: 'jira' } }],
        [ROUTES.directoryLookup, { query: { q: 'a' } }],
        [ROUTES.directorySites],
        [ROUTES.directorySync],
        [ROUTES.flaggedGrants],
      ];
      // The SCIM service provider (a scim key's only): 403 in the SCIM error schema, nothing changes.
      const scimCalls: RouteCall[] = [
        [SCIM_ROUTES.scimServiceProviderConfig],
        [SCIM_ROUTES.scimResourceTypes],
        [SCIM_ROUTES.scimResourceType, { id: 'User' }],
        [SCIM_ROUTES.scimSchemas],
        [SCIM_ROUTES.scimSchema, { id: 'urn:ietf:params:scim:schemas:core:2.0:User' }],
        [SCIM_ROUTES.scimCreateUser, { userName: 'made@acme.test' }],
        [SCIM_ROUTES.scimUsers],
        [SCIM_ROUTES.scimUser, { id: 'bob' }],
        [SCIM_ROUTES.scimReplaceUser, { id: 'bob' }, { userName: 'bob@acme.test', active: false }],
        [SCIM_ROUTES.scimPatchUser, { id: 'bob' }, { Operations: [{ op: 'replace', value: { active: false } }] }],
        [SCIM_ROUTES.scimDeleteUser, { id: 'bob' }],
        [SCIM_ROUTES.scimCreateGroup, { displayName: 'made' }],
        [SCIM_ROUTES.scimGroups],
        [SCIM_ROUTES.scimGroup, { id: 'any' }],
        [SCIM_ROUTES.scimReplaceGroup, { id: 'any' }, { displayName: 'x' }],
        [SCIM_ROUTES.scimPatchGroup, { id: 'any' }, { Operations: [{ op: 'add', path: 'members', value: [{ value: 'bob' }] }] }],
        [SCIM_ROUTES.scimDeleteGroup, { id: 'any' }],
      ];
      // Every registered route is either shared or in the lists above: a new admin route must be added here.
      const registered = h.api.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`);
      const covered = new Set([...SHARED, ...[...calls, ...scimCalls].map((c) => routeKey(c[0]))]);
      expect(registered.filter((r) => !covered.has(r))).toEqual([]);

      for (const call of calls) {
        const name = routeKey(call[0]);
        const r = await h.call('sam-token', ...call);
        expect(r.status, `${name} → ${r.status} ${JSON.stringify(r.json)}`).toBe(403);
        expect(r.type, name).toContain(PROBLEM);
        expect(r.json.type, name).toBe(FORBIDDEN);
        expect(r.json.results, name).toBeUndefined();
      }
      for (const call of scimCalls) {
        const name = routeKey(call[0]);
        const r = await h.call('sam-token', ...call);
        expect(r.status, `${name} → ${r.status} ${JSON.stringify(r.json)}`).toBe(403);
        expect(r.type, name).toContain('application/scim+json');
        expect(r.json, name).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '403' });
      }
      expect((await h.call('bob-token', ROUTES.me)).status).toBe(200);
      const sr = await h.call('alice-token', ROUTES.getGrant, { id: 'sr_PS-102' });
      expect(sr.json.state).toBe('requested');
      expect((await h.call('dev-token', ROUTES.accessRequest, { id: ar.json.id })).json.state).toBe('pending');
    });

    it('bulk grant refuses a caller with no admin role up front, not row by row', async () => {
      const r = await h.call('nora-token', ROUTES.bulkGrant, { tickets: ['PS-104'] });
      expect(r.status).toBe(403);
      expect(r.json.type).toBe(FORBIDDEN);
      expect((await h.call('alice-token', ROUTES.getGrant, { id: 'sr_PS-104' })).json.state).toBe('requested');
    });

    it('an admin of one site cannot grant or revoke on another', async () => {
      const grant = await h.call('dev-token', ROUTES.grant, { key: 'EU-1' }, {});
      expect(grant.status).toBe(403);
      expect(grant.json.causes.map((c: { code: string }) => c.code)).toContain('wrong_site');
      expect((await h.call('sam-token', ROUTES.checkAccess, { ticket: 'EU-1', resource: 'page' })).json.allowed).toBe(false);

      const g = await h.call('alice-token', ROUTES.grant, { key: 'EU-5' }, {});
      expect(g.status).toBe(201);
      const revoke = await h.call('dev-token', ROUTES.revoke, { id: g.json.id }, {});
      expect(revoke.status).toBe(403);
      expect(revoke.json.type).toBe(FORBIDDEN);
      expect((await h.call('alice-token', ROUTES.getGrant, { id: g.json.id })).json.state).toBe(g.json.state);
      // The same admin may act on their own site.
      expect((await h.call('dev-token', ROUTES.grant, { key: 'PS-106' }, {})).status).toBe(201);
    });

    it("a user-access admin cannot decide a request for a site they don't administer", async () => {
      const ar = await h.call('alice-token', ROUTES.requestProductAccess, { site: 'acme-eu', product: 'jira', for: { userId: 'mia' } });
      expect(ar.status).toBe(201);
      for (const [decision, route] of [
        ['approve', ROUTES.approveAccessRequest],
        ['deny', ROUTES.denyAccessRequest],
      ] as const) {
        const r = await h.call('dev-token', route, { id: ar.json.id }, {});
        expect(r.status, decision).toBe(403);
        expect(r.json).toMatchObject({ type: FORBIDDEN, code: 'not_reviewer' });
      }
      const listed = await h.call('dev-token', ROUTES.accessRequests);
      expect(listed.json.requests.map((x: { id: string }) => x.id)).not.toContain(ar.json.id);
      expect((await h.call('olga-token', ROUTES.accessRequest, { id: ar.json.id })).json).toMatchObject({ state: 'pending', seatsNow: 18 });
      // An org admin of every site may.
      expect((await h.call('olga-token', ROUTES.approveAccessRequest, { id: ar.json.id }, {})).json.state).toBe('approved');
    });
  });
}
