// Outside review 2026-12-07 (kind: scope escape through a method alias, a new kind beside
// "identity confusion"): Hono answers HEAD with the GET handler, but the key-scope middleware
// looked the route up by the request's own method (HEAD), found none, took it for "no such route"
// and let the request through. A key of any scope then ran every GET handler: HEAD /v1/inbox
// answered 200 with an ETag, HEAD /v1/me threw inside the handler (500). A HEAD must be held to the
// scope of the GET it is answered by.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type AccessApp } from '../../../src/server/app';
import { openPglite, type Db } from '../../../src/server/db/index';
import { WORLD } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi, pathOf, send } from '../../support/api-call';

let api: AccessApp | undefined;
let db: Db | undefined;
afterEach(async () => {
  await api?.close();
  await db?.close();
  api = undefined;
  db = undefined;
});

async function keyWith(scopes: string[], engineer?: string) {
  db = await openPglite();
  api = await createApp({ world: WORLD, db, log: () => {}, rateLimitPerMinute: 100_000 });
  const made = await callApi(api.app, 'alice-token', ROUTES.createApiKey, { name: 'scim push', scopes, ...(engineer ? { engineer } : {}) });
  expect(made.status).toBe(201);
  return (made.json as { secret: string }).secret;
}

describe('a scoped API key sent with HEAD', () => {
  // Fault (fixed): scope escape through HEAD (the key-scope middleware matched routes by the raw method).
  it('is refused (403 key_scope) on every GET route outside its scope, as the GET is', async () => {
    const secret = await keyWith(['scim']);
    // HEAD is no route of the contract (the GET route answers it), so it is sent raw, on the GET route's path.
    for (const path of [pathOf(ROUTES.me), pathOf(ROUTES.inbox), pathOf(ROUTES.supportRequests), pathOf(ROUTES.ticket, { key: 'PS-101' }), pathOf(ROUTES.audit), pathOf(ROUTES.apiKeys)]) {
      const get = await send(api!.app, secret, 'GET', path);
      expect(get.status, `GET ${path}`).toBe(403);
      const head = await send(api!.app, secret, 'HEAD', path);
      expect(head.status, `HEAD ${path}`).toBe(403);
      expect(head.headers.get('etag'), `HEAD ${path} gives no ETag`).toBeNull();
    }
  });

  it('is answered as the GET on a route the key may call (audit_read: HEAD /v1/audit is 200)', async () => {
    const secret = await keyWith(['audit_read']);
    const head = await send(api!.app, secret, 'HEAD', pathOf(ROUTES.audit));
    expect(head.status).toBe(200);
  });
});
