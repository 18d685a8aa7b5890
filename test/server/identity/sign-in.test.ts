// People sign in with the demo org's real OpenID provider (scripts/demo-idp.ts, oidc-provider) and
// exchange its ID token for an API session: the session works like a token until it expires or the
// person signs out, and then it is refused on the very next request by every API process sharing
// the database. Sign-in, renewal, sign-out and the first refused use are audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoIdp, type DemoIdp } from '../../../scripts/demo-idp';
import { createApp, type AccessApp } from '../../../src/server/app';
import { openPglite, openPostgres, type Db } from '../../../src/server/db/index';
import { ADMIN_URL, scratchDatabase, WORLD, TEST_AUDIT_KEY } from '../helpers';
import { refreshAtProvider, signInAtProvider } from './oidc-flow';
import { ROUTES } from '../../../src/api/contract';
import { callApi } from '../../support/api-call';

let idp: DemoIdp;
beforeAll(async () => {
  idp = await startDemoIdp({ port: 0, people: WORLD.users.map((u) => ({ id: u.id, name: u.name, email: u.email, emailVerified: u.emailVerified })) });
});
afterAll(async () => {
  await idp?.close();
});

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
      one = await createApp({ auditSigning: { key: TEST_AUDIT_KEY }, world: structuredClone(world), db, log: () => {} });
      two = await createApp({ auditSigning: { key: TEST_AUDIT_KEY }, world: structuredClone(world), db, log: () => {} });
    });
    afterAll(async () => {
      await one?.close();
      await two?.close();
      await db?.close();
      await drop?.();
    });

    async function session(email: string) {
      const signed = await signInAtProvider(idp.issuer, email);
      const r = await callApi(one.app, signed.idToken, ROUTES.createSession, { nonce: signed.nonce });
      expect(r.status).toBe(201);
      return { ...signed, ...(r.json as { token: string; expiresAt: string; user: { id: string; email: string } }) };
    }
    const audit = async (actor: string) =>
      (await db.query<{ action: string; outcome: string; detail: unknown }>('SELECT action, outcome, detail FROM audit WHERE actor = $1 ORDER BY seq', [actor])).filter((r) =>
        r.action.startsWith('auth.'),
      );

    it('signs in through the provider; the session is the person on every process', async () => {
      const s = await session('Alice@Acme.test');
      expect(s.user).toMatchObject({ id: 'alice', email: 'alice@acme.test' });
      for (const app of [one, two]) expect(((await callApi(app.app, s.token, ROUTES.me)).json as { id: string }).id).toBe('alice');
      expect((await audit('alice')).map((r) => `${r.action} ${r.outcome}`)).toEqual(['auth.sign_in done']);
    });

    it('sign-out on one process is refused on the next request on the other, and audited once', async () => {
      const s = await session('bob@acme.test');
      const out = await callApi(one.app, s.token, ROUTES.signOut, {});
      expect(out.json).toEqual({ ended: true });
      const refused = await callApi(two.app, s.token, ROUTES.me);
      expect(refused.status).toBe(401);
      expect((refused.json as { detail: string }).detail).toMatch(/session has ended/);
      expect((await callApi(one.app, s.token, ROUTES.me)).status).toBe(401);
      expect((await audit('bob')).map((r) => `${r.action} ${r.outcome}`)).toEqual(['auth.sign_in done', 'auth.sign_out done', 'auth.session_refused refused']);
    });

    it('an expired session is refused (401), and personal tokens keep working', async () => {
      const s = await session('dev@acme.test');
      await db.query('UPDATE sessions SET expires_at = $2 WHERE token_hash = (SELECT token_hash FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1)', ['dev', Date.now() - 1]);
      expect((await callApi(two.app, s.token, ROUTES.me)).status).toBe(401);
      expect((await audit('dev')).at(-1)).toMatchObject({ action: 'auth.session_refused', detail: { reason: 'expired' } });
      expect((await callApi(two.app, 'dev-token', ROUTES.me)).status).toBe(200);
      // A personal token has no session to end.
      expect((await callApi(one.app, 'dev-token', ROUTES.signOut, {})).json).toEqual({ ended: false });
    });

    it('renews with a fresh ID token from the refresh token; signing out with the new session ends the old one too', async () => {
      const first = await session('gus@acme.test');
      expect(first.refreshToken).toBeTruthy();
      const fresh = await refreshAtProvider(first.as, first.refreshToken!);
      const r = await callApi(one.app, fresh.idToken, ROUTES.createSession, { nonce: first.nonce, previousSession: first.token });
      expect(r.status).toBe(201);
      const second = r.json as { token: string };
      expect(second.token).not.toBe(first.token);
      // The old one lasts a short grace for requests already in flight.
      expect((await callApi(two.app, first.token, ROUTES.me)).status).toBe(200);
      expect((await callApi(two.app, second.token, ROUTES.me)).status).toBe(200);
      await callApi(two.app, second.token, ROUTES.signOut, {});
      expect((await callApi(one.app, second.token, ROUTES.me)).status).toBe(401);
      expect((await callApi(one.app, first.token, ROUTES.me)).status).toBe(401);
      expect((await audit('gus')).map((x) => x.action)).toEqual(['auth.sign_in', 'auth.session_renew', 'auth.sign_out', 'auth.session_refused', 'auth.session_refused']);
      // A silent refresh cannot undo the sign-out: renewing the ended session is refused.
      const later = await refreshAtProvider(first.as, fresh.refreshToken ?? first.refreshToken!);
      const renewal = await callApi(one.app, later.idToken, ROUTES.createSession, { nonce: first.nonce, previousSession: second.token });
      expect(renewal.status).toBe(401);
      expect((renewal.json as { detail: string }).detail).toMatch(/session to renew has ended/);
      expect(await db.query("SELECT 1 FROM sessions WHERE user_id = 'gus' AND ended_at IS NULL AND expires_at > $1", [Date.now()])).toHaveLength(0);
    });

    it('a session whose person left the org is refused', async () => {
      const s = await session('mia@acme.test');
      const world = { ...WORLD, users: WORLD.users.filter((u) => u.id !== 'mia'), organization: { ...WORLD.organization, identity: { issuer: idp.issuer, clientId: 'access-companion' } } };
      // The stored directory decides after the first import: a world file without her is applied only when asked.
      const without = await createApp({ auditSigning: { key: TEST_AUDIT_KEY }, world: structuredClone(world), db, log: () => {}, applyWorld: true });
      try {
        expect((await callApi(without.app, s.token, ROUTES.me)).status).toBe(401);
      } finally {
        await without.close();
      }
    });
  });
