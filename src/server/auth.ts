// Bearer tokens from the world file, kept only as SHA-256 hashes and compared in constant time,
// and a per-address brake on failed authentication.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { World, WorldIndex } from '../core/index';
import type { Env } from './http';
import { HttpProblem } from './problems';

export type Caller = { kind: 'admin'; id: string; tokenHash: string } | { kind: 'engineer'; id: string; tokenHash: string };

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

const bucketOf = (hash: Buffer): string => hash.subarray(0, 4).toString('hex');

export class TokenBook {
  private readonly byPrefix = new Map<string, Array<{ hash: Buffer; kind: Caller['kind']; id: string }>>();

  constructor(ix: WorldIndex) {
    for (const u of ix.world.users) if (u.token) this.add(u.token, 'admin', u.id);
    for (const e of ix.world.engineers) if (e.token) this.add(e.token, 'engineer', e.id);
  }

  private add(token: string, kind: Caller['kind'], id: string): void {
    const hash = createHash('sha256').update(token).digest();
    // Bucket by the first four bytes of the hash: at 100k users a bucket holds one entry, not the
    // ~400 a one-byte bucket held (0.6 ms of comparisons per request). Which bucket a guess lands
    // in says nothing about any token (the hash hides it); every candidate in the bucket is still
    // compared with timingSafeEqual.
    const k = bucketOf(hash);
    const list = this.byPrefix.get(k) ?? [];
    list.push({ hash, kind, id });
    this.byPrefix.set(k, list);
  }

  identify(authorization: string | undefined): Caller | undefined {
    const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(authorization ?? '');
    if (!m) return undefined;
    const hash = createHash('sha256').update(m[1]!).digest();
    let found: Caller | undefined;
    for (const entry of this.byPrefix.get(bucketOf(hash)) ?? []) {
      if (timingSafeEqual(entry.hash, hash) && !found) found = { kind: entry.kind, id: entry.id, tokenHash: hash.toString('hex') } as Caller;
    }
    return found;
  }
}

/**
 * The world file's plaintext tokens are dropped once the book holds their hashes, so nothing that
 * later reads the world (a view, a heap snapshot, a debug dump) can hand out a credential.
 */
export function forgetPlaintextTokens(world: World): void {
  for (const u of world.users) delete u.token;
  for (const e of world.engineers) delete e.token;
}

/**
 * Failed authentications per client address, in fixed one-minute windows. Past the limit every
 * attempt from that address is refused until the window ends: refusing only the wrong guesses
 * would still tell the right one apart.
 */
export class FailedAuthThrottle {
  private readonly windows = new Map<string, { start: number; failures: number }>();
  private lastSweep = 0;

  constructor(
    readonly perMinute: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Seconds until this address may try again, or undefined while it is under the limit. */
  retryAfter(address: string): number | undefined {
    const now = this.clock();
    const w = this.windows.get(address);
    if (!w || now - w.start >= 60_000 || w.failures < this.perMinute) return undefined;
    return Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000));
  }

  failed(address: string): void {
    const now = this.clock();
    if (now - this.lastSweep > 60_000) {
      for (const [k, w] of this.windows) if (now - w.start >= 60_000) this.windows.delete(k);
      this.lastSweep = now;
    }
    const w = this.windows.get(address);
    if (!w || now - w.start >= 60_000) this.windows.set(address, { start: now, failures: 1 });
    else w.failures++;
  }
}

/**
 * Runs before authentication. Only requests that came over a socket have an address to charge;
 * in-process calls (app.request in tests, embedding) pass through.
 */
export function throttleFailedAuth(throttle: FailedAuthThrottle): MiddlewareHandler<Env> {
  return async (c, next) => {
    const address = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress;
    if (!address) return next();
    const wait = throttle.retryAfter(address);
    if (wait !== undefined) throw new HttpProblem('rate-limited', 'Too many failed authentications from this address; wait before trying again.', {}, 429, { 'Retry-After': String(wait) });
    await next();
    if (c.res.status === 401) throttle.failed(address);
  };
}
