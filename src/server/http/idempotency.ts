// Idempotency-Key: a POST to a route declared `replay: 'journaled'` runs once per (token, key); the
// transactions it runs through the claim's database are journaled, so a retry after a crash replays
// what committed instead of doing it again. No ambient state: the route hands the handler that database.
import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { sha256, type Caller } from './auth';
import type { IdempotencyBounds, ServerContext } from '../context';
import { aroundTransactions, type Db, type Queryable } from '../db/index';
import type { Env } from './input';
import { HttpProblem, problem } from './problems';

const KEY = /^[\x21-\x7e]{1,200}$/;
const ABANDONED_MS = 30_000;
/**
 * Answers about the state a request met rather than the request itself (409 conflict or illegal
 * transition, 412 stale If-Match, 428): once the client fixes the precondition, the same key must
 * run again, so they are not kept.
 */
const PRECONDITION_STATUSES = new Set([409, 412, 428]);

type Claim = { owner: string };

export type { IdempotencyBounds } from '../context';

export const IDEMPOTENCY_BOUNDS: IdempotencyBounds = { keysPerToken: 1_000, pendingPerToken: 32 };

/**
 * What makes two requests the same under one Idempotency-Key: who sends it (`principal`, see
 * principalOf), method, path with query, If-Match, content type (when there is a body) and the
 * body, JSON-normalized. sha256 hex.
 */
export function requestFingerprint(principal: string, method: string, pathAndQuery: string, headers: { contentType?: string; ifMatch?: string }, rawBody: string): string {
  const contentType = rawBody.trim() === '' ? '' : (headers.contentType ?? '').trim().toLowerCase();
  return sha256([`by: ${principal}`, `${method} ${pathAndQuery}`, `if-match: ${headers.ifMatch?.trim() ?? ''}`, `content-type: ${contentType}`, normalize(rawBody)].join('\n'));
}

/**
 * Who a request acts as, for binding an Idempotency-Key to them: `admin:alice`, `engineer:sam`,
 * `engineer:sam:key_1` (an access_check key acting as Sam), `key:key_2`. Keys are kept per token;
 * this also holds when one token comes to name someone else (a world file that gives a personal
 * token to another person, read at the next start): that person's retry is a different request
 * (422), never the stored answer made for the first.
 */
export function principalOf(caller: Caller): string {
  return `${caller.kind}:${caller.id}${caller.key && caller.kind !== 'key' ? `:${caller.key.id}` : ''}`;
}

/**
 * A POST with Idempotency-Key runs once per (token, key): a retry with the same request gets the
 * first answer, a different request under the same key is refused with 422, and a retry racing
 * the first waits for it. Crash-safe: each transaction the request commits through `claim.db`
 * (the journal-aware database the route's handler is given) also records its result in the key's
 * row (see Journal), so a retry after a crash replays those results instead of applying the change
 * again, and rebuilds the same answer. Only routes declared `replay: 'journaled'` (route.ts) come
 * here; answers caused by a precondition (PRECONDITION_STATUSES) are never kept.
 *
 * `raw`: the request body as read. Returns undefined when the request carries no key (run it as
 * it is), the stored answer to send again, or the claim to run under and settle with `settleKey`.
 */
export async function claimIdempotencyKey(s: ServerContext, c: Context<Env>, raw: string): Promise<KeyClaim | Response | undefined> {
  const key = c.req.header('idempotency-key');
  if (c.req.method !== 'POST' || key === undefined) return undefined;
  if (!KEY.test(key)) throw problem('bad-request', 'Idempotency-Key must be 1–200 visible ASCII characters.');
  const url = new URL(c.req.url);
  const tokenHash = c.get('caller').tokenHash;
  const fingerprint = requestFingerprint(principalOf(c.get('caller')), c.req.method, url.pathname + url.search, { contentType: c.req.header('content-type'), ifMatch: c.req.header('if-match') }, raw);
  const claim = await claimKey(s, tokenHash, key, fingerprint, s.http.idempotency);
  if (claim instanceof Response) return claim;
  return new KeyClaim(s.db, tokenHash, key, claim.owner);
}

/** A claimed Idempotency-Key: the journal-aware database its request runs its transactions on. */
export class KeyClaim {
  /** `db` with each transaction journaled under the key; reads and LISTEN go to `db` itself. */
  readonly db: Db;
  constructor(
    private readonly base: Db,
    readonly tokenHash: string,
    readonly key: string,
    readonly owner: string,
  ) {
    const journal = new Journal(tokenHash, key, owner);
    this.db = aroundTransactions(base, (tx, fn) => journal.run(tx, fn));
  }

  /**
   * Settles the key once the request was answered with `res`: kept for retries, forgotten when the
   * answer was about a precondition (a fixed retry must run), given back on a 5xx or 429.
   */
  async settle(res: Response): Promise<void> {
    const mine = [this.tokenHash, this.key, this.owner];
    if (res.status >= 500 || res.status === 429) return this.release();
    if (PRECONDITION_STATUSES.has(res.status)) {
      // Nothing but the refusal's audit row committed; forget the key so a fixed retry runs.
      await this.base.query('DELETE FROM idempotency WHERE token_hash = $1 AND key = $2 AND owner = $3 AND status IS NULL', mine);
      return;
    }
    const body = await res.clone().text();
    const headers: Record<string, string> = {};
    for (const h of ['content-type', 'etag', 'location']) {
      const v = res.headers.get(h);
      if (v) headers[h] = v;
    }
    await this.base.query('UPDATE idempotency SET status = $4, headers = $5, body = $6 WHERE token_hash = $1 AND key = $2 AND owner = $3 AND status IS NULL', [
      ...mine,
      res.status,
      JSON.stringify(headers),
      body,
    ]);
  }

  /** Give the key up after a failure: forget it if nothing committed, else leave it for a retry to replay. */
  async release(): Promise<void> {
    const mine = [this.tokenHash, this.key, this.owner];
    await this.base.query(`DELETE FROM idempotency WHERE token_hash = $1 AND key = $2 AND owner = $3 AND status IS NULL AND results = '{}'::jsonb`, mine).catch(() => {});
    await this.base.query('UPDATE idempotency SET owner = NULL WHERE token_hash = $1 AND key = $2 AND owner = $3 AND status IS NULL', mine).catch(() => {});
  }
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
class Journal {
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

/** `{}` and an empty body are the same request; so are JSON texts differing only in spacing. */
function normalize(raw: string): string {
  if (raw.trim() === '') return '{}';
  try {
    return JSON.stringify(JSON.parse(raw));
  } catch {
    return raw;
  }
}
