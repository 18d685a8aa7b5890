// What every answer says about itself (issue 19): `X-Content-Type-Options: nosniff` everywhere,
// `Cache-Control: no-store` on whatever a caller identified by token reads; CORS answers only the
// extensions the deployment names (the demo build's pinned id, plus --extension-ids); a write with
// a bad or missing token is a 401 that writes no audit row (it is charged to the failed-auth brake).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXTENSION_ID } from '../../../src/api/extension-ids';
import { createApp } from '../../../src/server/app';
import { extensionOrigins } from '../../../src/server/http/cors';
import { openPglite } from '../../../src/server/db/index';
import { ADMIN_URL, harness, WORLD, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi, pathOf, requestOf, send, type RouteCall } from '../../support/api-call';

const STORE_ID = 'bcdefghijklmnopabcdefghijklmnopa';
const FIREFOX = 'moz-extension://0f1e2d3c-4b5a-4697-8877-66554433aa11';

describe('answer headers and CORS', () => {
  let h: Harness;
  let configured: Awaited<ReturnType<typeof createApp>>;
  beforeAll(async () => {
    h = await harness('pglite');
    configured = await createApp({ world: WORLD, db: await openPglite(), log: () => {}, extensionIds: [STORE_ID, FIREFOX] });
  });
  afterAll(async () => {
    await configured?.close();
    await configured?.ctx.db.close();
    await h?.close();
  });

  it('every answer carries nosniff; answers to an identified caller are no-store', async () => {
    const alice = { authorization: 'Bearer alice-token' };
    const list = await h.call('alice-token', ROUTES.grants);
    const unchanged = await h.call('alice-token', ROUTES.grants, { headers: { 'if-none-match': list.headers.get('etag')! } });
    expect(unchanged.status).toBe(304);
    const answers: Array<[string, { headers: Headers }, boolean]> = [
      ['grants (ETag list)', list, true],
      ['304', unchanged, true],
      ['healthz', await h.call(null, ROUTES.health), false],
      ['openapi', await h.call(null, ROUTES.openapi), false],
      ['401', await h.call(null, ROUTES.me), false],
      // A path no route answers, on purpose.
      ['404 unauthenticated', await send(h.api.app, null, 'GET', '/v1/nothing'), false],
      ['me', await h.call('alice-token', ROUTES.me), true],
      ['audit', await h.call('alice-token', ROUTES.audit), true],
      ['403 problem to a caller', await h.call('bob-token', ROUTES.audit), true],
      ['POST', await h.call('alice-token', ROUTES.grant, { key: 'PS-101' }, {}), true],
    ];
    const ctrl = new AbortController();
    // A stream stays open: read raw, only its headers.
    const stream = await h.api.app.request(pathOf(ROUTES.events), { headers: alice, signal: ctrl.signal });
    answers.push(['event stream', stream, true]);
    const seen = answers.map(([name, res, authed]) => ({ name, nosniff: res.headers.get('x-content-type-options'), cache: authed ? res.headers.get('cache-control') : 'n/a' }));
    expect(seen).toEqual(answers.map(([name, , authed]) => ({ name, nosniff: 'nosniff', cache: authed ? 'no-store' : 'n/a' })));
    ctrl.abort();
    await stream.body?.cancel().catch(() => {});
  });

  it('CORS answers the demo build and the extensions the deployment names, no other', async () => {
    const preflight = (app: typeof h.api.app, origin: string) =>
      app.request(pathOf(ROUTES.me), { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    const allowed = async (app: typeof h.api.app, origin: string) => (await preflight(app, origin)).headers.get('access-control-allow-origin');
    const demo = `chrome-extension://${DEMO_EXTENSION_ID}`;
    expect(await allowed(h.api.app, demo)).toBe(demo);
    // Any other extension: not answered (it was reflected before).
    expect(await allowed(h.api.app, 'chrome-extension://abcdefghijklmnopabcdefghijklmnop')).toBeNull();
    expect(await allowed(h.api.app, `chrome-extension://${STORE_ID}`)).toBeNull();
    expect(await allowed(h.api.app, FIREFOX)).toBeNull();
    expect(await allowed(h.api.app, 'https://evil.test')).toBeNull();
    // Named with --extension-ids.
    expect(await allowed(configured.app, `chrome-extension://${STORE_ID}`)).toBe(`chrome-extension://${STORE_ID}`);
    expect(await allowed(configured.app, FIREFOX)).toBe(FIREFOX);
    expect(await allowed(configured.app, demo)).toBe(demo);
    expect(await allowed(configured.app, 'moz-extension://00000000-0000-4000-8000-000000000000')).toBeNull();
    // A simple request too, not only the preflight.
    const simple = await callApi(configured.app, 'alice-token', ROUTES.me, { headers: { origin: FIREFOX } });
    expect(simple.headers.get('access-control-allow-origin')).toBe(FIREFOX);
  });

  it('--extension-ids accepts ids and origins, and refuses anything else, wildcards included', () => {
    expect([...extensionOrigins([STORE_ID, ` chrome-extension://${STORE_ID} `, FIREFOX, ''])]).toEqual([`chrome-extension://${DEMO_EXTENSION_ID}`, `chrome-extension://${STORE_ID}`, FIREFOX]);
    for (const bad of ['moz-extension://*', 'chrome-extension://*', 'https://evil.test', 'ABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP', 'moz-extension://0F1E2D3C-4B5A-4697-8877-66554433AA11', 'abc'])
      expect(() => extensionOrigins([bad]), bad).toThrow(/is not a Chrome extension id/);
  });
});

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`a write without a valid token on ${backend}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness(backend);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('is a 401 problem and writes no audit row, on every kind of write route', async () => {
      const count = async () => Number((await h.db.query<{ n: number | string }>('SELECT count(*) AS n FROM audit'))[0]!.n);
      const before = await count();
      const writes: RouteCall[] = [
        [ROUTES.grant, { key: 'PS-101' }, {}],
        [ROUTES.revoke, { id: 'g-1' }, {}],
        [ROUTES.checkAccess, { ticket: 'PS-101', resource: { type: 'page' } }],
        [ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira' }],
        [ROUTES.closeTicket, { key: 'PS-101' }, {}],
      ];
      for (const call of writes)
        for (const authorization of [undefined, 'Bearer not-a-token', 'Basic YWxpY2U6eA==']) {
          // The authorization header as written, not a bearer token.
          const { method, path, body } = requestOf(call);
          const res = await send(h.api.app, null, method, path, body, authorization ? { authorization } : {});
          expect(res.status, `${path} ${authorization}`).toBe(401);
          expect(res.headers.get('content-type')).toContain('application/problem+json');
        }
      expect(await count()).toBe(before);
      // The same refusal with a valid token is on record: one row.
      expect((await h.call('bob-token', ROUTES.revoke, { id: 'g-1' }, {})).status).toBe(404);
      expect(await count()).toBe(before + 1);
    });
  });
}
