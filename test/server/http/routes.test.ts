// The DESIGN §4 contract and the extension routes over app.request(): on PGlite always, and on
// PostgreSQL (a fresh database) when DATABASE_URL is set.
import { DEMO_EXTENSION_ID } from '../../../src/api/extension-ids';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_URL, harness, type Backend, type Harness, TEST_AUDIT_KEY } from '../helpers';
import { ROUTES, type RouteDef } from '../../../src/api/contract';
import { SCIM_ROUTES } from '../../../src/api/scim-contract';
import { callApi, pathOf } from '../../support/api-call';

const PROBLEM = 'application/problem+json';
const backends: Backend[] = ['pglite', 'postgres'];
if (!ADMIN_URL) console.log('server routes: PostgreSQL suite skipped because DATABASE_URL is unset');

for (const backend of backends) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`Access API routes on ${backend}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness(backend);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('refuses requests without a valid token with a 401 problem', async () => {
      const r = await h.call('nope', ROUTES.me);
      expect(r.status).toBe(401);
      expect(r.type).toContain(PROBLEM);
      expect(r.json.type).toBe('https://access-companion.dev/problems/unauthenticated');
    });

    it('answers who am I for admins and engineers', async () => {
      const a = await h.call('alice-token', ROUTES.me);
      expect(a.json).toMatchObject({ kind: 'admin', id: 'alice', org: { id: 'acme', userManagement: 'centralized' }, roles: [{ role: 'org_admin' }] });
      const e = await h.call('sam-token', ROUTES.me);
      expect(e.json).toMatchObject({ kind: 'engineer', id: 'sam' });
    });

    it('explains eligibility with causes and who can, in the contract shape', async () => {
      const r = await h.call('bob-token', ROUTES.eligibility, { key: 'PS-200' });
      expect(r.status).toBe(200);
      expect(r.json.allowed).toBe(false);
      expect(r.json.causes.map((c: { code: string }) => c.code)).toEqual(['wrong_product']);
      expect(r.json.qualifiedAdmins.map((a: { userId: string }) => a.userId)).toContain('alice');
      expect(r.json).toHaveProperty('guardApprovalRequired', false);
      expect(r.json.scope).toMatchObject({ product: 'confluence', site: 'acme-main' });
      const ok = await h.call('bob-token', ROUTES.eligibility, { key: 'PS-101' });
      expect(ok.json).toMatchObject({ allowed: true, via: 'product_admin', causes: [] });
    });

    it('grants (201 active), refuses with 403 causes, and enforces through access/check', async () => {
      const refused = await h.call('bob-token', ROUTES.grant, { key: 'PS-200' }, {});
      expect(refused.status).toBe(403);
      expect(refused.type).toContain(PROBLEM);
      expect(refused.json.causes[0].code).toBe('wrong_product');

      const before = await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-101', resource: { type: 'work_item', id: 'X-1' } });
      expect(before.json.allowed).toBe(false);
      const g = await h.call('bob-token', ROUTES.grant, { key: 'PS-101' }, {});
      expect(g.status).toBe(201);
      expect(g.json).toEqual({ id: expect.any(String), state: 'active' });
      expect(g.headers.get('etag')).toBeTruthy();
      const after = await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-101', resource: { type: 'work_item', id: 'X-1' } });
      expect(after.json.allowed).toBe(true);
      const short = await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-101', resource: 'comment:C-9' });
      expect(short.json.allowed).toBe(true);
      const aiByGrant = await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-101', resource: 'ai_conversation:conv-1' });
      expect(aiByGrant.json.allowed).toBe(false);
      const badShort = await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-101', resource: 'mailbox:1' });
      expect(badShort.status).toBe(400);
      const otherSite = await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-101', resource: { type: 'page', site: 'acme-eu' } });
      expect(otherSite.json.allowed).toBe(false);
      const lee = await h.call('lee-token', ROUTES.checkAccess, { ticket: 'PS-101', resource: { type: 'page' } });
      expect(lee.json.allowed).toBe(false);

      const again = await h.call('alice-token', ROUTES.grant, { key: 'PS-101' }, {});
      expect(again.status).toBe(409);

      const rv = await h.call('bob-token', ROUTES.revoke, { id: g.json.id }, {});
      expect(rv.json.state).toBe('revoked');
      const gone = await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-101', resource: { type: 'work_item' } });
      expect(gone.json.allowed).toBe(false);
      const twice = await h.call('bob-token', ROUTES.revoke, { id: g.json.id }, {});
      expect(twice.status).toBe(409);
      expect(twice.json.type).toBe('https://access-companion.dev/problems/illegal-transition');
    });

    it('holds grants on Guard-restricted sites until another admin decides', async () => {
      const ticket = await h.call('alice-token', ROUTES.ticket, { key: 'EU-1' });
      expect(ticket.json.guardAdmins.map((a: { userId: string }) => a.userId)).toContain('gus');
      expect((await h.call('alice-token', ROUTES.ticket, { key: 'PS-101' })).json.guardAdmins).toEqual([]);
      const g = await h.call('alice-token', ROUTES.grant, { key: 'EU-1' }, {});
      expect(g.json.state).toBe('pending_guard_approval');
      expect((await h.call('lee-token', ROUTES.checkAccess, { ticket: 'EU-1', resource: { type: 'page' } })).json.allowed).toBe(false);
      const inbox = await h.call('gus-token', ROUTES.inbox);
      expect(inbox.json.items.some((i: { kind: string; ticket: string }) => i.kind === 'guard_approval' && i.ticket === 'EU-1')).toBe(true);
      expect((await h.call('bob-token', ROUTES.guardDecision, { id: g.json.id }, { decision: 'approve' })).status).toBe(403);
      const ok = await h.call('gus-token', ROUTES.guardDecision, { id: g.json.id }, { decision: 'approve' });
      expect(ok.json.state).toBe('active');
      expect((await h.call('lee-token', ROUTES.checkAccess, { ticket: 'EU-1', resource: { type: 'page' } })).json.allowed).toBe(true);
      const late = await h.call('gwen-token', ROUTES.guardDecision, { id: g.json.id }, { decision: 'deny' });
      expect(late.status).toBe(409);
    });

    it('honours If-Match: a stale ETag gets 412', async () => {
      const g = await h.call('alice-token', ROUTES.grant, { key: 'EU-2' }, {});
      const etag = g.headers.get('etag')!;
      const current = await h.call('alice-token', ROUTES.getGrant, { id: g.json.id });
      expect(current.headers.get('etag')).toBe(etag);
      expect((await h.call('gus-token', ROUTES.guardDecision, { id: g.json.id }, { decision: 'deny' }, { headers: { 'if-match': etag } })).json.state).toBe('denied');
      const stale = await h.call('alice-token', ROUTES.revoke, { id: g.json.id }, {}, { headers: { 'if-match': etag } });
      expect(stale.status).toBe(412);
      expect(stale.type).toContain(PROBLEM);
    });

    it('closing a ticket revokes its grants; engineers request access; AI grants name conversations', async () => {
      const rq = await h.call('sam-token', ROUTES.requestAccess, { key: 'PS-103' }, {});
      expect(rq.status).toBe(201);
      expect(rq.json.state).toBe('requested');
      const sr = await h.call('bob-token', ROUTES.supportRequests);
      expect(sr.json.requests.some((r: { ticket: string }) => r.ticket === 'PS-103')).toBe(true);
      const bulk = await h.call('bob-token', ROUTES.bulkGrant, { tickets: ['PS-103', 'PS-200', 'NOPE-1'] });
      expect(bulk.json.results.map((r: { ticket: string; ok: boolean; status: number }) => [r.ticket, r.ok, r.status])).toEqual([
        ['PS-103', true, 201],
        ['PS-200', false, 403],
        ['NOPE-1', false, 404],
      ]);
      expect(bulk.json.results[0].id).toBe(rq.json.id);
      expect(bulk.json.results[1].causes[0].code).toBe('wrong_product');

      const ai = await h.call('alice-token', ROUTES.grantAiConversations, { key: 'PS-200' }, { conversations: ['conv-1'] });
      expect(ai.status).toBe(201);
      expect((await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-200', resource: { type: 'ai_conversation', conversation: 'conv-1' } })).json.allowed).toBe(true);
      expect((await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-200', resource: { type: 'ai_conversation', conversation: 'conv-2' } })).json.allowed).toBe(false);

      expect((await h.call('lee-token', ROUTES.closeTicket, { key: 'PS-103' }, {})).status).toBe(403);
      const closed = await h.call('sam-token', ROUTES.closeTicket, { key: 'PS-103' }, {});
      expect(closed.json.revoked).toEqual([rq.json.id]);
      const grants = await h.call('alice-token', ROUTES.ticketGrants, { key: 'PS-103' });
      expect(grants.json.grants[0]).toMatchObject({ state: 'revoked', revokeReason: 'ticket_closed' });
      expect((await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-103', resource: { type: 'page' } })).json.allowed).toBe(false);
      const el = await h.call('alice-token', ROUTES.eligibility, { key: 'PS-103' });
      expect(el.json.causes.map((c: { code: string }) => c.code)).toContain('ticket_closed');
    });

    it('asks a qualified admin: it lands in their inbox; the inbox answers 304 while unchanged', async () => {
      const first = await h.call('olga-token', ROUTES.inbox);
      const etag = first.headers.get('etag')!;
      expect((await h.call('olga-token', ROUTES.inbox, { headers: { 'if-none-match': etag } })).status).toBe(304);
      const ask = await h.call('bob-token', ROUTES.ask, { key: 'PS-200' }, { adminId: 'olga', message: 'please' });
      expect(ask.status).toBe(201);
      const bad = await h.call('bob-token', ROUTES.ask, { key: 'PS-200' }, { adminId: 'gus' });
      expect(bad.status).toBe(422);
      const after = await h.call('olga-token', ROUTES.inbox, { headers: { 'if-none-match': etag } });
      expect(after.status).toBe(200);
      expect(after.json.items.some((i: { kind: string; ticket: string }) => i.kind === 'ask' && i.ticket === 'PS-200')).toBe(true);
    });

    it('product access requests: seats after approval, deny bars a newcomer, reviewers only', async () => {
      const r = await h.call('bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence' });
      expect(r.status).toBe(201);
      const list = await h.call('dev-token', ROUTES.accessRequests);
      const row = list.json.requests.find((x: { id: string }) => x.id === r.json.id);
      expect(row).toMatchObject({ seatsNow: 37, seatsAfterApproval: 38, requester: { id: 'bob', email: 'bob@acme.test', onSite: true } });
      expect((await h.call('bob-token', ROUTES.approveAccessRequest, { id: r.json.id }, {})).status).toBe(403);
      const ok = await h.call('dev-token', ROUTES.approveAccessRequest, { id: r.json.id }, {});
      expect(ok.json.state).toBe('approved');
      expect((await h.call('dev-token', ROUTES.denyAccessRequest, { id: r.json.id }, {})).status).toBe(409);
      const dup = await h.call('bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence' });
      expect(dup.status).toBe(422);
      expect(dup.json.code).toBe('already_has_access');

      const n = await h.call('nora-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira' });
      expect(n.status).toBe(201);
      expect(n.json.denyBars).toBe(true);
      const d = await h.call('alice-token', ROUTES.denyAccessRequest, { id: n.json.id }, { message: 'Not now' });
      expect(d.json).toMatchObject({ state: 'denied', message: 'Not now' });
      const again = await h.call('nora-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira' });
      expect(again.json.code).toBe('barred');
    });

    it('audit: filters, cursor pagination, activity for Support, verify', async () => {
      const all = await h.call('alice-token', ROUTES.audit, { query: { limit: 5 } });
      expect(all.json.entries).toHaveLength(5);
      const next = await h.call('alice-token', ROUTES.audit, { query: { limit: 5, cursor: all.json.nextCursor } });
      expect(next.json.entries[0].seq).toBeLessThan(all.json.entries[4].seq);
      const sam = await h.call('alice-token', ROUTES.audit, { query: { actor: 'sam' } });
      expect(sam.json.entries.every((e: { actor: string }) => e.actor === 'sam')).toBe(true);
      const support = await h.call('alice-token', ROUTES.audit, { query: { actor: 'support', ticket: 'PS-101' } });
      expect(support.json.entries.length).toBeGreaterThan(0);
      expect(support.json.entries.every((e: { actorKind: string; ticket: string }) => e.actorKind === 'engineer' && e.ticket === 'PS-101')).toBe(true);
      const future = await h.call('alice-token', ROUTES.audit, { query: { from: new Date(Date.now() + 86_400_000).toISOString() } });
      expect(future.json.entries).toEqual([]);
      const act = await h.call('alice-token', ROUTES.activity, { key: 'PS-101' });
      expect(act.json.entries[0].action).toBe('access.check');
      expect((await h.call('bob-token', ROUTES.audit)).status).toBe(403);
      const v = await h.call('alice-token', ROUTES.verifyAudit);
      expect(v.json.ok).toBe(true);
      expect(v.json.rows).toBeGreaterThan(10);
    });

    it('idempotency: a retry returns the first answer; another body under the key is 422', async () => {
      const key = 'k-' + backend;
      const a = await h.call('alice-token', ROUTES.grant, { key: 'PS-110' }, {}, { headers: { 'idempotency-key': key } });
      const b = await h.call('alice-token', ROUTES.grant, { key: 'PS-110' }, {}, { headers: { 'idempotency-key': key } });
      expect(a.status).toBe(201);
      expect(b.status).toBe(201);
      expect(b.json.id).toBe(a.json.id);
      const c = await h.call('alice-token', ROUTES.grant, { key: 'PS-111' }, {}, { headers: { 'idempotency-key': key } });
      expect(c.status).toBe(422);
      expect(c.json.type).toBe('https://access-companion.dev/problems/idempotency-key-reused');
    });

    it('limits bodies (413) and unknown routes (404) with problems; CORS only for extensions', async () => {
      const big = await h.call('alice-token', ROUTES.grant, { key: 'PS-112' }, JSON.stringify({ note: 'x'.repeat(70_000) }));
      expect(big.status).toBe(413);
      expect(big.type).toContain(PROBLEM);
      const nf = await h.req('alice-token', 'GET', '/v1/nothing'); // no such route, on purpose
      expect(nf.status).toBe(404);
      expect(nf.type).toContain(PROBLEM);
      // The demo build's pinned id; an extension the deployment does not name gets no CORS answer (response-headers.test.ts).
      const ext = `chrome-extension://${DEMO_EXTENSION_ID}`;
      const pre = await h.api.app.request(pathOf(ROUTES.me), {
        method: 'OPTIONS',
        headers: { origin: ext, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
      expect(pre.headers.get('access-control-allow-origin')).toBe(ext);
      const evil = await h.call('alice-token', ROUTES.me, { headers: { origin: 'https://evil.test' } });
      expect(evil.headers.get('access-control-allow-origin')).toBeNull();
      const ok = await h.call('alice-token', ROUTES.me, { headers: { origin: ext } });
      expect(ok.headers.get('access-control-expose-headers')).toContain('ETag');
    });

    it('publishes an OpenAPI document from the schemas', async () => {
      const r = await h.api.app.request('/openapi.json');
      const doc = (await r.json()) as { openapi: string; paths: Record<string, unknown> };
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([ROUTES.eligibility.path, ROUTES.checkAccess.path, ROUTES.denyAccessRequest.path]));
    });

    it('documents every route the app answers, with its query parameters and headers', async () => {
      const doc = (await (await h.api.app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>> };
      const routes = h.api.app.routes.filter((r) => r.method !== 'ALL');
      expect(routes.length).toBeGreaterThan(20);
      const missing = routes.filter((r) => !doc.paths[r.path.replace(/:(\w+)/g, '{$1}')]?.[r.method.toLowerCase()]).map((r) => `${r.method} ${r.path}`);
      expect(missing).toEqual([]);
      const params = (method: string, path: string) => (doc.paths[path]?.[method]?.parameters ?? []).map((p) => `${p.in}:${p.name}`);
      const paramsOf = (route: RouteDef) => params(route.method, route.path);
      expect(paramsOf(ROUTES.audit)).toEqual(expect.arrayContaining(['query:actor', 'query:ticket', 'query:from', 'query:to', 'query:cursor', 'query:limit']));
      expect(paramsOf(ROUTES.grants)).toContain('query:state');
      expect(paramsOf(ROUTES.accessRequests)).toContain('query:state');
      expect(paramsOf(ROUTES.revoke)).toEqual(expect.arrayContaining(['path:id', 'header:If-Match', 'header:Idempotency-Key']));
      expect(paramsOf(ROUTES.approveAccessRequest)).toContain('header:If-Match');
      expect(paramsOf(ROUTES.events)).toContain('header:Last-Event-ID');
      expect(paramsOf(ROUTES.auditStream)).toContain('header:Last-Event-ID');
      expect(paramsOf(ROUTES.inbox)).toContain('header:If-None-Match');
      // Every Access API POST takes an Idempotency-Key; SCIM's (outside /v1's idempotency layer) follow RFC 7644, which has none.
      for (const [path, ops] of Object.entries(doc.paths)) if (ops.post && !path.startsWith('/scim/v2/')) expect(params('post', path), path).toContain('header:Idempotency-Key');
      expect(paramsOf(SCIM_ROUTES.scimUsers)).toEqual(expect.arrayContaining(['query:filter', 'query:startIndex', 'query:count']));
    });
  });
}

describe('rate limits', () => {
  it('answers 429 with Retry-After past the per-token limit', async () => {
    const h = await harness('pglite', { rateLimitPerMinute: 5 });
    try {
      const answers = [];
      for (let i = 0; i < 7; i++) answers.push(await h.call('alice-token', ROUTES.me));
      expect(answers.slice(0, 5).every((a) => a.status === 200)).toBe(true);
      expect(answers[6]!.status).toBe(429);
      expect(Number(answers[6]!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(answers[6]!.type).toContain(PROBLEM);
      expect((await h.call('bob-token', ROUTES.me)).status).toBe(200);
    } finally {
      await h.close();
    }
  });
});

describe.skipIf(!ADMIN_URL)('PostgreSQL schema per instance', () => {
  it('two instances in one database with different schemas do not see each other', async () => {
    const { scratchDatabase, WORLD } = await import('../helpers');
    const { openPostgres } = await import('../../../src/server/db/index');
    const { createApp } = await import('../../../src/server/app');
    const scratch = await scratchDatabase();
    const [dbA, dbB] = [await openPostgres(scratch.url, { schema: 'inst_a' }), await openPostgres(scratch.url, { schema: 'inst_b' })];
    const [a, b] = [await createApp({ auditSigning: { key: TEST_AUDIT_KEY }, world: WORLD, db: dbA, log: () => {} }), await createApp({ world: WORLD, db: dbB, log: () => {} })];
    try {
      const g = await callApi(a.app, 'alice-token', ROUTES.grant, { key: 'PS-101' });
      expect(g.status).toBe(201);
      const other = await callApi(b.app, 'alice-token', ROUTES.grants, { query: { state: 'active' } });
      expect((other.json as { grants: unknown[] }).grants).toEqual([]);
    } finally {
      await a.close();
      await b.close();
      await dbA.close();
      await dbB.close();
      await scratch.drop();
    }
  });
});
