// Cross-cutting rules for every route: auth, per-token rate limits, and Idempotency-Key replay.
import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler, Next } from 'hono';
import { type Caller, sha256 } from './auth';
import { identifyKey, keyLive } from './api-keys';
import type { ServerContext } from './context';
import { withTransactionHook, type Queryable, type TransactionHook } from './db/index';
import type { Env } from './http';
import { HttpProblem, problem } from './problems';
import { honoPath, ROUTES } from '../api/contract';
import { handlerRoute } from './refusals';
import { sessionCaller, sessionLive } from './sessions';
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
    const personal = s.tokens.identify(authorization);
    // Personal tokens first (no database); then a session (one indexed lookup, "acs_" tokens
    // only); then an API key ("acak_" secrets), read from the database on every use.
    const session = personal ? undefined : await sessionCaller(s, bearer);
    const caller = personal ?? (session && 'caller' in session ? session.caller : undefined) ?? (session ? undefined : await identifyKey(s.db, authorization, s.now()));
    if (caller) {
      c.set('caller', caller);
      return next();
    }
    refuseAuthentication(c, failures, bearer, session && 'refused' in session ? 'Your session has ended; sign in again.' : 'Send Authorization: Bearer <token>.');
  };
}

/**
 * Does the credential a request was authenticated with still stand: an API key not deleted or
 * expired, a session not ended or expired? Personal tokens (the world file's, fixed for the life of
 * the process) always do. For what outlives one request: an event stream asks before each write.
 */
export async function credentialLive(s: ServerContext, caller: Caller): Promise<boolean> {
  if (caller.key) return keyLive(s.db, caller.key.id, s.now());
  if (caller.kind === 'admin' && caller.session) return sessionLive(s, caller.tokenHash);
  return true;
}

/** The failed-authentication brake and the addresses it trusts (throttle.ts). */
export type AuthFailures = { throttle: FailedAuthThrottle; proxies: TrustedProxies };

/**
 * Refuses a request whose credentials did not do: 401, or 429 once its client address or token
 * fingerprints are over the failed-authentication brake. A failure from a socket is charged to the
 * brake (in-process calls have no address and pass unthrottled). `bearer`: the token presented.
 */
export function refuseAuthentication(c: Context<Env>, failures: AuthFailures | undefined, bearer: string | undefined, detail: string): never {
  const peer = failures && peerAddress(c);
  if (failures && peer) {
    const address = failures.proxies.clientAddress(peer, c.req.header('x-forwarded-for'));
    const keys = failures.throttle.keysOf(address, bearer);
    const wait = failures.throttle.retryAfter(keys);
    if (wait !== undefined)
      throw new HttpProblem('rate-limited', 'Too many failed authentications from this address or with this token; wait before trying again.', {}, 429, { 'Retry-After': String(wait) });
    failures.throttle.failed(keys);
  }
  throw new HttpProblem('unauthenticated', detail, {}, 401, { 'WWW-Authenticate': 'Bearer realm="access-companion"' });
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

const KEY = /^[\x21-\x7e]{1,200}$/;
const ABANDONED_MS = 30_000;
/**
 * Decisions, not changes: the enforcement point answers from the state committed when it is
 * asked, every time, and audits every call. A stored answer replayed under an Idempotency-Key
 * would hand out authority that a revoke has since ended, so these routes ignore the header.
 * A new API key's answer holds its secret, which must never be stored: that route ignores it too.
 */
export const NEVER_REPLAYED: ReadonlySet<string> = new Set([honoPath(ROUTES.checkAccess.path), honoPath(ROUTES.createApiKey.path)]);
/**
 * Answers about the state a request met rather than the request itself (409 conflict or illegal
 * transition, 412 stale If-Match, 428): once the client fixes the precondition, the same key must
 * run again, so they are not kept.
 */
const PRECONDITION_STATUSES = new Set([409, 412, 428]);

type Claim = { owner: string };

/**
 * What one token may hold in the Idempotency-Key journal (issue 19: every per-caller resource has a
 * bound). `keysPerToken`: keys kept per token; past it the oldest answered ones are forgotten
 * (retries come within minutes, long before a thousand newer keys). `pendingPerToken`: keyed
 * requests of one token running at once; past it, 429.
 */
export interface IdempotencyBounds {
  keysPerToken: number;
  pendingPerToken: number;
}

export const IDEMPOTENCY_BOUNDS: IdempotencyBounds = { keysPerToken: 1_000, pendingPerToken: 32 };

/**
 * What makes two requests the same under one Idempotency-Key: method, path with query, If-Match,
 * content type (when there is a body) and the body, JSON-normalized. sha256 hex.
 */
export function requestFingerprint(method: string, pathAndQuery: string, headers: { contentType?: string; ifMatch?: string }, rawBody: string): string {
  const contentType = rawBody.trim() === '' ? '' : (headers.contentType ?? '').trim().toLowerCase();
  return sha256([`${method} ${pathAndQuery}`, `if-match: ${headers.ifMatch?.trim() ?? ''}`, `content-type: ${contentType}`, normalize(rawBody)].join('\n'));
}

/**
 * A POST with Idempotency-Key runs once per (token, key): a retry with the same request gets the
 * first answer, a different request under the same key is refused with 422, and a retry racing
 * the first waits for it. Crash-safe: each transaction the request commits also records its result
 * in the key's row (see Journal), so a retry after a crash replays those results instead of
 * applying the change again, and rebuilds the same answer. Decisions (NEVER_REPLAYED) and answers
 * caused by a precondition (PRECONDITION_STATUSES) are never replayed.
 */
export function idempotency(s: ServerContext, bounds: IdempotencyBounds = IDEMPOTENCY_BOUNDS): MiddlewareHandler<Env> {
  return async (c: Context<Env>, next: Next) => {
    const key = c.req.header('idempotency-key');
    if (c.req.method !== 'POST' || key === undefined) return next();
    const url = new URL(c.req.url);
    // By the route that will answer, not the raw path: /v1/access/%63heck is the access check.
    const route = handlerRoute(c);
    if (route && NEVER_REPLAYED.has(route.path)) return next();
    if (!KEY.test(key)) throw problem('bad-request', 'Idempotency-Key must be 1–200 visible ASCII characters.');
    const caller = c.get('caller');
    const raw = await c.req.text();
    c.set('rawBody', raw);
    const fingerprint = requestFingerprint(c.req.method, url.pathname + url.search, { contentType: c.req.header('content-type'), ifMatch: c.req.header('if-match') }, raw);
    const claim = await claimKey(s, caller.tokenHash, key, fingerprint, bounds);
    if (claim instanceof Response) return claim;
    const journal = new Journal(caller.tokenHash, key, claim.owner);
    try {
      await withTransactionHook(journal, next);
    } catch (e) {
      await release(s, caller.tokenHash, key, claim.owner);
      throw e;
    }
    const res = c.res;
    if (res.status >= 500 || res.status === 429) {
      await release(s, caller.tokenHash, key, claim.owner);
      return;
    }
    if (PRECONDITION_STATUSES.has(res.status)) {
      // Nothing but the refusal's audit row committed; forget the key so a fixed retry runs.
      await s.db.query('DELETE FROM idempotency WHERE token_hash = $1 AND key = $2 AND owner = $3 AND status IS NULL', [caller.tokenHash, key, claim.owner]);
      return;
    }
    const body = await res.clone().text();
    const headers: Record<string, string> = {};
    for (const h of ['content-type', 'etag', 'location']) {
      const v = res.headers.get(h);
      if (v) headers[h] = v;
    }
    await s.db.query('UPDATE idempotency SET status = $4, headers = $5, body = $6 WHERE token_hash = $1 AND key = $2 AND owner = $3 AND status IS NULL', [
      caller.tokenHash,
      key,
      claim.owner,
      res.status,
      JSON.stringify(headers),
      body,
    ]);
  };
}

/** Forget Idempotency-Key rows older than `ttlMs` (retries come within minutes; a day is plenty). */
export async function expireIdempotencyKeys(s: Pick<ServerContext, 'db'>, ttlMs: number, nowMs = Date.now()): Promise<number> {
  return (await s.db.query('DELETE FROM idempotency WHERE created_at < $1 RETURNING key', [nowMs - ttlMs])).length;
}

/** Reserve the key for this attempt, or answer: the stored response, 422, or 409 after waiting. */
async function claimKey(s: ServerContext, tokenHash: string, key: string, fingerprint: string, bounds: IdempotencyBounds): Promise<Claim | Response> {
  const owner = randomUUID();
  for (let attempt = 0; ; attempt++) {
    const mine = await s.db.query('INSERT INTO idempotency (token_hash, key, fingerprint, created_at, owner, claimed_at) VALUES ($1, $2, $3, $4, $5, $4) ON CONFLICT DO NOTHING RETURNING key', [
      tokenHash,
      key,
      fingerprint,
      Date.now(),
      owner,
    ]);
    if (mine.length > 0) {
      await boundKeys(s, tokenHash, key, owner, bounds);
      return { owner };
    }
    const [row] = await s.db.query<{ fingerprint: string; status: number | null; headers: unknown; body: string | null; owner: string | null; claimed_at: string | number | null }>(
      'SELECT fingerprint, status, headers, body, owner, claimed_at FROM idempotency WHERE token_hash = $1 AND key = $2',
      [tokenHash, key],
    );
    if (!row) continue;
    if (row.fingerprint !== fingerprint) throw problem('idempotency-key-reused', 'This Idempotency-Key was already used for a different request; use a new key.');
    if (row.status !== null) {
      const headers = (typeof row.headers === 'string' ? JSON.parse(row.headers) : row.headers) as Record<string, string>;
      return new Response(row.body, { status: row.status, headers: { ...headers, 'idempotent-replayed': 'true' } });
    }
    // The runner crashed or gave up (owner cleared): take the key over. What it committed is in
    // the journal and is replayed, not redone; if it is only slow, its next commit is refused.
    if (row.owner === null || Date.now() - Number(row.claimed_at ?? 0) > ABANDONED_MS) {
      const took = await s.db.query('UPDATE idempotency SET owner = $3, claimed_at = $4 WHERE token_hash = $1 AND key = $2 AND status IS NULL AND owner IS NOT DISTINCT FROM $5 RETURNING key', [
        tokenHash,
        key,
        owner,
        Date.now(),
        row.owner,
      ]);
      if (took.length > 0) return { owner };
      continue;
    }
    if (attempt > 400) throw problem('conflict', 'A request with this Idempotency-Key is still in progress; retry shortly.');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Holds one token's journal to its bounds once it took a new key: too many of its keyed requests
 * running at once gives the new key back and refuses it (429); too many keys kept forgets the
 * oldest answered ones.
 */
async function boundKeys(s: ServerContext, tokenHash: string, key: string, owner: string, bounds: IdempotencyBounds): Promise<void> {
  const [n] = await s.db.query<{ pending: string | number; kept: string | number }>(
    'SELECT count(*) FILTER (WHERE status IS NULL AND owner IS NOT NULL AND claimed_at > $2) AS pending, count(*) AS kept FROM idempotency WHERE token_hash = $1',
    [tokenHash, Date.now() - ABANDONED_MS],
  );
  if (Number(n?.pending ?? 0) > bounds.pendingPerToken) {
    await s.db.query('DELETE FROM idempotency WHERE token_hash = $1 AND key = $2 AND owner = $3', [tokenHash, key, owner]);
    throw new HttpProblem('rate-limited', `More than ${bounds.pendingPerToken} requests with an Idempotency-Key are running for this token; wait for them.`, {}, 429, { 'Retry-After': '1' });
  }
  const over = Number(n?.kept ?? 0) - bounds.keysPerToken;
  if (over > 0)
    await s.db.query('DELETE FROM idempotency WHERE token_hash = $1 AND key IN (SELECT key FROM idempotency WHERE token_hash = $1 AND status IS NOT NULL ORDER BY created_at, key LIMIT $2)', [
      tokenHash,
      over,
    ]);
}

/**
 * Records, inside each transaction of the request, that transaction's result under its ordinal
 * (0, 1, …). On a retry that took the key over, a recorded ordinal returns its result without
 * running the change again. Holding the key's row lock first also fences a runner that lost the
 * key: its transaction is refused instead of committing a second time. Handlers run their
 * transactions one after another, so ordinals line up between the first run and a replay.
 */
class Journal implements TransactionHook {
  private next = 0;
  constructor(
    private readonly tokenHash: string,
    private readonly key: string,
    private readonly owner: string,
  ) {}

  async run<T>(tx: Queryable, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const n = String(this.next++);
    const [row] = await tx.query<{ owner: string | null; results: unknown }>('SELECT owner, results FROM idempotency WHERE token_hash = $1 AND key = $2 FOR UPDATE', [this.tokenHash, this.key]);
    if (!row || row.owner !== this.owner) throw problem('conflict', 'A retry of this request took over its Idempotency-Key; its answer is the one that counts.');
    const results = (typeof row.results === 'string' ? JSON.parse(row.results) : (row.results ?? {})) as Record<string, unknown>;
    if (Object.hasOwn(results, n)) return results[n] as T;
    const out = await fn(tx);
    await tx.query('UPDATE idempotency SET results = results || jsonb_build_object($3::text, $4::jsonb) WHERE token_hash = $1 AND key = $2', [
      this.tokenHash,
      this.key,
      n,
      JSON.stringify(out ?? null),
    ]);
    return out;
  }
}

/** Give the key up after a failure: forget it if nothing committed, else leave it for a retry to replay. */
async function release(s: ServerContext, tokenHash: string, key: string, owner: string): Promise<void> {
  const mine = [tokenHash, key, owner];
  await s.db.query(`DELETE FROM idempotency WHERE token_hash = $1 AND key = $2 AND owner = $3 AND status IS NULL AND results = '{}'::jsonb`, mine).catch(() => {});
  await s.db.query('UPDATE idempotency SET owner = NULL WHERE token_hash = $1 AND key = $2 AND owner = $3 AND status IS NULL', mine).catch(() => {});
}

/** `{}` and an empty body are the same request; so are JSON texts differing only in spacing. */
function normalize(raw: string): string {
  if (raw.trim() === '') return '{}';
  try {
    return JSON.stringify(JSON.parse(raw));
  } catch {
    return raw;
  }
}
