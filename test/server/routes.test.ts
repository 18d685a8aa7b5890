// The DESIGN §4 contract and the extension routes over app.request(): on PGlite always, and on
// PostgreSQL (a fresh database) when DATABASE_URL is set.
import { DEMO_EXTENSION_ID } from '../../src/api/extension-ids';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_URL, harness, type Backend, type Harness } from './helpers';

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
      const r = await h.req('nope', 'GET', '/v1/me');
      expect(r.status).toBe(401);
      expect(r.type).toContain(PROBLEM);
      expect(r.json.type).toBe('https://access-companion.dev/problems/unauthenticated');
    });

    it('answers who am I for admins and engineers', async () => {
      const a = await h.req('alice-token', 'GET', '/v1/me');
      expect(a.json).toMatchObject({ kind: 'admin', id: 'alice', org: { id: 'acme', userManagement: 'centralized' }, roles: [{ role: 'org_admin' }] });
      const e = await h.req('sam-token', 'GET', '/v1/me');
      expect(e.json).toMatchObject({ kind: 'engineer', id: 'sam' });
    });

    it('explains eligibility with causes and who can, in the contract shape', async () => {
      const r = await h.req('bob-token', 'GET', '/v1/tickets/PS-200/eligibility');
      expect(r.status).toBe(200);
      expect(r.json.allowed).toBe(false);
      expect(r.json.causes.map((c: { code: string }) => c.code)).toEqual(['wrong_product']);
      expect(r.json.qualifiedAdmins.map((a: { userId: string }) => a.userId)).toContain('alice');
      expect(r.json).toHaveProperty('guardApprovalRequired', false);
      expect(r.json.scope).toMatchObject({ product: 'confluence', site: 'acme-main' });
      const ok = await h.req('bob-token', 'GET', '/v1/tickets/PS-101/eligibility');
      expect(ok.json).toMatchObject({ allowed: true, via: 'product_admin', causes: [] });
    });

    it('grants (201 active), refuses with 403 causes, and enforces through access/check', async () => {
      const refused = await h.req('bob-token', 'POST', '/v1/tickets/PS-200/grants', {});
      expect(refused.status).toBe(403);
      expect(refused.type).toContain(PROBLEM);
      expect(refused.json.causes[0].code).toBe('wrong_product');

      const before = await h.req('sam-token', 'POST', '/v1/access/check', { ticket: 'PS-101', resource: { type: 'work_item', id: 'X-1' } });
      expect(before.json.allowed).toBe(false);
      const g = await h.req('bob-token', 'POST', '/v1/tickets/PS-101/grants', {});
      expect(g.status).toBe(201);
      expect(g.json).toEqual({ id: expect.any(String), state: 'active' });
      expect(g.headers.get('etag')).toBeTruthy();
      const after = await h.req('sam-token', 'POST', '/v1/access/check', { ticket: 'PS-101', resource: { type: 'work_item', id: 'X-1' } });
      expect(after.json.allowed).toBe(true);
      const short = await h.req('sam-token', 'POST', '/v1/access/check', { ticket: 'PS-101', resource: 'comment:C-9' });
      expect(short.json.allowed).toBe(true);
      const aiByGrant = await h.req('sam-token', 'POST', '/v1/access/check', { ticket: 'PS-101', resource: 'ai_conversation:conv-1' });
      expect(aiByGrant.json.allowed).toBe(false);
      const badShort = await h.req('sam-token', 'POST', '/v1/access/check', { ticket: 'PS-101', resource: 'mailbox:1' });
      expect(badShort.status).toBe(400);
      const otherSite = await h.req('sam-token', 'POST', '/v1/access/check', { ticket: 'PS-101', resource: { type: 'page', site: 'acme-eu' } });
      expect(otherSite.json.allowed).toBe(false);
      const lee = await h.req('lee-token', 'POST', '/v1/access/check', { ticket: 'PS-101', resource: { type: 'page' } });
      expect(lee.json.allowed).toBe(false);

      const again = await h.req('alice-token', 'POST', '/v1/tickets/PS-101/grants', {});
      expect(again.status).toBe(409);

      const rv = await h.req('bob-token', 'POST', `/v1/grants/${g.json.id}/revoke`, {});
      expect(rv.json.state).toBe('revoked');
      const gone = await h.req('sam-token', 'POST', '/v1/access/check', { ticket: 'PS-101', resource: { type: 'work_item' } });
      expect(gone.json.allowed).toBe(false);
      const twice = await h.req('bob-token', 'POST', `/v1/grants/${g.json.id}/revoke`, {});
      expect(twice.status).toBe(409);
      expect(twice.json.type).toBe('https://access-companion.dev/problems/illegal-transition');
    });

    it('holds grants on Guard-restricted sites until another admin decides', async () => {
      const ticket = await h.req('alice-token', 'GET', '/v1/tickets/EU-1');
      expect(ticket.json.guardAdmins.map((a: { userId: string }) => a.userId)).toContain('gus');
      expect((await h.req('alice-token', 'GET', '/v1/tickets/PS-101')).json.guardAdmins).toEqual([]);
      const g = await h.req('alice-token', 'POST', '/v1/tickets/EU-1/grants', {});
      expect(g.json.state).toBe('pending_guard_approval');
      expect((await h.req('lee-token', 'POST', '/v1/access/check', { ticket: 'EU-1', resource: { type: 'page' } })).json.allowed).toBe(false);
      const inbox = await h.req('gus-token', 'GET', '/v1/inbox');
      expect(inbox.json.items.some((i: { kind: string; ticket: string }) => i.kind === 'guard_approval' && i.ticket === 'EU-1')).toBe(true);
      expect((await h.req('bob-token', 'POST', `/v1/grants/${g.json.id}/guard-decision`, { decision: 'approve' })).status).toBe(403);
      const ok = await h.req('gus-token', 'POST', `/v1/grants/${g.json.id}/guard-decision`, { decision: 'approve' });
      expect(ok.json.state).toBe('active');
      expect((await h.req('lee-token', 'POST', '/v1/access/check', { ticket: 'EU-1', resource: { type: 'page' } })).json.allowed).toBe(true);
      const late = await h.req('gwen-token', 'POST', `/v1/grants/${g.json.id}/guard-decision`, { decision: 'deny' });
      expect(late.status).toBe(409);
    });

    it('honours If-Match: a stale ETag gets 412', async () => {
      const g = await h.req('alice-token', 'POST', '/v1/tickets/EU-2/grants', {});
      const etag = g.headers.get('etag')!;
      const current = await h.req('alice-token', 'GET', `/v1/grants/${g.json.id}`);
      expect(current.headers.get('etag')).toBe(etag);
      expect((await h.req('gus-token', 'POST', `/v1/grants/${g.json.id}/guard-decision`, { decision: 'deny' }, { 'if-match': etag })).json.state).toBe('denied');
      const stale = await h.req('alice-token', 'POST', `/v1/grants/${g.json.id}/revoke`, {}, { 'if-match': etag });
      expect(stale.status).toBe(412);
      expect(stale.type).toContain(PROBLEM);
    });

    it('closing a ticket revokes its grants; engineers request access; AI grants name conversations', async () => {
      const rq = await h.req('sam-token', 'POST', '/v1/tickets/PS-103/request-access', {});
      expect(rq.status).toBe(201);
      expect(rq.json.state).toBe('requested');
      const sr = await h.req('bob-token', 'GET', '/v1/support-requests');
      expect(sr.json.requests.some((r: { ticket: string }) => r.ticket === 'PS-103')).toBe(true);
      const bulk = await h.req('bob-token', 'POST', '/v1/support-requests/bulk-grant', { tickets: ['PS-103', 'PS-200', 'NOPE-1'] });
      expect(bulk.json.results.map((r: { ticket: string; ok: boolean; status: number }) => [r.ticket, r.ok, r.status])).toEqual([
        ['PS-103', true, 201],
        ['PS-200', false, 403],
        ['NOPE-1', false, 404],
      ]);
      expect(bulk.json.results[0].id).toBe(rq.json.id);
      expect(bulk.json.results[1].causes[0].code).toBe('wrong_product');

      const ai = await h.req('alice-token', 'POST', '/v1/tickets/PS-200/ai-grants', { conversations: ['conv-1'] });
      expect(ai.status).toBe(201);
      expect((await h.req('sam-token', 'POST', '/v1/access/check', { ticket: 'PS-200', resource: { type: 'ai_conversation', conversation: 'conv-1' } })).json.allowed).toBe(true);
      expect((await h.req('sam-token', 'POST', '/v1/access/check', { ticket: 'PS-200', resource: { type: 'ai_conversation', conversation: 'conv-2' } })).json.allowed).toBe(false);

      expect((await h.req('lee-token', 'POST', '/v1/tickets/PS-103/close', {})).status).toBe(403);
      const closed = await h.req('sam-token', 'POST', '/v1/tickets/PS-103/close', {});
      expect(closed.json.revoked).toEqual([rq.json.id]);
      const grants = await h.req('alice-token', 'GET', '/v1/tickets/PS-103/grants');
      expect(grants.json.grants[0]).toMatchObject({ state: 'revoked', revokeReason: 'ticket_closed' });
      expect((await h.req('sam-token', 'POST', '/v1/access/check', { ticket: 'PS-103', resource: { type: 'page' } })).json.allowed).toBe(false);
      const el = await h.req('alice-token', 'GET', '/v1/tickets/PS-103/eligibility');
      expect(el.json.causes.map((c: { code: string }) => c.code)).toContain('ticket_closed');
    });

    it('asks a qualified admin: it lands in their inbox; the inbox answers 304 while unchanged', async () => {
      const first = await h.req('olga-token', 'GET', '/v1/inbox');
      const etag = first.headers.get('etag')!;
      expect((await h.req('olga-token', 'GET', '/v1/inbox', undefined, { 'if-none-match': etag })).status).toBe(304);
      const ask = await h.req('bob-token', 'POST', '/v1/tickets/PS-200/ask', { adminId: 'olga', message: 'please' });
      expect(ask.status).toBe(201);
      const bad = await h.req('bob-token', 'POST', '/v1/tickets/PS-200/ask', { adminId: 'gus' });
      expect(bad.status).toBe(422);
      const after = await h.req('olga-token', 'GET', '/v1/inbox', undefined, { 'if-none-match': etag });
      expect(after.status).toBe(200);
      expect(after.json.items.some((i: { kind: string; ticket: string }) => i.kind === 'ask' && i.ticket === 'PS-200')).toBe(true);
    });

    it('product access requests: seats after approval, deny bars a newcomer, reviewers only', async () => {
      const r = await h.req('bob-token', 'POST', '/v1/access-requests', { site: 'acme-main', product: 'confluence' });
      expect(r.status).toBe(201);
      const list = await h.req('dev-token', 'GET', '/v1/access-requests');
      const row = list.json.requests.find((x: { id: string }) => x.id === r.json.id);
      expect(row).toMatchObject({ seatsNow: 37, seatsAfterApproval: 38, requester: { id: 'bob', email: 'bob@acme.test', onSite: true } });
      expect((await h.req('bob-token', 'POST', `/v1/access-requests/${r.json.id}/approve`, {})).status).toBe(403);
      const ok = await h.req('dev-token', 'POST', `/v1/access-requests/${r.json.id}/approve`, {});
      expect(ok.json.state).toBe('approved');
      expect((await h.req('dev-token', 'POST', `/v1/access-requests/${r.json.id}/deny`, {})).status).toBe(409);
      const dup = await h.req('bob-token', 'POST', '/v1/access-requests', { site: 'acme-main', product: 'confluence' });
      expect(dup.status).toBe(422);
      expect(dup.json.code).toBe('already_has_access');

      const n = await h.req('nora-token', 'POST', '/v1/access-requests', { site: 'acme-main', product: 'jira' });
      expect(n.status).toBe(201);
      expect(n.json.denyBars).toBe(true);
      const d = await h.req('alice-token', 'POST', `/v1/access-requests/${n.json.id}/deny`, { message: 'Not now' });
      expect(d.json).toMatchObject({ state: 'denied', message: 'Not now' });
      const again = await h.req('nora-token', 'POST', '/v1/access-requests', { site: 'acme-main', product: 'jira' });
      expect(again.json.code).toBe('barred');
    });

    it('audit: filters, cursor pagination, activity for Support, verify', async () => {
      const all = await h.req('alice-token', 'GET', '/v1/audit?limit=5');
      expect(all.json.entries).toHaveLength(5);
      const next = await h.req('alice-token', 'GET', `/v1/audit?limit=5&cursor=${all.json.nextCursor}`);
      expect(next.json.entries[0].seq).toBeLessThan(all.json.entries[4].seq);
      const sam = await h.req('alice-token', 'GET', '/v1/audit?actor=sam');
      expect(sam.json.entries.every((e: { actor: string }) => e.actor === 'sam')).toBe(true);
      const support = await h.req('alice-token', 'GET', '/v1/audit?actor=support&ticket=PS-101');
      expect(support.json.entries.length).toBeGreaterThan(0);
      expect(support.json.entries.every((e: { actorKind: string; ticket: string }) => e.actorKind === 'engineer' && e.ticket === 'PS-101')).toBe(true);
      const future = await h.req('alice-token', 'GET', `/v1/audit?from=${encodeURIComponent(new Date(Date.now() + 86_400_000).toISOString())}`);
      expect(future.json.entries).toEqual([]);
      const act = await h.req('alice-token', 'GET', '/v1/tickets/PS-101/activity');
      expect(act.json.entries[0].action).toBe('access.check');
      expect((await h.req('bob-token', 'GET', '/v1/audit')).status).toBe(403);
      const v = await h.req('alice-token', 'GET', '/v1/audit/verify');
      expect(v.json.ok).toBe(true);
      expect(v.json.rows).toBeGreaterThan(10);
    });

    it('idempotency: a retry returns the first answer; another body under the key is 422', async () => {
      const key = 'k-' + backend;
      const a = await h.req('alice-token', 'POST', '/v1/tickets/PS-110/grants', {}, { 'idempotency-key': key });
      const b = await h.req('alice-token', 'POST', '/v1/tickets/PS-110/grants', {}, { 'idempotency-key': key });
      expect(a.status).toBe(201);
      expect(b.status).toBe(201);
      expect(b.json.id).toBe(a.json.id);
      const c = await h.req('alice-token', 'POST', '/v1/tickets/PS-111/grants', {}, { 'idempotency-key': key });
      expect(c.status).toBe(422);
      expect(c.json.type).toBe('https://access-companion.dev/problems/idempotency-key-reused');
    });

    it('limits bodies (413) and unknown routes (404) with problems; CORS only for extensions', async () => {
      const big = await h.req('alice-token', 'POST', '/v1/tickets/PS-112/grants', JSON.stringify({ note: 'x'.repeat(70_000) }));
      expect(big.status).toBe(413);
      expect(big.type).toContain(PROBLEM);
      const nf = await h.req('alice-token', 'GET', '/v1/nothing');
      expect(nf.status).toBe(404);
      expect(nf.type).toContain(PROBLEM);
      // The demo build's pinned id; an extension the deployment does not name gets no CORS answer (response-headers.test.ts).
      const ext = `chrome-extension://${DEMO_EXTENSION_ID}`;
      const pre = await h.api.app.request('/v1/me', { method: 'OPTIONS', headers: { origin: ext, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
      expect(pre.headers.get('access-control-allow-origin')).toBe(ext);
      const evil = await h.api.app.request('/v1/me', { headers: { origin: 'https://evil.test', authorization: 'Bearer alice-token' } });
      expect(evil.headers.get('access-control-allow-origin')).toBeNull();
      const ok = await h.api.app.request('/v1/me', { headers: { origin: ext, authorization: 'Bearer alice-token' } });
      expect(ok.headers.get('access-control-expose-headers')).toContain('ETag');
    });

    it('publishes an OpenAPI document from the schemas', async () => {
      const r = await h.api.app.request('/openapi.json');
      const doc = (await r.json()) as { openapi: string; paths: Record<string, unknown> };
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/tickets/{key}/eligibility', '/v1/access/check', '/v1/access-requests/{id}/deny']));
    });

    it('documents every route the app answers, with its query parameters and headers', async () => {
      const doc = (await (await h.api.app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>> };
      const routes = h.api.app.routes.filter((r) => r.method !== 'ALL');
      expect(routes.length).toBeGreaterThan(20);
      const missing = routes.filter((r) => !doc.paths[r.path.replace(/:(\w+)/g, '{$1}')]?.[r.method.toLowerCase()]).map((r) => `${r.method} ${r.path}`);
      expect(missing).toEqual([]);
      const params = (method: string, path: string) => (doc.paths[path]?.[method]?.parameters ?? []).map((p) => `${p.in}:${p.name}`);
      expect(params('get', '/v1/audit')).toEqual(expect.arrayContaining(['query:actor', 'query:ticket', 'query:from', 'query:to', 'query:cursor', 'query:limit']));
      expect(params('get', '/v1/grants')).toContain('query:state');
      expect(params('get', '/v1/access-requests')).toContain('query:state');
      expect(params('post', '/v1/grants/{id}/revoke')).toEqual(expect.arrayContaining(['path:id', 'header:If-Match', 'header:Idempotency-Key']));
      expect(params('post', '/v1/access-requests/{id}/approve')).toContain('header:If-Match');
      expect(params('get', '/v1/events')).toContain('header:Last-Event-ID');
      expect(params('get', '/v1/audit/stream')).toContain('header:Last-Event-ID');
      expect(params('get', '/v1/inbox')).toContain('header:If-None-Match');
      for (const [path, ops] of Object.entries(doc.paths)) if (ops.post) expect(params('post', path), path).toContain('header:Idempotency-Key');
    });
  });
}

describe('rate limits', () => {
  it('answers 429 with Retry-After past the per-token limit', async () => {
    const h = await harness('pglite', { rateLimitPerMinute: 5 });
    try {
      const answers = [];
      for (let i = 0; i < 7; i++) answers.push(await h.req('alice-token', 'GET', '/v1/me'));
      expect(answers.slice(0, 5).every((a) => a.status === 200)).toBe(true);
      expect(answers[6]!.status).toBe(429);
      expect(Number(answers[6]!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(answers[6]!.type).toContain(PROBLEM);
      expect((await h.req('bob-token', 'GET', '/v1/me')).status).toBe(200);
    } finally {
      await h.close();
    }
  });
});

describe.skipIf(!ADMIN_URL)('PostgreSQL schema per instance', () => {
  it('two instances in one database with different schemas do not see each other', async () => {
    const { scratchDatabase, WORLD } = await import('./helpers');
    const { openPostgres } = await import('../../src/server/db/index');
    const { createApp } = await import('../../src/server/app');
    const scratch = await scratchDatabase();
    const [dbA, dbB] = [await openPostgres(scratch.url, { schema: 'inst_a' }), await openPostgres(scratch.url, { schema: 'inst_b' })];
    const [a, b] = [await createApp({ world: WORLD, db: dbA, log: () => {} }), await createApp({ world: WORLD, db: dbB, log: () => {} })];
    try {
      const g = await a.app.request('/v1/tickets/PS-101/grants', { method: 'POST', headers: { authorization: 'Bearer alice-token' } });
      expect(g.status).toBe(201);
      const other = await b.app.request('/v1/grants?state=active', { headers: { authorization: 'Bearer alice-token' } });
      expect(((await other.json()) as { grants: unknown[] }).grants).toEqual([]);
    } finally {
      await a.close();
      await b.close();
      await dbA.close();
      await dbB.close();
      await scratch.drop();
    }
  });
});
