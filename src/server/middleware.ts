// Cross-cutting rules for every route: auth, per-token rate limits, and Idempotency-Key replay.
import type { Context, MiddlewareHandler, Next } from 'hono';
import { sha256 } from './auth';
import type { ServerContext } from './context';
import type { Env } from './http';
import { HttpProblem, problem } from './problems';

export function authenticate(s: ServerContext): MiddlewareHandler<Env> {
  return async (c, next) => {
    const caller = s.tokens.identify(c.req.header('authorization'));
    if (!caller) throw new HttpProblem('unauthenticated', 'Send Authorization: Bearer <token>.', {}, 401, { 'WWW-Authenticate': 'Bearer realm="access-companion"' });
    c.set('caller', caller);
    await next();
  };
}

/** Fixed one-minute windows per token (per process: a guard against floods, not a quota). */
export function rateLimit(perMinute: number): MiddlewareHandler<Env> {
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = Date.now();
  return async (c, next) => {
    const now = Date.now();
    if (now - lastSweep > 60_000) {
      for (const [k, w] of windows) if (now - w.start >= 60_000) windows.delete(k);
      lastSweep = now;
    }
    const key = c.get('caller')?.tokenHash ?? 'anonymous';
    let w = windows.get(key);
    if (!w || now - w.start >= 60_000) windows.set(key, (w = { start: now, count: 0 }));
    w.count++;
    if (w.count > perMinute) {
      const retry = Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000));
      throw new HttpProblem('rate-limited', `More than ${perMinute} requests a minute with this token.`, {}, 429, { 'Retry-After': String(retry) });
    }
    await next();
  };
}

const KEY = /^[\x21-\x7e]{1,200}$/;
const ABANDONED_MS = 30_000;

/**
 * A POST with Idempotency-Key runs once per (token, key): a retry with the same request gets the
 * first answer, a different request under the same key is refused with 422, and a retry racing
 * the first waits for it.
 */
export function idempotency(s: ServerContext): MiddlewareHandler<Env> {
  return async (c: Context<Env>, next: Next) => {
    const key = c.req.header('idempotency-key');
    if (c.req.method !== 'POST' || key === undefined) return next();
    if (!KEY.test(key)) throw problem('bad-request', 'Idempotency-Key must be 1–200 visible ASCII characters.');
    const caller = c.get('caller');
    const raw = await c.req.text();
    c.set('rawBody', raw);
    const fingerprint = sha256(`${c.req.method} ${new URL(c.req.url).pathname}\n${normalize(raw)}`);
    for (let attempt = 0; ; attempt++) {
      const mine = await s.db.query('INSERT INTO idempotency (token_hash, key, fingerprint, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING key', [caller.tokenHash, key, fingerprint, Date.now()]);
      if (mine.length > 0) break;
      const [row] = await s.db.query<{ fingerprint: string; status: number | null; headers: unknown; body: string | null; created_at: string | number }>(
        'SELECT fingerprint, status, headers, body, created_at FROM idempotency WHERE token_hash = $1 AND key = $2',
        [caller.tokenHash, key],
      );
      if (!row) continue;
      if (row.fingerprint !== fingerprint) throw problem('idempotency-key-reused', 'This Idempotency-Key was already used for a different request; use a new key.');
      if (row.status !== null) {
        const headers = (typeof row.headers === 'string' ? JSON.parse(row.headers) : row.headers) as Record<string, string>;
        return new Response(row.body, { status: row.status, headers: { ...headers, 'idempotent-replayed': 'true' } });
      }
      if (Date.now() - Number(row.created_at) > ABANDONED_MS) {
        await s.db.query('DELETE FROM idempotency WHERE token_hash = $1 AND key = $2 AND status IS NULL', [caller.tokenHash, key]);
        continue;
      }
      if (attempt > 400) throw problem('conflict', 'A request with this Idempotency-Key is still in progress; retry shortly.');
      await new Promise((r) => setTimeout(r, 25));
    }
    try {
      await next();
    } catch (e) {
      await release(s, caller.tokenHash, key);
      throw e;
    }
    const res = c.res;
    if (res.status >= 500 || res.status === 429) {
      await release(s, caller.tokenHash, key);
      return;
    }
    const body = await res.clone().text();
    const headers: Record<string, string> = {};
    for (const h of ['content-type', 'etag', 'location']) {
      const v = res.headers.get(h);
      if (v) headers[h] = v;
    }
    await s.db.query('UPDATE idempotency SET status = $3, headers = $4, body = $5 WHERE token_hash = $1 AND key = $2', [caller.tokenHash, key, res.status, JSON.stringify(headers), body]);
  };
}

async function release(s: ServerContext, tokenHash: string, key: string): Promise<void> {
  await s.db.query('DELETE FROM idempotency WHERE token_hash = $1 AND key = $2 AND status IS NULL', [tokenHash, key]).catch(() => {});
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
