// Every refusal is on record, by one mechanism: a walk over every write route in the app's route
// table (a new route cannot be forgotten) checks that a refusal writes exactly one audit row, with
// the caller, the action, the target and the code, and that the chain stays valid. On PGlite
// always, and on PostgreSQL when DATABASE_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, routeKey } from '../../../src/api/contract';
import { policyOf } from '../../../src/server/http/route';
import { ADMIN_URL, harness, type Backend, type Harness } from '../helpers';
import { describeCall, type RouteCall } from '../../support/api-call';
import { SCIM_ROUTES } from '../../../src/api/scim-contract';

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
      const ar = await h.call('bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence' });
      expect(ar.status).toBe(201);
      const ask = { action: 'update', resource: { type: 'workflow', id: 'Bug', project: 'PS' }, reason: 'restore Done', duration: 'PT1H' };
      const cr = await h.call('sam-token', ROUTES.createChangeRequest, { key: 'PS-101' }, ask);
      expect(cr.status).toBe(201);
      const crTarget = { type: 'change_request', id: cr.json.id };
      const key = await h.call('alice-token', ROUTES.createApiKey, { name: 'Refused provisioning', scopes: ['scim'] });
      expect(key.status).toBe(201);
      const [scim, keyId] = [key.json.secret as string, key.json.id as string];
      // [token, call, status, expected row]
      const cases: Array<[string, RouteCall, number, Partial<Row> & { code: string }]> = [
        [
          'bob-token',
          [ROUTES.createTicket, { site: 'acme-main', product: 'confluence', summary: 'Pages missing', grantDataAccess: true }],
          403,
          { actor: 'bob', action: 'ticket.create', resource: { type: 'product', site: 'acme-main', product: 'confluence' }, code: 'not-eligible' },
        ],
        ['bob-token', [ROUTES.grant, { key: 'PS-200' }, {}], 403, { actor: 'bob', action: 'grant.create', ticket: 'PS-200', code: 'not-eligible' }],
        [
          'alice-token',
          [ROUTES.grantAiConversations, { key: 'PS-200' }, { conversations: ['conv-9'] }],
          422,
          { actor: 'alice', action: 'ai_grant.create', ticket: 'PS-200', code: 'conversation_not_requested' },
        ],
        ['alice-token', [ROUTES.ask, { key: 'PS-101' }, { adminId: 'nora' }], 422, { actor: 'alice', action: 'grant.ask', ticket: 'PS-101', code: 'not_qualified' }],
        ['lee-token', [ROUTES.requestAccess, { key: 'PS-101' }, {}], 403, { actor: 'lee', action: 'support_request.create', ticket: 'PS-101', code: 'forbidden' }],
        ['lee-token', [ROUTES.closeTicket, { key: 'PS-101' }, {}], 403, { actor: 'lee', action: 'ticket.close', ticket: 'PS-101', code: 'forbidden' }],
        [
          'alice-token',
          [ROUTES.revoke, { id: 'sr_PS-102' }, {}, { headers: { 'if-match': '"grant-sr_PS-102-v99"' } }],
          412,
          { actor: 'alice', action: 'grant.revoke', ticket: 'PS-102', code: 'precondition-failed' },
        ],
        ['gus-token', [ROUTES.guardDecision, { id: 'sr_PS-102' }, { decision: 'approve' }], 409, { actor: 'gus', action: 'grant.guard_approve', ticket: 'PS-102', code: 'illegal-transition' }],
        ['nora-token', [ROUTES.bulkGrant, { tickets: ['PS-104'] }], 403, { actor: 'nora', action: 'grant.bulk_create', code: 'forbidden' }],
        [
          'sam-token',
          [ROUTES.checkAccess, { ticket: 'PS-101', resource: { type: 'ai_conversation', id: 'conv-1', conversation: 'conv-2' } }],
          400,
          { actor: 'sam', action: 'access.check', ticket: 'PS-101', code: 'bad-request' },
        ],
        [
          'nora-token',
          [ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira', for: { userId: 'mia' } }],
          422,
          { actor: 'nora', action: 'access_request.create', code: 'not_on_site_others' },
        ],
        ['lee-token', [ROUTES.createChangeRequest, { key: 'PS-101' }, ask], 404, { actor: 'lee', action: 'change_request.create', ticket: 'PS-101', code: 'not-found' }],
        ['mia-token', [ROUTES.approveChangeRequest, { id: cr.json.id }, {}], 403, { actor: 'mia', action: 'change_request.approve', ticket: 'PS-101', resource: crTarget, code: 'not-eligible' }],
        ['gus-token', [ROUTES.declineChangeRequest, { id: cr.json.id }, {}], 403, { actor: 'gus', action: 'change_request.decline', ticket: 'PS-101', resource: crTarget, code: 'not-eligible' }],
        [
          'bob-token',
          [ROUTES.guardDecideChangeRequest, { id: cr.json.id }, { decision: 'deny' }],
          403,
          { actor: 'bob', action: 'change_request.guard_deny', ticket: 'PS-101', resource: crTarget, code: 'forbidden' },
        ],
        ['gus-token', [ROUTES.approveAccessRequest, { id: ar.json.id }, {}], 403, { actor: 'gus', action: 'access_request.approve', code: 'not_reviewer' }],
        ['gus-token', [ROUTES.denyAccessRequest, { id: ar.json.id }, {}], 403, { actor: 'gus', action: 'access_request.deny', code: 'not_reviewer' }],
        ['sam-token', [ROUTES.bulkDecideAccessRequests, { ids: [ar.json.id], decision: 'deny' }], 403, { actor: 'sam', action: 'access_request.deny', code: 'forbidden' }],
        ['alice-token', [ROUTES.signOut, { everywhere: true }], 400, { actor: 'alice', action: 'auth.sign_out', code: 'bad-request' }],
        ['alice-token', [ROUTES.createApiKey, { name: 'tooling', scopes: ['access_check'] }], 422, { actor: 'alice', action: 'api_key.create', code: 'engineer_required' }],
        ['bob-token', [ROUTES.deleteApiKey, { id: 'key_none' }], 403, { actor: 'bob', action: 'api_key.delete', code: 'forbidden' }],
        ['bob-token', [ROUTES.createRoleAssignment, { user: 'bob', role: 'org_admin' }], 403, { actor: 'bob', action: 'directory.role_assign', code: 'forbidden' }],
        [
          'bob-token',
          [ROUTES.deleteRoleAssignment, { id: 'role_none' }],
          403,
          { actor: 'bob', action: 'directory.role_remove', resource: { type: 'role_assignment', id: 'role_none' }, code: 'forbidden' },
        ],
        ['bob-token', [ROUTES.setSiteStatus, { id: 'acme-main' }, { status: 'pending_deletion' }], 403, { actor: 'bob', action: 'directory.site_status', code: 'forbidden' }],
        ['bob-token', [ROUTES.setSiteGuard, { id: 'acme-main' }, { restricted: true }], 403, { actor: 'bob', action: 'directory.site_guard', code: 'forbidden' }],
        ['lee-token', [ROUTES.assignTicket, { key: 'PS-101' }, { engineer: 'lee' }], 403, { actor: 'lee', action: 'ticket.assign', ticket: 'PS-101', code: 'forbidden' }],
        // SCIM: recorded against the key, with the scimType (or status) as the code.
        [
          scim,
          [SCIM_ROUTES.scimCreateUser, { userName: 'ALICE@acme.test' }],
          409,
          { actor: keyId, action: 'directory.person_create', resource: { type: 'person', userName: 'ALICE@acme.test' }, code: 'uniqueness' },
        ],
        [
          scim,
          [SCIM_ROUTES.scimReplaceUser, { id: 'nobody' }, { userName: 'x@acme.test' }],
          404,
          { actor: keyId, action: 'directory.person_update', resource: { type: 'person', id: 'nobody' }, code: 'scim-404' },
        ],
        [
          scim,
          [SCIM_ROUTES.scimPatchUser, { id: 'bob' }, { Operations: [{ op: 'jump' }] }],
          400,
          { actor: keyId, action: 'directory.person_update', resource: { type: 'person', id: 'bob' }, code: 'invalidSyntax' },
        ],
        [scim, [SCIM_ROUTES.scimDeleteUser, { id: 'nobody' }], 404, { actor: keyId, action: 'directory.person_delete', resource: { type: 'person', id: 'nobody' }, code: 'scim-404' }],
        [scim, [SCIM_ROUTES.scimCreateGroup, { members: [] }], 400, { actor: keyId, action: 'directory.group_create', resource: { type: 'group' }, code: 'invalidValue' }],
        [
          scim,
          [SCIM_ROUTES.scimReplaceGroup, { id: 'none' }, { displayName: 'x' }],
          404,
          { actor: keyId, action: 'directory.group_update', resource: { type: 'group', id: 'none' }, code: 'scim-404' },
        ],
        [
          scim,
          [SCIM_ROUTES.scimPatchGroup, { id: 'none' }, { Operations: [{ op: 'add', path: 'members', value: [{ value: 'bob' }] }] }],
          404,
          { actor: keyId, action: 'directory.group_update', resource: { type: 'group', id: 'none' }, code: 'scim-404' },
        ],
        [scim, [SCIM_ROUTES.scimDeleteGroup, { id: 'none' }], 404, { actor: keyId, action: 'directory.group_delete', resource: { type: 'group', id: 'none' }, code: 'scim-404' }],
      ];
      // Every write route of the app is walked here and named for the audit log, but the sign-in
      // exchange: it is answered before anyone is identified (its refusals are 401s under the
      // failed-authentication brake, test/server/identity/id-token-table.test.ts), so it has no caller to record.
      const preAuthentication = [routeKey(ROUTES.createSession)];
      const routes = h.api.app.routes.filter((r) => !['ALL', 'GET'].includes(r.method)).map((r) => `${r.method} ${r.path}`);
      expect(routes).toEqual(expect.arrayContaining(preAuthentication));
      const writes = routes.filter((w) => !preAuthentication.includes(w));
      expect(writes.length).toBeGreaterThan(10);
      expect(writes.filter((w) => !cases.some((c) => routeKey(c[1][0]) === w))).toEqual([]);
      expect(writes.filter((w) => !policyOf(h.api.app, w.split(' ')[0]!, w.split(' ')[1]!)?.policy.refusal)).toEqual([]);

      for (const [token, call, status, want] of cases) {
        const route = routeKey(call[0]);
        const before = await head();
        const r = await h.call(token, ...call);
        expect(r.status, `${route} → ${JSON.stringify(r.json)}`).toBe(status);
        expect(r.type, route).toContain(route.includes(' /scim/') ? 'application/scim+json' : 'application/problem+json');
        const rows = await rowsAfter(before);
        expect(rows, route).toHaveLength(1);
        const { code, ...fields } = want;
        expect(rows[0], route).toMatchObject({ outcome: 'refused', ticket: null, ...fields, detail: { code, status } });
      }
      // A bulk decision answers 200; each refused row of it is still recorded, once.
      const beforeBulk = await head();
      const bulk = await h.call('gus-token', ROUTES.bulkDecideAccessRequests, { ids: [ar.json.id], decision: 'approve' });
      expect(bulk.status).toBe(200);
      expect(bulk.json.results[0]).toMatchObject({ ok: false, code: 'not_reviewer' });
      const bulkRows = await rowsAfter(beforeBulk);
      expect(bulkRows).toHaveLength(1);
      expect(bulkRows[0]).toMatchObject({ outcome: 'refused', actor: 'gus', action: 'access_request.approve', detail: { code: 'not_reviewer', status: 403 } });
      expect((await h.call('alice-token', ROUTES.verifyAudit)).json).toMatchObject({ ok: true });
    });

    it('the refusals the issue names are each on record once: AI grants, Support requests, reviews, 422s, 412s', async () => {
      const g = await h.call('alice-token', ROUTES.grant, { key: 'PS-110' }, {});
      expect(g.status).toBe(201);
      const ar = await h.call('mia-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence' });
      expect((await h.call('alice-token', ROUTES.denyAccessRequest, { id: ar.json.id }, {})).status).toBe(200);
      const cases: Array<[string, RouteCall, number, string]> = [
        ['bob-token', [ROUTES.grantAiConversations, { key: 'PS-200' }, { conversations: ['conv-1'] }], 403, 'ai_grant.create'], // refused AI grant
        ['sam-token', [ROUTES.requestAccess, { key: 'PS-110' }, {}], 409, 'support_request.create'], // already has a live grant
        ['dev-token', [ROUTES.approveAccessRequest, { id: ar.json.id }, {}], 409, 'access_request.approve'], // already decided
        ['alice-token', [ROUTES.revoke, { id: g.json.id }, {}, { headers: { 'if-match': '"grant-x-v1"' } }], 412, 'grant.revoke'],
        ['alice-token', [ROUTES.grant, { key: 'PS-110' }, {}], 409, 'grant.create'],
        ['alice-token', [ROUTES.closeTicket, { key: 'NOPE-1' }, {}], 404, 'ticket.close'],
      ];
      for (const [token, call, status, action] of cases) {
        const before = await head();
        const r = await h.call(token, ...call);
        expect(r.status, `${describeCall(...call)} ${JSON.stringify(r.json)}`).toBe(status);
        const rows = await rowsAfter(before);
        expect(
          rows.map((x) => [x.action, x.outcome]),
          describeCall(...call),
        ).toEqual([[action, 'refused']]);
      }
    });

    it('a bulk grant records each refused row once; a replayed refusal is not a second one', async () => {
      let before = await head();
      const bulk = await h.call('alice-token', ROUTES.bulkGrant, { tickets: ['PS-114', 'CL-1'] });
      expect(bulk.json.results.map((x: { ok: boolean }) => x.ok)).toEqual([true, false]);
      const rows = await rowsAfter(before);
      expect(rows.filter((x) => x.outcome === 'refused').map((x) => [x.action, x.ticket])).toEqual([['grant.create', 'CL-1']]);

      before = await head();
      const key = `refused-replay-${backend}`;
      const first = await h.call('bob-token', ROUTES.grant, { key: 'PS-200' }, {}, { headers: { 'idempotency-key': key } });
      const again = await h.call('bob-token', ROUTES.grant, { key: 'PS-200' }, {}, { headers: { 'idempotency-key': key } });
      expect([first.status, again.status]).toEqual([403, 403]);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await rowsAfter(before)).toHaveLength(1);
      expect((await h.call('alice-token', ROUTES.verifyAudit)).json).toMatchObject({ ok: true });
    });
  });
}
