// Outside review 2026-12-07 of sign-in sessions (kind: identity confusion). The API matched an ID
// token's email to a person by normalizeEmail (NFKC, then upper- and lower-casing), the form made
// for finding duplicates among the org's own addresses. At the provider, "alıce@acme.test"
// (dotless ı) and "ｍia@acme.test" (full-width m) are other accounts, other mailboxes, with their
// own subjects; the fold turned them into alice and mia, so either signed in as them.
// Real demo identity provider (its accounts here are the look-alikes), real PGlite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoIdp, type DemoIdp } from '../../../scripts/demo-idp';
import { createApp, type AccessApp } from '../../../src/server/app';
import { openPglite, type Db } from '../../../src/server/db/index';
import { WORLD } from '../helpers';
import { signInAtProvider } from './oidc-flow';
import { ROUTES } from '../../../src/api/contract';
import { callApi } from '../../support/api-call';

let idp: DemoIdp;
let db: Db;
let api: AccessApp;
beforeAll(async () => {
  idp = await startDemoIdp({
    port: 0,
    people: [
      { id: 'mallory', name: 'Mallory', email: 'al\u0131ce@acme.test', emailVerified: true },
      { id: 'trudy', name: 'Trudy', email: '\uff4dia@acme.test', emailVerified: true },
      { id: 'bob', name: 'Bob Stone', email: 'Bob@Acme.test', emailVerified: true },
    ] as never,
  });
  db = await openPglite();
  api = await createApp({ world: structuredClone({ ...WORLD, organization: { ...WORLD.organization, identity: { issuer: idp.issuer, clientId: 'access-companion' } } }), db, log: () => {} });
});
afterAll(async () => {
  await api?.close();
  await db?.close();
  await idp?.close();
});

describe("an ID token's email names a person only when it is their address", () => {
  // Fault (fixed): identity confusion (a folded look-alike address became the org's person).
  it('a look-alike account at the provider (dotless ı, full-width letter) is not a person of the org (401)', async () => {
    for (const email of ['al\u0131ce@acme.test', '\uff4dia@acme.test']) {
      const signed = await signInAtProvider(idp.issuer, email);
      const r = await callApi(api.app, signed.idToken, ROUTES.createSession, { nonce: signed.nonce });
      expect(r.status, email).toBe(401);
    }
    expect(await db.query('SELECT user_id, subject FROM sessions')).toEqual([]);
  });

  it('the same address in other letter case is the same person', async () => {
    const signed = await signInAtProvider(idp.issuer, 'Bob@Acme.test');
    const r = await callApi(api.app, signed.idToken, ROUTES.createSession, { nonce: signed.nonce });
    expect(r.status).toBe(201);
    expect((r.json as { user: { id: string } }).user.id).toBe('bob');
  });
});
