// Brakes that slow an attacker without locking out the people who must act: failed
// authentication is charged to what a guesser must vary (address, token, token prefix) and never
// to a valid token; client addresses come from X-Forwarded-For only when a configured proxy says so.
import { BlockList, isIP } from 'node:net';
import type { Context } from 'hono';
import { sha256 } from './auth';
import type { Env } from './request';
import { HttpProblem } from './problems';

/**
 * Counts per key in fixed windows of `windowMs`. Past `limit` in a window, `retryAfter` says how
 * many whole seconds (at least 1) remain; it forgets windows that ended. At most `maxKeys` keys are
 * held: a flood of fresh keys (new addresses, new tokens) evicts the oldest windows rather than
 * growing memory without bound.
 */
export class FixedWindowLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private lastSweep = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number = 60_000,
    private readonly clock: () => number = Date.now,
    private readonly maxKeys = 200_000,
  ) {}

  /** Seconds until `key` may act again, or undefined while it is under the limit. */
  retryAfter(key: string): number | undefined {
    const now = this.clock();
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs || w.count < this.limit) return undefined;
    return Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000));
  }

  count(key: string): void {
    const now = this.clock();
    if (now - this.lastSweep > this.windowMs) {
      for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
      this.lastSweep = now;
    }
    const w = this.windows.get(key);
    if (w && now - w.start < this.windowMs) {
      w.count++;
      return;
    }
    // Re-inserted so the Map's order stays oldest window first, which is what eviction drops.
    this.windows.delete(key);
    this.windows.set(key, { start: now, count: 1 });
    for (const k of this.windows.keys()) {
      if (this.windows.size <= this.maxKeys) break;
      this.windows.delete(k);
    }
  }

  /** Count one more for `key` and refuse with 429 if that goes past the limit. */
  take(key: string, what: string): void {
    const wait = this.retryAfter(key);
    if (wait !== undefined) throw new HttpProblem('rate-limited', what, {}, 429, { 'Retry-After': String(wait) });
    this.count(key);
  }
}

/** How many leading characters of a bad token form its prefix key (a guesser aiming at one token's known start keeps them). */
const PREFIX_CHARS = 8;

/**
 * Failed authentications per minute, charged to the client address, to the presented token's
 * fingerprint and to its prefix's fingerprint. A request with a bad token is refused with 429 once
 * any of those is over the limit: one address cannot guess fast, nor can many addresses replay one
 * token or guess around one known prefix. Only failures are ever looked at: a valid token is
 * decided before this brake and never meets it, so nobody's failures can lock out an admin or the
 * enforcement point. Fingerprints are SHA-256, so no bad token is held in memory.
 */
export class FailedAuthThrottle {
  private readonly limiter: FixedWindowLimiter;

  constructor(
    readonly perMinute: number,
    clock: () => number = Date.now,
  ) {
    this.limiter = new FixedWindowLimiter(perMinute, 60_000, clock);
  }

  /** The keys a failure from `address` with `token` (undefined: none or malformed) is charged to. */
  keysOf(address: string, token: string | undefined): string[] {
    const keys = [`addr:${address}`];
    if (token) keys.push(`token:${sha256(token)}`, `prefix:${sha256(token.slice(0, PREFIX_CHARS))}`);
    return keys;
  }

  /** Seconds until this failure's keys may try again, or undefined while all are under the limit. */
  retryAfter(keys: string[]): number | undefined {
    let wait: number | undefined;
    for (const k of keys) {
      const w = this.limiter.retryAfter(k);
      if (w !== undefined) wait = Math.max(wait ?? 0, w);
    }
    return wait;
  }

  failed(keys: string[]): void {
    for (const k of keys) this.limiter.count(k);
  }
}

/**
 * Proxies whose X-Forwarded-For is believed, as addresses or CIDR ranges ("10.0.0.0/8",
 * "::1", "fd00::/8"). Throws on an entry that is neither, so a typo cannot silently trust nobody.
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(entries: readonly string[]) {
    let n = 0;
    for (const raw of entries) {
      const entry = raw.trim();
      if (!entry) continue;
      const [addr, bits, extra] = entry.split('/');
      const family = isIP(addr ?? '');
      if (family === 0 || extra !== undefined || (bits !== undefined && !/^\d{1,3}$/.test(bits))) throw new Error(`trusted proxy "${entry}" is not an IP address or CIDR range`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.list.addAddress(addr!, type);
      else {
        const prefix = Number(bits);
        if (prefix > (family === 4 ? 32 : 128)) throw new Error(`trusted proxy "${entry}" has a prefix longer than the address`);
        this.list.addSubnet(addr!, prefix, type);
      }
      n++;
    }
    this.size = n;
  }

  trusts(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }

  /**
   * The client's address: the socket peer, unless that peer is a trusted proxy; then the
   * X-Forwarded-For hops are walked from the right (the ones our proxies appended) to the first
   * address no trusted proxy holds. Anything left of it was written by the client and may be forged.
   */
  clientAddress(peer: string, forwardedFor: string | undefined): string {
    if (!this.trusts(peer) || !forwardedFor) return peer;
    let client = peer;
    const hops = forwardedFor.split(',').map((h) => h.trim());
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (isIP(hop) === 0) break; // garbage from the client side: keep the last hop a proxy vouched for
      client = hop;
      if (!this.trusts(hop)) break;
    }
    return client;
  }
}

/** The socket peer's address, or undefined for in-process calls (app.request in tests, embedding). */
export function peerAddress(c: Context<Env>): string | undefined {
  return (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress;
}
