// Cross-cutting rules for every route: auth and per-token rate limits (Idempotency-Key: idempotency.ts).
import type { Context, MiddlewareHandler } from 'hono';
import type { Caller } from './auth';
import { identifyKey, keyLive } from '../identity/api-keys';
import type { ServerContext } from '../context';
import type { Env } from './request';
import { HttpProblem } from './problems';
import { personActive, sessionCaller, sessionLive } from '../identity/sessions';
import { isOrgAdmin } from '../grants/views';
import { FixedWindowLimiter, peerAddress, type FailedAuthThrottle, type TrustedProxies } from './throttle';

/**
 * Who is calling. A valid token is decided first and never meets the failed-authentication brake,
 * so nobody else's failures can lock out an admin or the enforcement point. A bad or missing token
 * from a socket is charged to its client address and token fingerprints and, past the limit, gets
 * 429 instead of 401 (in-process calls have no address and pass unthrottled).
 */
export function authenticate(s: ServerContext, failures?: AuthFailures): MiddlewareHandler<Env> {
  return async (c, next) => {
    const authorization = c.req.header('authorization');
    const bearer = /^Bearer (\S{1,512})$/.exec(authorization ?? '')?.[1];
    const token = s.tokens.identify(authorization);
    // A personal token's person may have been deactivated or removed since start: refused from the next request.
    const personal = token && token.kind === 'admin' && !personActive(s, token.id) ? undefined : token;
    if (token && !personal) refuseAuthentication(c, failures, bearer, 'This account is deactivated.', { reason: 'deactivated' });
    // Personal tokens first (no database); then a session (one indexed lookup, "acs_" tokens
    // only); then an API key ("acak_" secrets), read from the database on every use.
    const session = personal ? undefined : await sessionCaller(s, bearer);
    const caller =
      personal ?? (session && 'caller' in session ? session.caller : undefined) ?? (session ? undefined : await identifyKey(s.db, authorization, s.now(), (by) => keyIssuerAuthorizes(s, by)));
    if (caller) {
      c.set('caller', caller);
      return next();
    }
    if (session && 'refused' in session)
      refuseAuthentication(c, failures, bearer, session.refused === 'person_gone' ? 'This account is deactivated; your session has ended.' : 'Your session has ended; sign in again.', {
        reason: session.refused === 'person_gone' ? 'deactivated' : 'session_ended',
      });
    refuseAuthentication(c, failures, bearer, 'Send Authorization: Bearer <token>.');
  };
}

/**
 * Does the credential a request was authenticated with still stand: an API key not deleted or
 * expired, a session not ended or expired? Personal tokens (the world file's, fixed for the life of
 * the process) always do. For what outlives one request: an event stream asks before each write.
 */
export async function credentialLive(s: ServerContext, caller: Caller): Promise<boolean> {
  if (caller.key) return keyLive(s.db, caller.key.id, s.now(), (by) => keyIssuerAuthorizes(s, by));
  if (caller.kind === 'admin' && caller.session) return sessionLive(s, caller.tokenHash);
  if (caller.kind === 'admin') {
    await s.directory.ensureFresh();
    return personActive(s, caller.id);
  }
  return true;
}

/** The failed-authentication brake and the addresses it trusts (throttle.ts). */
export type AuthFailures = { throttle: FailedAuthThrottle; proxies: TrustedProxies };

/**
 * Refuses a request whose credentials did not do: 401, or 429 once its client address or token
 * fingerprints are over the failed-authentication brake. A failure from a socket is charged to the
 * brake (in-process calls have no address and pass unthrottled). `bearer`: the token presented.
 * `extensions.reason`, when known, tells the client why a credential that worked stopped working:
 * `deactivated` (the person was deactivated or removed from the directory) or `session_ended`.
 */
export function refuseAuthentication(
  c: Context<Env>,
  failures: AuthFailures | undefined,
  bearer: string | undefined,
  detail: string,
  extensions: { reason?: 'deactivated' | 'session_ended' } = {},
): never {
  const peer = failures && peerAddress(c);
  if (failures && peer) {
    const address = failures.proxies.clientAddress(peer, c.req.header('x-forwarded-for'));
    const keys = failures.throttle.keysOf(address, bearer);
    const wait = failures.throttle.retryAfter(keys);
    if (wait !== undefined)
      throw new HttpProblem('rate-limited', 'Too many failed authentications from this address or with this token; wait before trying again.', {}, 429, { 'Retry-After': String(wait) });
    failures.throttle.failed(keys);
  }
  throw new HttpProblem('unauthenticated', detail, extensions, 401, { 'WWW-Authenticate': 'Bearer realm="access-companion"' });
}

/**
 * Requests per minute per valid token, in fixed one-minute windows (per process: a guard against
 * floods, not a quota). Past `perMinute`, 429 problem+json with Retry-After in whole seconds.
 */
export function rateLimit(perMinute: number): MiddlewareHandler<Env> {
  const limiter = new FixedWindowLimiter(perMinute, 60_000);
  return async (c, next) => {
    const key = c.get('caller')?.tokenHash ?? 'anonymous';
    limiter.take(key, `More than ${perMinute} requests a minute with this token.`);
    await next();
  };
}

/**
 * An API key acts on the authority of the org admin who made it (DESIGN §6: keys are made by org
 * admins): it is refused from the next request once that person is deactivated or no longer an org
 * admin, so a demoted admin's key cannot read the log or, through SCIM, reinstate its maker
 * (outside review 2026-12-07). The keys stay listed; another org admin deletes or replaces them.
 */
export function keyIssuerAuthorizes(s: ServerContext, createdBy: string): boolean {
  return personActive(s, createdBy) && isOrgAdmin(s, { kind: 'admin', id: createdBy, tokenHash: '' } as Caller);
}
