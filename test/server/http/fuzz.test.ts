// Hostile input: malformed, oversized and odd bodies and headers on every route never produce a
// 5xx, and every refusal is application/problem+json.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, type RouteDef } from '../../../src/api/contract';
import { ADMIN_URL, harness, type Backend, type Harness } from '../helpers';
import { describeCall, pathOf, type RouteCall } from '../../support/api-call';

/**
 * The routes fuzzed, from the contract, with the query parameters worth fuzzing ({s}). Path
 * parameters are filled raw below (unencoded, `..`, `%00`), on purpose, not through fillPath.
 */
const FUZZED: Array<[string, string]> = (
  [
    [ROUTES.me],
    [ROUTES.ticket],
    [ROUTES.eligibility],
    [ROUTES.ticketGrants],
    [ROUTES.grant],
    [ROUTES.grantAiConversations],
    [ROUTES.ask],
    [ROUTES.requestAccess],
    [ROUTES.closeTicket],
    [ROUTES.activity],
    [ROUTES.grants, '?state={s}'],
    [ROUTES.getGrant],
    [ROUTES.revoke],
    [ROUTES.guardDecision],
    [ROUTES.supportRequests],
    [ROUTES.bulkGrant],
    [ROUTES.checkAccess],
    [ROUTES.inbox],
    [ROUTES.requestProductAccess],
    [ROUTES.accessRequests, '?state={s}'],
    [ROUTES.approveAccessRequest],
    [ROUTES.denyAccessRequest],
    [ROUTES.audit, '?actor={s}&from={s}&cursor={s}&limit={s}'],
    [ROUTES.verifyAudit],
    [ROUTES.auditCheckpoints, '?cursor={s}&limit={s}'],
    [ROUTES.auditPublicKey],
  ] as Array<[RouteDef, string?]>
).map(([r, query = '']) => [r.method.toUpperCase(), r.path + query]);
// Methods the contract has no route for, on purpose.
FUZZED.push(['PUT', '/v1/me'], ['DELETE', '/v1/grants/{id}']);

const printable = fc.string({ unit: fc.constantFrom(...' !"#$%&\'()*+,-./0123456789:;<=>?@ABCZ[\\]^_`az{|}~'.split('')), maxLength: 40 });
const segment = fc.oneof(fc.constantFrom('PS-100', 'EU-1', 'CL-1', 'OLD-1', 'sr_PS-102', 'nope', '..', '%2e%2e', '%00', 'a'.repeat(300)), printable.map(encodeURIComponent));
const token = fc.constantFrom('alice-token', 'bob-token', 'sam-token', 'gus-token', 'nora-token', '', 'x', 'alice-token ', 'Bearer');
const jsonValue = fc.jsonValue({ maxDepth: 4 });
const body = fc.oneof(
  jsonValue.map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        tickets: fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 5 }),
        decision: fc.string(),
        conversations: fc.anything(),
        adminId: fc.anything(),
        resource: fc.anything(),
        ticket: fc.anything(),
        site: fc.anything(),
        product: fc.anything(),
        for: fc.anything(),
        message: fc.anything(),
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x))),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '{',
    '[]',
    'null',
    '"x"',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{}}}',
    '{"ticket":"PS-100","resource":{"type":"page","id":"\\u0000"}}',
    '{"site":"acme-main\\u0000","product":"jira"}',
    '{"adminId":"alice","message":"\\ud800"}',
    'x'.repeat(70_000),
    `{"note":"${'y'.repeat(66_000)}"}`,
  ),
  fc.constant(undefined),
);
const headers = fc.record(
  {
    'content-type': fc.constantFrom('application/json', 'text/plain', 'application/problem+json', 'application/json; charset=utf-8', 'multipart/form-data; boundary=x', ''),
    'idempotency-key': fc.oneof(printable, fc.constant('k'.repeat(300))),
    'if-match': fc.oneof(printable, fc.constant('*'), fc.constant('W/"grant-sr_PS-102-v1"')),
    'if-none-match': printable,
    'last-event-id': printable,
    'content-length': fc.constantFrom('0', '5', '-1', '99999999', 'abc'),
  },
  { requiredKeys: [] },
);

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`fuzzed routes on ${backend}`, () => {
    if (backend === 'postgres' && !ADMIN_URL) console.log('fuzz on PostgreSQL skipped because DATABASE_URL is unset');
    let h: Harness;
    beforeAll(async () => {
      h = await harness(backend);
    });
    afterAll(async () => h?.close());

    it('never answer 5xx, and every 4xx is problem+json', async () => {
      let skipped = 0;
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...FUZZED), segment, segment, printable, token, body, headers, async ([method, template], t, g, s, tok, b, hs) => {
          const path = template.replace('{key}', t).replace('{id}', g).replaceAll('{s}', encodeURIComponent(s));
          const h2: Record<string, string> = { ...(hs as Record<string, string>), authorization: `Bearer ${tok}` };
          if (h2['content-length'] !== undefined) delete h2['content-length']; // undici rejects a forged one outright
          let res: Response;
          try {
            res = await h.api.app.request(path, { method, headers: h2, body: method === 'GET' ? undefined : b });
          } catch (e) {
            // A request the fetch layer itself refuses to build never reaches us.
            if (e instanceof TypeError) {
              skipped++;
              return;
            }
            throw e;
          }
          const text = await res.text();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          expect(res.status, `${method} ${path} → ${res.status} ${text.slice(0, 200)}`).toBeLessThan(500);
          if (res.status >= 400) {
            expect(res.headers.get('content-type')).toContain('application/problem+json');
            const p = JSON.parse(text);
            expect(p.type).toMatch(/^https:\/\/access-companion\.dev\/problems\//);
            expect(text).not.toMatch(/\bat .*\.ts:\d+/);
          }
        }),
        { numRuns: 600 },
      );
      // Most runs must reach the app, not be refused by the fetch layer.
      expect(skipped).toBeLessThan(100);
      console.log(
        `fuzz: ${[...statuses]
          .sort((a, b) => a[0] - b[0])
          .map(([k, v]) => `${k}×${v}`)
          .join(' ')}; ${skipped} unbuildable`,
      );
    });

    it('NUL bytes and lone surrogates in stored strings are refused, not crashes', async () => {
      // Bodies as raw JSON text: the escapes reach the server as written.
      const cases: Array<[string, RouteCall]> = [
        ['sam-token', [ROUTES.checkAccess, '{"ticket":"PS-100","resource":{"type":"page","id":"a\\u0000b"}}']],
        ['nora-token', [ROUTES.requestProductAccess, '{"site":"acme-main","product":"jira","for":{"email":"x\\u0000@y.test"}}']],
        ['bob-token', [ROUTES.ask, { key: 'PS-200' }, '{"adminId":"alice","message":"\\ud800 hi"}']],
      ];
      for (const [tok, call] of cases) {
        const r = await h.call(tok, ...call);
        expect(r.status, `${describeCall(...call)} ${JSON.stringify(r.json)}`).toBe(400);
      }
      const q = await h.call('alice-token', ROUTES.audit, { query: 'actor=%00' });
      expect(q.status).toBe(400);
    });

    it('hostile headers on the raw request: broken auth schemes and huge tokens', async () => {
      for (const auth of ['Basic YWxpY2U6eA==', 'Bearer ' + 'a'.repeat(10_000), 'Bearer\talice-token', 'bearer alice-token', 'Bearer alice-token\u0000']) {
        let res: Response;
        try {
          res = await h.api.app.request(pathOf(ROUTES.me), { headers: { authorization: auth } });
        } catch {
          continue;
        }
        expect(res.status).toBe(401);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
      }
    });
  });
}
