// Sign-in with the org's OpenID Connect provider (DESIGN §6): where the provider is (no
// credentials), the exchange of its ID token for an API session, and sign-out. The first two are
// mounted before authentication; every unfit ID token is a 401 that meets the failed-
// authentication brake, like a bad bearer token anywhere else.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ROUTES } from '../../api/contract';
import { SessionCreateBody } from '../../api/schemas';
import type { ServerContext } from '../context';
import { jsonBody, type Env } from '../http/request';
import { publicRoute, route } from '../http/route';
import { refuseAuthentication, type AuthFailures } from '../http/middleware';
import { IdTokenRefused, IdTokenVerifier, ProviderUnavailable } from './oidc';
import { HttpProblem } from '../http/problems';
import { endSession, openSession, personByEmail } from './sessions';

/** What a refused ID token is told: one message whatever the flaw, so a forger learns nothing. */
const REFUSED = 'The ID token was not accepted: sign in with your organisation again.';

/**
 * GET /v1/auth/config and POST /v1/auth/session, answered without an API credential.
 * `sessionTtlMs`: how long a session lasts (capped at an hour in sessions.ts).
 */
export function publicAuthRoutes(s: ServerContext, opts: { failures: AuthFailures; sessionTtlMs: number; log: (m: string) => void; fetch?: typeof fetch }): Hono<Env> {
  const r = new Hono<Env>();
  const identity = s.ix.world.organization.identity;
  const verifier = identity && new IdTokenVerifier(identity, opts.fetch);

  publicRoute(r, ROUTES.authConfig, (c) => {
    if (!identity) throw new HttpProblem('not-found', 'This organisation has no identity provider; sign in with a personal access token.');
    const org = s.ix.world.organization;
    return c.json({ issuer: identity.issuer, clientId: identity.clientId, scopes: identity.scopes, organization: { id: org.id, name: org.name } });
  });

  r.use(
    '/auth/session',
    bodyLimit({
      maxSize: 4096,
      onError: () => {
        throw new HttpProblem('payload-too-large', 'Keep the sign-in body under 4096 bytes.');
      },
    }),
  );
  publicRoute(r, ROUTES.createSession, async (c) => {
    if (!verifier) throw new HttpProblem('not-found', 'This organisation has no identity provider; sign in with a personal access token.');
    const idToken = /^Bearer ([\x21-\x7e]{1,16384})$/.exec(c.req.header('authorization') ?? '')?.[1];
    if (!idToken) refuseAuthentication(c, opts.failures, undefined, 'Send the ID token as Authorization: Bearer <ID token>.');
    // Every JWT starts "eyJ…" (its header): the brake's prefix key takes the signature instead, so
    // one forger's failures do not brake everyone else's sign-in.
    const brakeKey = idToken.slice(idToken.lastIndexOf('.') + 1) || idToken;
    const body = await jsonBody(c, SessionCreateBody);
    let person: Awaited<ReturnType<IdTokenVerifier['verify']>>;
    try {
      person = await verifier.verify(idToken, body.nonce);
    } catch (e) {
      if (e instanceof IdTokenRefused) refuseAuthentication(c, opts.failures, brakeKey, REFUSED);
      if (e instanceof ProviderUnavailable) {
        opts.log(`sign-in: ${e.message}`);
        throw new HttpProblem('identity-provider-unavailable', 'The identity provider could not be reached to check the sign-in; retry shortly.', {}, 503, { 'Retry-After': '5' });
      }
      throw e;
    }
    const user = personByEmail(s, person.email);
    if (!user) refuseAuthentication(c, opts.failures, brakeKey, `${person.email} is not a member of ${s.ix.world.organization.name}.`);
    if (user.active === false) refuseAuthentication(c, opts.failures, brakeKey, `${person.email} is deactivated in ${s.ix.world.organization.name}.`, { reason: 'deactivated' });
    const nowMs = Date.now();
    const opened = await s.db.transaction((tx) => openSession(s, tx, s.now(), { user, person, idToken, ttlMs: opts.sessionTtlMs, nowMs, previous: body.previousSession }));
    // Each ID token signs in once: a second exchange is a replay. Its signature verified, so the
    // person is known: the refusal goes on their record (unless the brake answers it with a 429,
    // so a flood of replays writes no more rows than the brake lets through).
    if (!opened) {
      try {
        refuseAuthentication(c, opts.failures, brakeKey, REFUSED);
      } catch (e) {
        if (e instanceof HttpProblem && e.status === 401)
          await s.db.transaction((tx) =>
            s.trail.append(tx, { actor: user.id, actorKind: 'admin', action: 'auth.id_token_replayed', outcome: 'refused', detail: { issuer: person.issuer, subject: person.subject } }, s.now()),
          );
        throw e;
      }
    }
    if (opened === 'previous_ended') refuseAuthentication(c, opts.failures, brakeKey, 'The session to renew has ended; sign in again.');
    c.header('Cache-Control', 'no-store');
    return c.json({ token: opened.token, expiresAt: new Date(opened.expiresAt).toISOString(), user: { id: user.id, name: user.name, email: user.email } }, 201);
  });

  return r;
}

/** POST /v1/auth/sign-out, behind authentication like every other route. */
export function sessionRoutes(_s: ServerContext): Hono<Env> {
  const r = new Hono<Env>();
  route(r, ROUTES.signOut, { refusal: { action: 'auth.sign_out' } }, async (c, { s, caller }) => c.json({ ended: await endSession(s, caller) }));
  return r;
}
