// Outside review 2026-12-07 (kind: stale facts). "Deleting a key refuses it from its next request
// on every API process", and a signed-out session likewise; but an event stream is one request.
// The audit stream a SIEM opened with a key (or an admin with a session) was authorised once, when
// it opened, and kept sending every new audit row after the key was deleted: the row of its own
// deletion first. A stream must end when its credential does.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type AccessApp } from '../../../src/server/app';
import { openPglite, type Db } from '../../../src/server/db/index';
import { startDemoIdp } from '../../../scripts/demo-idp';
import { openStream, WORLD } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi, type RouteCall } from '../../support/api-call';
import { signInAtProvider } from '../identity/oidc-flow';

let api: AccessApp | undefined;
let db: Db | undefined;
afterEach(async () => {
  await api?.close();
  await db?.close();
});

const admin = (...call: RouteCall) => callApi(api!.app, 'alice-token', ...call);

/** Reads the stream until it ends or an audit event with `action` arrives; which one happened. */
async function readUntil(body: ReadableStream<Uint8Array>, action: string): Promise<'ended' | 'received'> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return 'ended';
    text += decoder.decode(value, { stream: true });
    if (text.includes(`"action":"${action}"`)) {
      await reader.cancel();
      return 'received';
    }
  }
}

describe('an open audit stream', () => {
  // Fault (fixed): stale facts (the stream kept the authorisation it was opened with).
  it('ends when the API key it was opened with is deleted, sending nothing written after', async () => {
    db = await openPglite();
    api = await createApp({ world: WORLD, db, log: () => {}, rateLimitPerMinute: 100_000 });
    const made = await admin(ROUTES.createApiKey, { name: 'SIEM', scopes: ['audit_read'] });
    const key = made.json as { id: string; secret: string };
    const stream = await openStream(api.app, key.secret, ROUTES.auditStream);
    expect(stream.res.status).toBe(200);
    expect((await admin(ROUTES.deleteApiKey, { id: key.id })).status).toBe(204);
    // A later row: the deleted key must not read it.
    expect((await admin(ROUTES.createApiKey, { name: 'another', scopes: ['scim'] })).status).toBe(201);
    expect(await readUntil(stream.res.body!, 'api_key.create')).toBe('ended');
  }, 30_000);

  it('ends when the session it was opened with signs out', async () => {
    const idp = await startDemoIdp({ port: 0, people: WORLD.users.map((u) => ({ id: u.id, name: u.name, email: u.email, emailVerified: u.emailVerified })) });
    try {
      db = await openPglite();
      api = await createApp({ world: structuredClone({ ...WORLD, organization: { ...WORLD.organization, identity: { issuer: idp.issuer, clientId: 'access-companion' } } }), db, log: () => {} });
      const signed = await signInAtProvider(idp.issuer, 'alice@acme.test');
      const opened = await callApi(api.app, signed.idToken, ROUTES.createSession, { nonce: signed.nonce });
      const { token } = opened.json as { token: string };
      const stream = await openStream(api.app, token, ROUTES.auditStream);
      expect(stream.res.status).toBe(200);
      const out = await callApi(api.app, token, ROUTES.signOut, {});
      expect(out.json).toEqual({ ended: true });
      expect((await admin(ROUTES.createApiKey, { name: 'after sign-out', scopes: ['scim'] })).status).toBe(201);
      expect(await readUntil(stream.res.body!, 'api_key.create')).toBe('ended');
    } finally {
      await idp.close();
    }
  }, 30_000);
});
