// Every refusal is on record, by one mechanism: a walk over every write route in the app's route
// table (a new route cannot be forgotten) checks that a refusal writes exactly one audit row, with
// the caller, the action, the target and the code, and that the chain stays valid. On PGlite
// always, and on PostgreSQL when DATABASE_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, routeKey } from '../../src/api/contract';
import { WRITE_ROUTES } from '../../src/server/refusals';
import { ADMIN_URL, harness, type Backend, type Harness } from './helpers';

if (!ADMIN_URL) console.log('server refusals: PostgreSQL suite skipped because DATABASE_URL is unset');

type Row = { seq: number; actor: string; action: string; ticket: string | null; outcome: string; resource: any; detail: any };

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`refusals on ${backend}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness(backend);
    });
    afterAll(async () => {
      await h?.close();
    });

    const head = async () => Number((await h.db.query<{ n: number | string }>('SELECT count(*) AS n FROM audit'))[0]!.n);
    const rowsAfter = async (n: number) =>
      (await h.db.query<Row>('SELECT seq, actor, action, ticket, outcome, resource, detail FROM audit WHERE seq > $1 ORDER BY seq', [n])).map((r) => ({
        ...r,
        resource: typeof r.resource === 'string' ? JSON.parse(r.resource) : r.resource,
        detail: typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail,
      }));

    it('a refusal on every write route writes exactly one audit row', async () => {
      const ar = await h.req('bob-token', 'POST', '/v1/access-requests', { site: 'acme-main', product: 'confluence' });
      expect(ar.status).toBe(201);
      const ask = { action: 'update', resource: { type: 'workflow', id: 'Bug', project: 'PS' }, reason: 'restore Done', duration: 'PT1H' };
      const cr = await h.req('sam-token', 'POST', '/v1/tickets/PS-101/change-requests', ask);
      expect(cr.status).toBe(201);
      const crTarget = { type: 'change_request', id: cr.json.id };
      // [route, token, method, path, body, headers, status, expected row]
      const cases: Array<[string, string, string, unknown, Record<string, string>, number, Partial<Row> & { code: string }]> = [
        [
          'POST /v1/tickets',
          'bob-token',
          '/v1/tickets',
          { site: 'acme-main', product: 'confluence', summary: 'Pages missing', grantDataAccess: true },
          {},
          403,
          { actor: 'bob', action: 'ticket.create', resource: { type: 'product', site: 'acme-main', product: 'confluence' }, code: 'not-eligible' },
        ],
        ['POST /v1/tickets/:key/grants', 'bob-token', '/v1/tickets/PS-200/grants', {}, {}, 403, { actor: 'bob', action: 'grant.create', ticket: 'PS-200', code: 'not-eligible' }],
        [
          'POST /v1/tickets/:key/ai-grants',
          'alice-token',
          '/v1/tickets/PS-200/ai-grants',
          { conversations: ['conv-9'] },
          {},
          422,
          { actor: 'alice', action: 'ai_grant.create', ticket: 'PS-200', code: 'conversation_not_requested' },
        ],
        ['POST /v1/tickets/:key/ask', 'alice-token', '/v1/tickets/PS-101/ask', { adminId: 'nora' }, {}, 422, { actor: 'alice', action: 'grant.ask', ticket: 'PS-101', code: 'not_qualified' }],
        [
          'POST /v1/tickets/:key/request-access',
          'lee-token',
          '/v1/tickets/PS-101/request-access',
          {},
          {},
          403,
          { actor: 'lee', action: 'support_request.create', ticket: 'PS-101', code: 'forbidden' },
        ],
        ['POST /v1/tickets/:key/close', 'lee-token', '/v1/tickets/PS-101/close', {}, {}, 403, { actor: 'lee', action: 'ticket.close', ticket: 'PS-101', code: 'forbidden' }],
        [
          'POST /v1/grants/:id/revoke',
          'alice-token',
          '/v1/grants/sr_PS-102/revoke',
          {},
          { 'if-match': '"grant-sr_PS-102-v99"' },
          412,
          { actor: 'alice', action: 'grant.revoke', ticket: 'PS-102', code: 'precondition-failed' },
        ],
        [
          'POST /v1/grants/:id/guard-decision',
          'gus-token',
          '/v1/grants/sr_PS-102/guard-decision',
          { decision: 'approve' },
          {},
          409,
          { actor: 'gus', action: 'grant.guard_approve', ticket: 'PS-102', code: 'illegal-transition' },
        ],
        ['POST /v1/support-requests/bulk-grant', 'nora-token', '/v1/support-requests/bulk-grant', { tickets: ['PS-104'] }, {}, 403, { actor: 'nora', action: 'grant.bulk_create', code: 'forbidden' }],
        [
          'POST /v1/access/check',
          'sam-token',
          '/v1/access/check',
          { ticket: 'PS-101', resource: { type: 'ai_conversation', id: 'conv-1', conversation: 'conv-2' } },
          {},
          400,
          { actor: 'sam', action: 'access.check', ticket: 'PS-101', code: 'bad-request' },
        ],
        [
          'POST /v1/access-requests',
          'nora-token',
          '/v1/access-requests',
          { site: 'acme-main', product: 'jira', for: { userId: 'mia' } },
          {},
          422,
          { actor: 'nora', action: 'access_request.create', code: 'not_on_site_others' },
        ],
        [
          'POST /v1/tickets/:key/change-requests',
          'lee-token',
          '/v1/tickets/PS-101/change-requests',
          ask,
          {},
          404,
          { actor: 'lee', action: 'change_request.create', ticket: 'PS-101', code: 'not-found' },
        ],
        [
          'POST /v1/change-requests/:id/approve',
          'mia-token',
          `/v1/change-requests/${cr.json.id}/approve`,
          {},
          {},
          403,
          { actor: 'mia', action: 'change_request.approve', ticket: 'PS-101', resource: crTarget, code: 'not-eligible' },
        ],
        [
          'POST /v1/change-requests/:id/decline',
          'gus-token',
          `/v1/change-requests/${cr.json.id}/decline`,
          {},
          {},
          403,
          { actor: 'gus', action: 'change_request.decline', ticket: 'PS-101', resource: crTarget, code: 'not-eligible' },
        ],
        [
          'POST /v1/change-requests/:id/guard-decision',
          'bob-token',
          `/v1/change-requests/${cr.json.id}/guard-decision`,
          { decision: 'deny' },
          {},
          403,
          { actor: 'bob', action: 'change_request.guard_deny', ticket: 'PS-101', resource: crTarget, code: 'forbidden' },
        ],
        ['POST /v1/access-requests/:id/approve', 'gus-token', `/v1/access-requests/${ar.json.id}/approve`, {}, {}, 403, { actor: 'gus', action: 'access_request.approve', code: 'not_reviewer' }],
        ['POST /v1/access-requests/:id/deny', 'gus-token', `/v1/access-requests/${ar.json.id}/deny`, {}, {}, 403, { actor: 'gus', action: 'access_request.deny', code: 'not_reviewer' }],
        [
          'POST /v1/access-requests/bulk-decision',
          'sam-token',
          '/v1/access-requests/bulk-decision',
          { ids: [ar.json.id], decision: 'deny' },
          {},
          403,
          { actor: 'sam', action: 'access_request.deny', code: 'forbidden' },
        ],
        ['POST /v1/auth/sign-out', 'alice-token', '/v1/auth/sign-out', { everywhere: true }, {}, 400, { actor: 'alice', action: 'auth.sign_out', code: 'bad-request' }],
        ['POST /v1/api-keys', 'alice-token', '/v1/api-keys', { name: 'tooling', scopes: ['access_check'] }, {}, 422, { actor: 'alice', action: 'api_key.create', code: 'engineer_required' }],
        ['DELETE /v1/api-keys/:id', 'bob-token', '/v1/api-keys/key_none', {}, {}, 403, { actor: 'bob', action: 'api_key.delete', code: 'forbidden' }],
      ];
      // Every write route of the app is walked here and named for the audit log, but the sign-in
      // exchange: it is answered before anyone is identified (its refusals are 401s under the
      // failed-authentication brake, test/server/id-token-table.test.ts), so it has no caller to record.
      const preAuthentication = [routeKey(ROUTES.createSession)];
      const routes = h.api.app.routes.filter((r) => !['ALL', 'GET'].includes(r.method)).map((r) => `${r.method} ${r.path}`);
      expect(routes).toEqual(expect.arrayContaining(preAuthentication));
      const writes = routes.filter((w) => !preAuthentication.includes(w));
      expect(writes.length).toBeGreaterThan(10);
      expect(writes.filter((w) => !cases.some((c) => c[0] === w))).toEqual([]);
      expect(writes.filter((w) => !WRITE_ROUTES[w])).toEqual([]);

      for (const [route, token, path, body, headers, status, want] of cases) {
        const before = await head();
        const r = await h.req(token, route.split(' ')[0]!, path, body, headers);
        expect(r.status, `${route} → ${JSON.stringify(r.json)}`).toBe(status);
        expect(r.type, route).toContain('application/problem+json');
        const rows = await rowsAfter(before);
        expect(rows, route).toHaveLength(1);
        const { code, ...fields } = want;
        expect(rows[0], route).toMatchObject({ outcome: 'refused', ticket: null, ...fields, detail: { code, status } });
      }
      // A bulk decision answers 200; each refused row of it is still recorded, once.
      const beforeBulk = await head();
      const bulk = await h.req('gus-token', 'POST', '/v1/access-requests/bulk-decision', { ids: [ar.json.id], decision: 'approve' });
      expect(bulk.status).toBe(200);
      expect(bulk.json.results[0]).toMatchObject({ ok: false, code: 'not_reviewer' });
      const bulkRows = await rowsAfter(beforeBulk);
      expect(bulkRows).toHaveLength(1);
      expect(bulkRows[0]).toMatchObject({ outcome: 'refused', actor: 'gus', action: 'access_request.approve', detail: { code: 'not_reviewer', status: 403 } });
      expect((await h.req('alice-token', 'GET', '/v1/audit/verify')).json).toMatchObject({ ok: true });
    });

    it('the refusals the issue names are each on record once: AI grants, Support requests, reviews, 422s, 412s', async () => {
      const g = await h.req('alice-token', 'POST', '/v1/tickets/PS-110/grants', {});
      expect(g.status).toBe(201);
      const ar = await h.req('mia-token', 'POST', '/v1/access-requests', { site: 'acme-main', product: 'confluence' });
      expect((await h.req('alice-token', 'POST', `/v1/access-requests/${ar.json.id}/deny`, {})).status).toBe(200);
      const cases: Array<[string, string, unknown, Record<string, string>, number, string]> = [
        ['bob-token', '/v1/tickets/PS-200/ai-grants', { conversations: ['conv-1'] }, {}, 403, 'ai_grant.create'], // refused AI grant
        ['sam-token', '/v1/tickets/PS-110/request-access', {}, {}, 409, 'support_request.create'], // already has a live grant
        ['dev-token', `/v1/access-requests/${ar.json.id}/approve`, {}, {}, 409, 'access_request.approve'], // already decided
        ['alice-token', `/v1/grants/${g.json.id}/revoke`, {}, { 'if-match': '"grant-x-v1"' }, 412, 'grant.revoke'],
        ['alice-token', '/v1/tickets/PS-110/grants', {}, {}, 409, 'grant.create'],
        ['alice-token', '/v1/tickets/NOPE-1/close', {}, {}, 404, 'ticket.close'],
      ];
      for (const [token, path, body, headers, status, action] of cases) {
        const before = await head();
        const r = await h.req(token, 'POST', path, body, headers);
        expect(r.status, `${path} ${JSON.stringify(r.json)}`).toBe(status);
        const rows = await rowsAfter(before);
        expect(
          rows.map((x) => [x.action, x.outcome]),
          path,
        ).toEqual([[action, 'refused']]);
      }
    });

    it('a bulk grant records each refused row once; a replayed refusal is not a second one', async () => {
      let before = await head();
      const bulk = await h.req('alice-token', 'POST', '/v1/support-requests/bulk-grant', { tickets: ['PS-114', 'CL-1'] });
      expect(bulk.json.results.map((x: { ok: boolean }) => x.ok)).toEqual([true, false]);
      const rows = await rowsAfter(before);
      expect(rows.filter((x) => x.outcome === 'refused').map((x) => [x.action, x.ticket])).toEqual([['grant.create', 'CL-1']]);

      before = await head();
      const key = `refused-replay-${backend}`;
      const first = await h.req('bob-token', 'POST', '/v1/tickets/PS-200/grants', {}, { 'idempotency-key': key });
      const again = await h.req('bob-token', 'POST', '/v1/tickets/PS-200/grants', {}, { 'idempotency-key': key });
      expect([first.status, again.status]).toEqual([403, 403]);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await rowsAfter(before)).toHaveLength(1);
      expect((await h.req('alice-token', 'GET', '/v1/audit/verify')).json).toMatchObject({ ok: true });
    });
  });
}
