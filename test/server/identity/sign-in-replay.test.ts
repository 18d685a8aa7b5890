// Outside review 2026-12-07 of sign-in sessions (kinds: replay, and sign-out not reaching every
// session). Real demo identity provider (scripts/demo-idp.ts, RS256), real PGlite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoIdp, type DemoIdp } from '../../../scripts/demo-idp';
import { createApp, type AccessApp } from '../../../src/server/app';
import { openPglite, type Db } from '../../../src/server/db/index';
import { WORLD } from '../helpers';
import { refreshAtProvider, signInAtProvider } from './oidc-flow';
import { ROUTES } from '../../../src/api/contract';
import { callApi } from '../../support/api-call';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The same JWS with its signature spelled differently: a 256-byte RS256 signature is 342 base64url
 * characters whose last one carries 4 unused bits; flipping the lowest leaves the decoded bytes,
 * and so the signature, unchanged.
 */
function respelled(jwt: string): string {
  const last = jwt.at(-1)!;
  return jwt.slice(0, -1) + B64URL[B64URL.indexOf(last) ^ 1];
}

let idp: DemoIdp;
let db: Db;
let api: AccessApp;
beforeAll(async () => {
  idp = await startDemoIdp({ port: 0, people: WORLD.users.map((u) => ({ id: u.id, name: u.name, email: u.email, emailVerified: u.emailVerified })) });
  db = await openPglite();
  api = await createApp({ world: structuredClone({ ...WORLD, organization: { ...WORLD.organization, identity: { issuer: idp.issuer, clientId: 'access-companion' } } }), db, log: () => {} });
});
afterAll(async () => {
  await api?.close();
  await db?.close();
  await idp?.close();
});

describe('an ID token signs in once', () => {
  // Fault (fixed): replay. The replay guard keyed on SHA-256 of the whole token string, and a JWS has more
  // than one spelling of the same signature, so a captured ID token signed in again.
  it('also when its signature is re-encoded (same bytes, another spelling)', async () => {
    const signed = await signInAtProvider(idp.issuer, 'alice@acme.test');
    const first = await callApi(api.app, signed.idToken, ROUTES.createSession, { nonce: signed.nonce });
    expect(first.status).toBe(201);
    // The straight replay is refused (this held).
    expect((await callApi(api.app, signed.idToken, ROUTES.createSession, { nonce: signed.nonce })).status).toBe(401);
    // The nonce is in the token's readable payload, so whoever holds the token holds the nonce.
    const again = await callApi(api.app, respelled(signed.idToken), ROUTES.createSession, { nonce: signed.nonce });
    expect(again.status).toBe(401);
    expect((await db.query("SELECT 1 FROM sessions WHERE user_id = 'alice'")).length).toBe(1);
  });
});

describe('sign-out', () => {
  // Fault (fixed): a sign-out that does not end every session. A session in its renewal grace can be
  // renewed twice (a retried renewal, two workers, or whoever holds it); the sign-out with one
  // successor ends that successor only, and the other lives on for its hour.
  it('ends every session renewed from the one signed in, not only the newest', async () => {
    const first = await signInAtProvider(idp.issuer, 'gus@acme.test');
    const opened = await callApi(api.app, first.idToken, ROUTES.createSession, { nonce: first.nonce });
    expect(opened.status).toBe(201);
    const a = (opened.json as { token: string }).token;
    const fresh = await refreshAtProvider(first.as, first.refreshToken!);
    const renewB = await callApi(api.app, fresh.idToken, ROUTES.createSession, { nonce: first.nonce, previousSession: a });
    expect(renewB.status).toBe(201);
    const b = (renewB.json as { token: string }).token;
    // A second renewal of A, still in its grace (the same fresh ID token: renewals are not replay-checked).
    const renewC = await callApi(api.app, fresh.idToken, ROUTES.createSession, { nonce: first.nonce, previousSession: a });
    // Refused now: a session is renewed once.
    expect(renewC.status).toBe(401);
    const c = renewC.status === 201 ? (renewC.json as { token: string }).token : undefined;
    // The person signs out with the session they were given last.
    expect((await callApi(api.app, b, ROUTES.signOut, {})).json).toEqual({ ended: true });
    for (const t of [a, b, ...(c ? [c] : [])]) expect((await callApi(api.app, t, ROUTES.me)).status, `session ${t.slice(0, 8)}…`).toBe(401);
  });
});

describe('a refused replay of a real ID token', () => {
  // Fault (fixed): refusal not on record. A second exchange of an ID token whose signature verified (a
  // stolen token, the person known) is a 401 and leaves no audit row: 401s are kept off the log
  // because an unauthenticated caller has no one to charge a row to, but here the provider vouched
  // for who it is. The person's log shows one sign-in; the theft attempt is nowhere.
  it("is on the person's record (one refused auth row)", async () => {
    const signed = await signInAtProvider(idp.issuer, 'olga@acme.test');
    expect((await callApi(api.app, signed.idToken, ROUTES.createSession, { nonce: signed.nonce })).status).toBe(201);
    expect((await callApi(api.app, signed.idToken, ROUTES.createSession, { nonce: signed.nonce })).status).toBe(401);
    const rows = await db.query<{ action: string; outcome: string }>("SELECT action, outcome FROM audit WHERE actor = 'olga' AND action LIKE 'auth.%' ORDER BY seq");
    expect(rows.filter((r) => r.outcome === 'refused')).toEqual([{ action: 'auth.id_token_replayed', outcome: 'refused' }]);
  });
});

describe('an ID token exchanged for a renewal', () => {
  // Fault (fixed): replay (after sign-out). Only sign-ins record the ID token they exchanged; a renewal's
  // fresh ID token is not recorded, so after the person signs out it can still open a new session
  // (for up to an hour from its iat), by whoever kept a copy.
  it('does not open a session after the person signed out', async () => {
    const first = await signInAtProvider(idp.issuer, 'dev@acme.test');
    const a = await callApi(api.app, first.idToken, ROUTES.createSession, { nonce: first.nonce });
    expect(a.status).toBe(201);
    // A later second, so the provider's fresh ID token differs from the sign-in's (iat in seconds).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const fresh = await refreshAtProvider(first.as, first.refreshToken!);
    expect(fresh.idToken).not.toBe(first.idToken);
    const b = await callApi(api.app, fresh.idToken, ROUTES.createSession, { nonce: first.nonce, previousSession: (a.json as { token: string }).token });
    expect(b.status).toBe(201);
    expect((await callApi(api.app, (b.json as { token: string }).token, ROUTES.signOut, {})).json).toEqual({ ended: true });
    const again = await callApi(api.app, fresh.idToken, ROUTES.createSession, { nonce: first.nonce });
    expect(again.status).toBe(401);
  });
});
