// The requester's reads: what the request-access controls show for a product on a site, and the
// caller's own requests with their state, reviewers and decision. On PGlite always, and on
// PostgreSQL when DATABASE_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_URL, harness, WORLD, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

const world = { ...WORLD, users: [...WORLD.users, { id: 'pat', name: 'Pat Quinn', email: 'pat@freelance.test', emailVerified: false, sites: [], token: 'pat-token' }] };
const ctx = (site: string, product: string) => ({ query: { site, product } });

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`requester reads on ${backend}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness(backend, { world });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('a site user may ask for themself and others, picks from the site users, and sees who reviews', async () => {
      const r = await h.call('mia-token', ROUTES.accessRequestContext, ctx('https://acme.atlassian.net', 'confluence'));
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(r.json.site.id).toBe('acme-main');
      expect(r.json.product).toMatchObject({ key: 'confluence', name: 'Confluence', url: 'https://acme.atlassian.net/wiki' });
      expect(r.json.me).toMatchObject({ id: 'mia', onSite: true, emailVerified: true });
      expect(r.json.hasAccess).toBe(false);
      expect(r.json.forMyself).toEqual({ ok: true });
      expect(r.json.forOthers).toEqual({ ok: true });
      expect(r.json.bar).toBeUndefined();
      expect(r.json.reviewers.map((p: { userId: string }) => p.userId).sort()).toEqual(['alice', 'dev', 'olga']);
      const picks = r.json.siteUsers.map((u: { userId: string }) => u.userId);
      expect(picks).toContain('bob');
      expect(picks).not.toContain('mia');
      expect(picks).not.toContain('nora'); // not on the site
      // The same by site id.
      expect((await h.call('mia-token', ROUTES.accessRequestContext, ctx('acme-main', 'confluence'))).json.site.url).toBe('https://acme.atlassian.net');
    });

    it('someone not on the site may ask only for themself, sees no site users, and is told about an unverified email', async () => {
      const nora = await h.call('nora-token', ROUTES.accessRequestContext, ctx('https://acme.atlassian.net', 'jira'));
      expect(nora.json.me.onSite).toBe(false);
      expect(nora.json.forMyself).toEqual({ ok: true });
      expect(nora.json.forOthers).toMatchObject({ ok: false, code: 'not_on_site_others' });
      expect(nora.json.siteUsers).toEqual([]);
      const pat = await h.call('pat-token', ROUTES.accessRequestContext, ctx('https://acme.atlassian.net', 'jira'));
      expect(pat.json.forMyself).toMatchObject({ ok: false, code: 'email_unverified' });
      expect(pat.json.forMyself.message).toMatch(/Verify your email/);
    });

    it('a denied self-request from outside the site shows its message, who decided, and the bar with its date', async () => {
      const made = await h.call('nora-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira' });
      expect(made.status).toBe(201);
      const pending = await h.call('nora-token', ROUTES.myAccessRequests);
      const mine = pending.json.requests.find((x: { id: string }) => x.id === made.json.id);
      expect(mine).toMatchObject({ state: 'pending', role: 'requester', self: true, barred: false, productUrl: 'https://acme.atlassian.net/jira' });
      expect(mine.reviewers.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['Alice Ng', 'Dev Patel', 'Olga Berg']));
      const etag = pending.headers.get('etag')!;
      expect((await h.call('nora-token', ROUTES.myAccessRequests, { headers: { 'if-none-match': etag } })).status).toBe(304);

      expect((await h.call('dev-token', ROUTES.denyAccessRequest, { id: made.json.id }, { message: 'We only add contractors through IT.' })).status).toBe(200);
      const after = await h.call('nora-token', ROUTES.myAccessRequests, { headers: { 'if-none-match': etag } });
      expect(after.status).toBe(200);
      const denied = after.json.requests.find((x: { id: string }) => x.id === made.json.id);
      expect(denied).toMatchObject({ state: 'denied', message: 'We only add contractors through IT.', barred: true, decidedBy: { userId: 'dev', name: 'Dev Patel' }, reviewers: [] });
      const c = await h.call('nora-token', ROUTES.accessRequestContext, ctx('acme-main', 'confluence'));
      expect(c.json.bar).toMatchObject({ site: 'acme-main', product: 'jira' });
      expect(c.json.bar.at).toBe(denied.decidedAt);
      expect(c.json.bar.message).toMatch(/denied on \d{4}-\d\d-\d\d/);
      expect(c.json.forMyself).toMatchObject({ ok: false, code: 'barred' });
      expect(c.json.requests).toEqual([]); // that request was for Jira
      expect((await h.call('nora-token', ROUTES.accessRequestContext, ctx('acme-main', 'jira'))).json.requests.map((x: { id: string }) => x.id)).toEqual([made.json.id]);
    });

    it('a request for someone else is listed for them too, and approval gives them access', async () => {
      const made = await h.call('mia-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence', for: { userId: 'gwen' } });
      expect(made.status).toBe(201);
      const forGwen = (await h.call('gwen-token', ROUTES.myAccessRequests)).json.requests.find((x: { id: string }) => x.id === made.json.id);
      expect(forGwen).toMatchObject({ role: 'subject', self: false, requestedBy: { userId: 'mia', name: 'Mia Cole' }, forUser: { userId: 'gwen', name: 'Gwen Ray' } });
      // Nobody else sees it among their own.
      expect((await h.call('bob-token', ROUTES.myAccessRequests)).json.requests.some((x: { id: string }) => x.id === made.json.id)).toBe(false);
      expect((await h.call('alice-token', ROUTES.approveAccessRequest, { id: made.json.id }, {})).status).toBe(200);
      const gwen = await h.call('gwen-token', ROUTES.accessRequestContext, ctx('acme-main', 'confluence'));
      expect(gwen.json.hasAccess).toBe(true);
      expect(gwen.json.forMyself.code).toBe('already_has_access');
      expect(gwen.json.requests[0]).toMatchObject({ id: made.json.id, state: 'approved' });
      expect((await h.call('mia-token', ROUTES.accessRequestContext, ctx('acme-main', 'confluence'))).json.siteUsers.find((u: { userId: string }) => u.userId === 'gwen').hasAccess).toBe(true);
    });

    it('a request for a newcomer by email is listed for its requester with that email', async () => {
      const made = await h.call('mia-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira', for: { email: 'new.person@acme.test' } });
      expect(made.status).toBe(201);
      const mine = (await h.call('mia-token', ROUTES.myAccessRequests)).json.requests.find((x: { id: string }) => x.id === made.json.id);
      expect(mine).toMatchObject({ role: 'requester', self: false, forUser: { email: 'new.person@acme.test' } });
    });

    it('bad input is a problem: unknown site or product 404, missing parameter 400, engineer 403', async () => {
      const unknown = await h.call('mia-token', ROUTES.accessRequestContext, ctx('https://evil.atlassian.net', 'jira'));
      expect(unknown.status).toBe(404);
      expect(unknown.type).toContain('application/problem+json');
      expect((await h.call('mia-token', ROUTES.accessRequestContext, ctx('acme-main', 'trello'))).status).toBe(404);
      expect((await h.call('mia-token', ROUTES.accessRequestContext, ctx('not a url', 'jira'))).status).toBe(404);
      const missing = await h.call('mia-token', ROUTES.accessRequestContext, { query: { site: 'acme-main' } });
      expect(missing.status).toBe(400);
      expect(missing.json.detail).toMatch(/product/);
      expect((await h.call('sam-token', ROUTES.accessRequestContext, ctx('acme-main', 'jira'))).status).toBe(403);
      expect((await h.call('sam-token', ROUTES.myAccessRequests)).status).toBe(403);
    });

    it("publishes both reads in the OpenAPI document, with the context's two required query parameters", async () => {
      const doc = (await (await h.api.app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string; required: boolean }> }>> };
      const params = doc.paths[ROUTES.accessRequestContext.path]!.get!.parameters!;
      expect(params.filter((p) => p.in === 'query').map((p) => [p.name, p.required])).toEqual([
        ['site', true],
        ['product', true],
      ]);
      expect(doc.paths[ROUTES.myAccessRequests.path]!.get!.parameters!.map((p) => p.name)).toContain('If-None-Match');
    });
  });
}
