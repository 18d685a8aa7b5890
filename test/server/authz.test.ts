// Who may call what: a Support engineer is refused on every admin route, and an admin's rights stop
// at the sites they administer. On PGlite always, and on PostgreSQL when DATABASE_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_URL, harness, type Backend, type Harness } from './helpers';

const PROBLEM = 'application/problem+json';
const FORBIDDEN = 'https://access-companion.dev/problems/forbidden';

/** Routes any caller may use (each answers within the caller's own view); everything else is for admins. */
const SHARED = new Set([
  'GET /healthz',
  'GET /openapi.json',
  'GET /v1/me',
  // Signing in and out is everyone's own business (the session's person, test/server/sign-in.test.ts).
  'GET /v1/auth/config',
  'POST /v1/auth/session',
  'POST /v1/auth/sign-out',
  'GET /v1/inbox',
  'GET /v1/tickets/:key',
  'GET /v1/tickets/:key/grants',
  'GET /v1/grants',
  'GET /v1/grants/:id',
  'POST /v1/tickets/:key/request-access',
  'POST /v1/tickets/:key/close',
  'POST /v1/access/check',
  // Support asks for a change on its own ticket; the ticket's stakeholders and its engineer read them.
  'POST /v1/tickets/:key/change-requests',
  'GET /v1/tickets/:key/change-requests',
  'GET /v1/change-requests/:id',
]);

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
      const ar = await h.req('bob-token', 'POST', '/v1/access-requests', { site: 'acme-main', product: 'confluence' });
      expect(ar.status).toBe(201);
      const cr = await h.req('sam-token', 'POST', '/v1/tickets/PS-103/change-requests', { action: 'update', resource: 'workflow:Bug', reason: 'r', duration: 'PT1H' });
      expect(cr.status).toBe(201);
      const calls: Array<[string, string, string, unknown?]> = [
        ['POST /v1/change-requests/:id/approve', 'POST', `/v1/change-requests/${cr.json.id}/approve`, {}],
        ['POST /v1/change-requests/:id/decline', 'POST', `/v1/change-requests/${cr.json.id}/decline`, {}],
        ['POST /v1/change-requests/:id/guard-decision', 'POST', `/v1/change-requests/${cr.json.id}/guard-decision`, { decision: 'approve' }],
        ['GET /v1/tickets/:key/eligibility', 'GET', '/v1/tickets/PS-101/eligibility'],
        ['GET /v1/eligibility', 'GET', '/v1/eligibility?site=acme-main&product=jira'],
        ['POST /v1/tickets', 'POST', '/v1/tickets', { site: 'acme-main', product: 'jira', summary: 'Raised by Support', grantDataAccess: false }],
        ['POST /v1/tickets/:key/grants', 'POST', '/v1/tickets/PS-102/grants', {}],
        ['POST /v1/tickets/:key/ai-grants', 'POST', '/v1/tickets/PS-200/ai-grants', { conversations: ['conv-1'] }],
        ['POST /v1/tickets/:key/ask', 'POST', '/v1/tickets/PS-101/ask', { adminId: 'alice' }],
        ['GET /v1/tickets/:key/activity', 'GET', '/v1/tickets/PS-101/activity'],
        ['POST /v1/grants/:id/revoke', 'POST', '/v1/grants/sr_PS-102/revoke', {}],
        ['POST /v1/grants/:id/guard-decision', 'POST', '/v1/grants/sr_PS-102/guard-decision', { decision: 'approve' }],
        ['GET /v1/support-requests', 'GET', '/v1/support-requests'],
        ['POST /v1/support-requests/bulk-grant', 'POST', '/v1/support-requests/bulk-grant', { tickets: ['PS-102', 'PS-104'] }],
        ['POST /v1/access-requests', 'POST', '/v1/access-requests', { site: 'acme-main', product: 'jira' }],
        ['GET /v1/access-requests', 'GET', '/v1/access-requests'],
        ['GET /v1/access-requests/:id', 'GET', `/v1/access-requests/${ar.json.id}`],
        ['POST /v1/access-requests/:id/approve', 'POST', `/v1/access-requests/${ar.json.id}/approve`, {}],
        ['POST /v1/access-requests/:id/deny', 'POST', `/v1/access-requests/${ar.json.id}/deny`, {}],
        ['GET /v1/access-requests/context', 'GET', '/v1/access-requests/context?site=acme-main&product=jira'],
        ['GET /v1/me/access-requests', 'GET', '/v1/me/access-requests'],
        ['POST /v1/access-requests/bulk-decision', 'POST', '/v1/access-requests/bulk-decision', { ids: [ar.json.id], decision: 'approve' }],
        ['GET /v1/audit', 'GET', '/v1/audit'],
        ['GET /v1/audit/verify', 'GET', '/v1/audit/verify'],
        ['GET /v1/audit/stream', 'GET', '/v1/audit/stream'],
        ['GET /v1/audit/checkpoints', 'GET', '/v1/audit/checkpoints'],
        ['GET /v1/audit/public-key', 'GET', '/v1/audit/public-key'],
        ['GET /v1/events', 'GET', '/v1/events'],
        ['POST /v1/api-keys', 'POST', '/v1/api-keys', { name: 'made by an engineer', scopes: ['audit_read'] }],
        ['GET /v1/api-keys', 'GET', '/v1/api-keys'],
        ['DELETE /v1/api-keys/:id', 'DELETE', '/v1/api-keys/key_any'],
      ];
      // Every registered route is either shared or in the list above: a new admin route must be added here.
      const registered = h.api.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`);
      const covered = new Set([...SHARED, ...calls.map((c) => c[0])]);
      expect(registered.filter((r) => !covered.has(r))).toEqual([]);

      for (const [name, method, path, body] of calls) {
        const r = await h.req('sam-token', method, path, body);
        expect(r.status, `${name} → ${r.status} ${JSON.stringify(r.json)}`).toBe(403);
        expect(r.type, name).toContain(PROBLEM);
        expect(r.json.type, name).toBe(FORBIDDEN);
        expect(r.json.results, name).toBeUndefined();
      }
      const sr = await h.req('alice-token', 'GET', '/v1/grants/sr_PS-102');
      expect(sr.json.state).toBe('requested');
      expect((await h.req('dev-token', 'GET', `/v1/access-requests/${ar.json.id}`)).json.state).toBe('pending');
    });

    it('bulk grant refuses a caller with no admin role up front, not row by row', async () => {
      const r = await h.req('nora-token', 'POST', '/v1/support-requests/bulk-grant', { tickets: ['PS-104'] });
      expect(r.status).toBe(403);
      expect(r.json.type).toBe(FORBIDDEN);
      expect((await h.req('alice-token', 'GET', '/v1/grants/sr_PS-104')).json.state).toBe('requested');
    });

    it('an admin of one site cannot grant or revoke on another', async () => {
      const grant = await h.req('dev-token', 'POST', '/v1/tickets/EU-1/grants', {});
      expect(grant.status).toBe(403);
      expect(grant.json.causes.map((c: { code: string }) => c.code)).toContain('wrong_site');
      expect((await h.req('sam-token', 'POST', '/v1/access/check', { ticket: 'EU-1', resource: 'page' })).json.allowed).toBe(false);

      const g = await h.req('alice-token', 'POST', '/v1/tickets/EU-5/grants', {});
      expect(g.status).toBe(201);
      const revoke = await h.req('dev-token', 'POST', `/v1/grants/${g.json.id}/revoke`, {});
      expect(revoke.status).toBe(403);
      expect(revoke.json.type).toBe(FORBIDDEN);
      expect((await h.req('alice-token', 'GET', `/v1/grants/${g.json.id}`)).json.state).toBe(g.json.state);
      // The same admin may act on their own site.
      expect((await h.req('dev-token', 'POST', '/v1/tickets/PS-106/grants', {})).status).toBe(201);
    });

    it("a user-access admin cannot decide a request for a site they don't administer", async () => {
      const ar = await h.req('alice-token', 'POST', '/v1/access-requests', { site: 'acme-eu', product: 'jira', for: { userId: 'mia' } });
      expect(ar.status).toBe(201);
      for (const decision of ['approve', 'deny']) {
        const r = await h.req('dev-token', 'POST', `/v1/access-requests/${ar.json.id}/${decision}`, {});
        expect(r.status, decision).toBe(403);
        expect(r.json).toMatchObject({ type: FORBIDDEN, code: 'not_reviewer' });
      }
      const listed = await h.req('dev-token', 'GET', '/v1/access-requests');
      expect(listed.json.requests.map((x: { id: string }) => x.id)).not.toContain(ar.json.id);
      expect((await h.req('olga-token', 'GET', `/v1/access-requests/${ar.json.id}`)).json).toMatchObject({ state: 'pending', seatsNow: 18 });
      // An org admin of every site may.
      expect((await h.req('olga-token', 'POST', `/v1/access-requests/${ar.json.id}/approve`, {})).json.state).toBe('approved');
    });
  });
}
