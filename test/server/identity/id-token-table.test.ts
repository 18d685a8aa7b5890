// Every forged or unfit ID token offered for a session is a 401 problem (never a 500, never a
// session), and meets the failed-authentication brake like any bad bearer token. The provider here
// is a real HTTP server publishing a discovery document and a JWKS made with jose; a second one
// plays another org's provider.
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type AccessApp } from '../../../src/server/app';
import { openPglite, type Db } from '../../../src/server/db/index';
import { IdTokenVerifier } from '../../../src/server/identity/oidc';
import { WORLD } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi } from '../../support/api-call';

const CLIENT = 'access-companion';
const NONCE = 'n-0123456789abcdef0123456789';
const PROBLEM = 'application/problem+json';

type Key = Awaited<ReturnType<typeof generateKeyPair>>;
interface FakeProvider {
  issuer: string;
  key: Key;
  kid: string;
  /** Keys published in the JWKS (rotation adds to it). */
  published: JWK[];
  jwksFetches: number;
  close(): Promise<void>;
}

async function fakeProvider(): Promise<FakeProvider> {
  const key = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const p = { key, kid, published: [{ ...(await exportJWK(key.publicKey)), kid, alg: 'RS256', use: 'sig' }], jwksFetches: 0 } as unknown as FakeProvider;
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: p.issuer, jwks_uri: `${p.issuer}/jwks` }));
    if (req.url === '/jwks') {
      p.jwksFetches++;
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: p.published }));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, 'localhost', r));
  p.issuer = `http://localhost:${(server.address() as AddressInfo).port}`;
  p.close = () => new Promise((r) => server.close(() => r()));
  return p;
}

const now = () => Math.floor(Date.now() / 1000);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A well-formed ID token for alice from `p`, with `claims` overriding (undefined deletes) and `header` overriding. */
async function idToken(p: FakeProvider, claims: Partial<Record<keyof JWTPayload | string, unknown>> = {}, opts: { key?: Key; kid?: string; alg?: string } = {}): Promise<string> {
  const payload: Record<string, unknown> = { iss: p.issuer, aud: CLIENT, sub: 'alice-sub', email: 'alice@acme.test', email_verified: true, nonce: NONCE, iat: now(), exp: now() + 600, ...claims };
  for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
  return new SignJWT(payload as JWTPayload).setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: opts.kid ?? p.kid }).sign((opts.key ?? p.key).privateKey);
}

let ours: FakeProvider;
let theirs: FakeProvider;
let db: Db;
let api: AccessApp;
let peer = 0;

/** POST /v1/auth/session with `token` as the bearer, from a fresh client address each time (the brake is tested on its own). */
function exchange(token: string, body: unknown = { nonce: NONCE }, from = `198.51.100.${(peer++ % 250) + 1}`) {
  const socket = { request: (path: string, init: RequestInit) => api.app.request(path, init, { incoming: { socket: { remoteAddress: from } } }) };
  return callApi(socket, token, ROUTES.createSession, body);
}

beforeAll(async () => {
  ours = await fakeProvider();
  theirs = await fakeProvider();
  db = await openPglite();
  api = await createApp({ world: { ...WORLD, organization: { ...WORLD.organization, identity: { issuer: ours.issuer, clientId: CLIENT } } }, db, log: () => {}, authFailuresPerMinute: 5 });
});
afterAll(async () => {
  await api?.close();
  await db?.close();
  await ours?.close();
  await theirs?.close();
});

describe('ID tokens exchanged for a session', () => {
  it('a well-formed token from our provider opens a session for the person its email names', async () => {
    const r = await exchange(await idToken(ours, { email: ' Alice@ACME.test' }));
    expect(r.status).toBe(201);
    const body = r.json as { token: string; expiresAt: string; user: { id: string } };
    expect(body.user.id).toBe('alice');
    expect(body.token).toMatch(/^acs_[\w-]{43}$/);
    expect(Date.parse(body.expiresAt) - Date.now()).toBeLessThanOrEqual(3_600_000);
    const me = await callApi(api.app, body.token, ROUTES.me);
    expect((me.json as { id: string }).id).toBe('alice');
  });

  const cases: Array<[string, () => Promise<string>]> = [
    ['alg none', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: ours.issuer, aud: CLIENT, sub: 'x', email: 'alice@acme.test', nonce: NONCE, iat: now(), exp: now() + 600 })}.`],
    [
      'HS256 keyed with the public key',
      async () => {
        const head = b64({ alg: 'HS256', typ: 'JWT', kid: ours.kid });
        const body = b64({ iss: ours.issuer, aud: CLIENT, sub: 'x', email: 'alice@acme.test', nonce: NONCE, iat: now(), exp: now() + 600 });
        const secret = await exportSPKI(ours.key.publicKey);
        return `${head}.${body}.${createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')}`;
      },
    ],
    ['wrong issuer', () => idToken(ours, { iss: 'https://evil.example' })],
    ['wrong audience', () => idToken(ours, { aud: 'someone-else' })],
    ['several audiences without us as azp', () => idToken(ours, { aud: [CLIENT, 'other'], azp: 'other' })],
    ['expired (beyond the clock skew)', () => idToken(ours, { iat: now() - 900, exp: now() - 120 })],
    ['not yet valid (nbf beyond the clock skew)', () => idToken(ours, { nbf: now() + 300 })],
    ['issued in the future', () => idToken(ours, { iat: now() + 300 })],
    ['issued more than an hour ago', () => idToken(ours, { iat: now() - 7200, exp: now() + 600 })],
    ['no exp', () => idToken(ours, { exp: undefined })],
    ['unknown key id', async () => idToken(ours, {}, { key: await generateKeyPair('RS256'), kid: 'not-published' })],
    ['our key id, another key', async () => idToken(ours, {}, { key: await generateKeyPair('RS256') })],
    ['a valid token from another provider', () => idToken(theirs)],
    ["another provider's token claiming our issuer", () => idToken(theirs, { iss: ours.issuer })],
    ['another nonce', () => idToken(ours, { nonce: 'n-someone-elses-nonce-000000' })],
    ['no nonce', () => idToken(ours, { nonce: undefined })],
    ['no email', () => idToken(ours, { email: undefined })],
    ['an unverified email', () => idToken(ours, { email_verified: false })],
    ['an email of nobody in the org', () => idToken(ours, { email: 'mallory@acme.test' })],
    ['a signature cut off', async () => (await idToken(ours)).replace(/\.[^.]+$/, '.')],
    [
      'a payload edited after signing',
      async () =>
        (await idToken(ours)).replace(
          /^([^.]+)\.([^.]+)/,
          (_m, h: string) => `${h}.${b64({ iss: ours.issuer, aud: CLIENT, sub: 'x', email: 'olga@acme.test', nonce: NONCE, iat: now(), exp: now() + 600 })}`,
        ),
    ],
    ['malformed: not a JWT', async () => 'not-a-jwt'],
    ['malformed: three garbage parts', async () => 'a.b.c'],
    ['malformed: header not JSON', async () => `${Buffer.from('{oops').toString('base64url')}.${b64({})}.sig`],
    ['a session token where an ID token belongs', async () => `acs_${'A'.repeat(43)}`],
  ];

  it.each(cases)('%s → 401 problem', async (_name, make) => {
    const r = await exchange(await make());
    expect(r.status).toBe(401);
    expect(r.headers.get('content-type')).toContain(PROBLEM);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const body = r.json as { type: string; token?: unknown };
    expect(body.type).toMatch(/unauthenticated$/);
    expect(body.token).toBeUndefined();
  });

  it('no session was made by any of them', async () => {
    const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM sessions');
    expect(row!.n).toBe(1); // the well-formed one above
  });

  it('the same ID token exchanged twice is a replay: 401 the second time', async () => {
    const token = await idToken(ours, { email: 'olga@acme.test', sub: 'olga-sub' });
    expect((await exchange(token)).status).toBe(201);
    expect((await exchange(token)).status).toBe(401);
  });

  it('a missing or malformed body nonce is a 400, an absent bearer a 401', async () => {
    expect((await exchange(await idToken(ours), {})).status).toBe(400);
    expect((await exchange(await idToken(ours), { nonce: NONCE, extra: 1 })).status).toBe(400);
    const r = await callApi(api.app, null, ROUTES.createSession, { nonce: NONCE });
    expect(r.status).toBe(401);
  });

  it('forged tokens meet the failed-authentication brake: past the limit from one address, 429', async () => {
    const from = '203.0.113.77';
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await exchange(await idToken(theirs, { jti: String(i) }), { nonce: NONCE }, from)).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    // A valid token from that address is still decided first, never braked.
    expect((await exchange(await idToken(ours, { email: 'bob@acme.test', sub: 'bob-sub' }), { nonce: NONCE }, from)).status).toBe(201);
  });

  it('a token past Node’s header limit gets Node’s own 431, not a problem from us', async () => {
    const server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((r) => server.once('listening', () => r()));
    try {
      const port = (server.address() as AddressInfo).port;
      const r = await callApi(`http://127.0.0.1:${port}`, 'x'.repeat(20_000), ROUTES.createSession, { nonce: NONCE });
      expect(r.status).toBe(431);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('the provider’s keys', () => {
  it('are fetched once and again when a token names a key id not seen before (rotation)', async () => {
    const p = await fakeProvider();
    try {
      const verifier = new IdTokenVerifier({ issuer: p.issuer, clientId: CLIENT, scopes: ['openid'] }, fetch, { jwksCooldownMs: 0 });
      await verifier.verify(await idToken(p), NONCE);
      await verifier.verify(await idToken(p), NONCE);
      expect(p.jwksFetches).toBe(1);
      const next = await generateKeyPair('ES256', { extractable: true });
      p.published.push({ ...(await exportJWK(next.publicKey)), kid: 'rotated', alg: 'ES256', use: 'sig' });
      const person = await verifier.verify(await idToken(p, {}, { key: next, kid: 'rotated', alg: 'ES256' }), NONCE);
      expect(person.email).toBe('alice@acme.test');
      expect(p.jwksFetches).toBe(2);
    } finally {
      await p.close();
    }
  });

  it('an org without a provider answers 404 to the config and to a sign-in', async () => {
    const d = await openPglite();
    const bare = await createApp({ world: WORLD, db: d, log: () => {} });
    try {
      expect((await callApi(bare.app, null, ROUTES.authConfig)).status).toBe(404);
      expect((await callApi(bare.app, 'x', ROUTES.createSession)).status).toBe(404);
    } finally {
      await bare.close();
      await d.close();
    }
  });

  it('GET /v1/auth/config needs no credentials and names the provider', async () => {
    const r = await callApi(api.app, null, ROUTES.authConfig);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ issuer: ours.issuer, clientId: CLIENT, scopes: ['openid', 'email', 'profile', 'offline_access'], organization: { id: 'acme', name: 'Acme' } });
  });
});
