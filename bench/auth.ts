// Authentication per request, in process on PGlite (app.request, no socket): GET /v1/me with a
// personal access token (a hash lookup in memory) against the same request with a session from the
// org's provider (one indexed database lookup), interleaved so machine noise hits both; and the
// sign-in exchange's ID-token check against a provider whose keys are cached.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createApp } from '../src/server/app';
import { openPglite } from '../src/server/db/index';
import { IdTokenVerifier } from '../src/server/identity/oidc';
import { openSession } from '../src/server/identity/sessions';
import { AUTH } from './lib/expected';
import { now, summarize, type Row } from './lib/stats';
import { parseWorld } from '../src/core/index';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

export async function benchAuth(quick: boolean): Promise<Row[]> {
  const rounds = quick ? 2_000 : 10_000;
  const world = parseWorld(JSON.parse(readFileSync(join(ROOT, 'fixtures/demo-world.json'), 'utf8')));
  const alice = world.users.find((u) => u.id === 'alice')!;
  const db = await openPglite();
  const api = await createApp({ world, db, log: () => {}, rateLimitPerMinute: 10_000_000 });
  const rows: Row[] = [];
  try {
    const opened = await db.transaction((tx) =>
      openSession(api.ctx, tx, new Date().toISOString(), {
        user: alice,
        person: { issuer: 'http://bench.invalid', subject: 'alice', email: alice.email },
        idToken: 'bench',
        ttlMs: 3_600_000,
        nowMs: Date.now(),
      }),
    );
    if (!opened || opened === 'previous_ended') throw new Error('no session');
    const personal: number[] = [];
    const session: number[] = [];
    const me = async (token: string) => {
      const t0 = now();
      const r = await api.app.request('/v1/me', { headers: { authorization: `Bearer ${token}` } });
      if (r.status !== 200) throw new Error(`/v1/me answered ${r.status}`);
      await r.arrayBuffer();
      return (now() - t0) * 1000;
    };
    for (let i = 0; i < 200; i++) await me(i % 2 ? 'alice-token' : opened.token); // warm up
    for (let i = 0; i < rounds; i++) {
      personal.push(await me('alice-token'));
      session.push(await me(opened.token));
    }
    const p = summarize(personal);
    const s = summarize(session);
    rows.push({ ...AUTH.personal, value: p.median, median: p.median, p99: p.p99, latencyUnit: 'µs', note: `${rounds} requests, interleaved with the session row; in process (app.request), PGlite` });
    rows.push({
      ...AUTH.session,
      value: s.median,
      median: s.median,
      p99: s.p99,
      latencyUnit: 'µs',
      ratio: s.median / p.median,
      note: `the same requests with an "acs_" session: one indexed SELECT on sessions per request (so a sign-out is refused on the next request on every process); ratio = session ÷ personal token`,
    });
  } finally {
    await api.close();
    await db.close();
  }

  // The ID token check of a sign-in or renewal, keys cached after the first.
  const key = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(key.publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
  const server = createServer((req, res) => {
    const issuer = `http://localhost:${(server.address() as AddressInfo).port}`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.url === '/jwks' ? { keys: [jwk] } : { issuer, jwks_uri: `${issuer}/jwks` }));
  });
  await new Promise<void>((r) => server.listen(0, 'localhost', r));
  try {
    const issuer = `http://localhost:${(server.address() as AddressInfo).port}`;
    const verifier = new IdTokenVerifier({ issuer, clientId: 'access-companion', scopes: ['openid'] });
    const token = await new SignJWT({ email: 'alice@acme.test', nonce: 'bench-nonce-0123456789' })
      .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
      .setIssuer(issuer)
      .setAudience('access-companion')
      .setSubject('alice')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key.privateKey);
    await verifier.verify(token, 'bench-nonce-0123456789');
    const samples: number[] = [];
    for (let i = 0; i < rounds / 4; i++) {
      const t0 = now();
      await verifier.verify(token, 'bench-nonce-0123456789');
      samples.push((now() - t0) * 1000);
    }
    const v = summarize(samples);
    rows.push({
      ...AUTH.idToken,
      value: v.median,
      median: v.median,
      p99: v.p99,
      latencyUnit: 'µs',
      note: `${samples.length} verifications (RS256, jose), JWKS fetched once and cached; paid once per sign-in or renewal, not per request`,
    });
  } finally {
    await new Promise((r) => server.close(r));
  }
  return rows;
}
