// People sign in with the demo org's real OpenID provider (scripts/demo-idp.ts, oidc-provider) and
// exchange its ID token for an API session: the session works like a token until it expires or the
// person signs out, and then it is refused on the very next request by every API process sharing
// the database. Sign-in, renewal, sign-out and the first refused use are audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoIdp, type DemoIdp } from '../../scripts/demo-idp';
import { createApp, type AccessApp } from '../../src/server/app';
import { openPglite, openPostgres, type Db } from '../../src/server/db/index';
import { ADMIN_URL, scratchDatabase, WORLD } from './helpers';
import { refreshAtProvider, signInAtProvider } from './oidc-flow';

let idp: DemoIdp;
beforeAll(async () => {
  idp = await startDemoIdp({ port: 0, people: WORLD.users.map((u) => ({ id: u.id, name: u.name, email: u.email, emailVerified: u.emailVerified })) });
});
afterAll(async () => {
  await idp?.close();
});

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const post = (token: string, body: unknown = {}) => ({ method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

for (const backend of ['pglite', 'postgres'] as const)
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`sign-in sessions on ${backend}`, () => {
    let db: Db;
    let drop: (() => Promise<void>) | undefined;
    const open = async () => {
      if (backend === 'pglite') return openPglite();
      const scratch = await scratchDatabase();
      drop = scratch.drop;
      return openPostgres(scratch.url);
    };
    let one: AccessApp;
    let two: AccessApp;
    beforeAll(async () => {
      db = await open();
      const world = { ...WORLD, organization: { ...WORLD.organization, identity: { issuer: idp.issuer, clientId: 'access-companion' } } };
      // Two API processes over one database.
      one = await createApp({ world: structuredClone(world), db, log: () => {} });
      two = await createApp({ world: structuredClone(world), db, log: () => {} });
    });
    afterAll(async () => {
      await one?.close();
      await two?.close();
      await db?.close();
      await drop?.();
    });

    async function session(email: string) {
      const signed = await signInAtProvider(idp.issuer, email);
      const r = await one.app.request('/v1/auth/session', post(signed.idToken, { nonce: signed.nonce }));
      expect(r.status).toBe(201);
      return { ...signed, ...((await r.json()) as { token: string; expiresAt: string; user: { id: string; email: string } }) };
    }
    const audit = async (actor: string) =>
      (await db.query<{ action: string; outcome: string; detail: unknown }>('SELECT action, outcome, detail FROM audit WHERE actor = $1 ORDER BY seq', [actor])).filter((r) =>
        r.action.startsWith('auth.'),
      );

    it('signs in through the provider; the session is the person on every process', async () => {
      const s = await session('Alice@Acme.test');
      expect(s.user).toMatchObject({ id: 'alice', email: 'alice@acme.test' });
      for (const app of [one, two]) expect(((await (await app.app.request('/v1/me', bearer(s.token))).json()) as { id: string }).id).toBe('alice');
      expect((await audit('alice')).map((r) => `${r.action} ${r.outcome}`)).toEqual(['auth.sign_in done']);
    });

    it('sign-out on one process is refused on the next request on the other, and audited once', async () => {
      const s = await session('bob@acme.test');
      const out = await one.app.request('/v1/auth/sign-out', post(s.token));
      expect(await out.json()).toEqual({ ended: true });
      const refused = await two.app.request('/v1/me', bearer(s.token));
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { detail: string }).detail).toMatch(/session has ended/);
      expect((await one.app.request('/v1/me', bearer(s.token))).status).toBe(401);
      expect((await audit('bob')).map((r) => `${r.action} ${r.outcome}`)).toEqual(['auth.sign_in done', 'auth.sign_out done', 'auth.session_refused refused']);
    });

    it('an expired session is refused (401), and personal tokens keep working', async () => {
      const s = await session('dev@acme.test');
      await db.query('UPDATE sessions SET expires_at = $2 WHERE token_hash = (SELECT token_hash FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1)', ['dev', Date.now() - 1]);
      expect((await two.app.request('/v1/me', bearer(s.token))).status).toBe(401);
      expect((await audit('dev')).at(-1)).toMatchObject({ action: 'auth.session_refused', detail: { reason: 'expired' } });
      expect((await two.app.request('/v1/me', bearer('dev-token'))).status).toBe(200);
      // A personal token has no session to end.
      expect(await (await one.app.request('/v1/auth/sign-out', post('dev-token'))).json()).toEqual({ ended: false });
    });

    it('renews with a fresh ID token from the refresh token; signing out with the new session ends the old one too', async () => {
      const first = await session('gus@acme.test');
      expect(first.refreshToken).toBeTruthy();
      const fresh = await refreshAtProvider(first.as, first.refreshToken!);
      const r = await one.app.request('/v1/auth/session', post(fresh.idToken, { nonce: first.nonce, previousSession: first.token }));
      expect(r.status).toBe(201);
      const second = (await r.json()) as { token: string };
      expect(second.token).not.toBe(first.token);
      // The old one lasts a short grace for requests already in flight.
      expect((await two.app.request('/v1/me', bearer(first.token))).status).toBe(200);
      expect((await two.app.request('/v1/me', bearer(second.token))).status).toBe(200);
      await two.app.request('/v1/auth/sign-out', post(second.token));
      expect((await one.app.request('/v1/me', bearer(second.token))).status).toBe(401);
      expect((await one.app.request('/v1/me', bearer(first.token))).status).toBe(401);
      expect((await audit('gus')).map((x) => x.action)).toEqual(['auth.sign_in', 'auth.session_renew', 'auth.sign_out', 'auth.session_refused', 'auth.session_refused']);
      // A silent refresh cannot undo the sign-out: renewing the ended session is refused.
      const later = await refreshAtProvider(first.as, fresh.refreshToken ?? first.refreshToken!);
      const renewal = await one.app.request('/v1/auth/session', post(later.idToken, { nonce: first.nonce, previousSession: second.token }));
      expect(renewal.status).toBe(401);
      expect(((await renewal.json()) as { detail: string }).detail).toMatch(/session to renew has ended/);
      expect(await db.query("SELECT 1 FROM sessions WHERE user_id = 'gus' AND ended_at IS NULL AND expires_at > $1", [Date.now()])).toHaveLength(0);
    });

    it('a session whose person left the org is refused', async () => {
      const s = await session('mia@acme.test');
      const world = { ...WORLD, users: WORLD.users.filter((u) => u.id !== 'mia'), organization: { ...WORLD.organization, identity: { issuer: idp.issuer, clientId: 'access-companion' } } };
      const without = await createApp({ world: structuredClone(world), db, log: () => {} });
      try {
        expect((await without.app.request('/v1/me', bearer(s.token))).status).toBe(401);
      } finally {
        await without.close();
      }
    });
  });
