// Bearer tokens from the world file, kept only as SHA-256 hashes and compared in constant time
// (the brake on failed authentication is in throttle.ts).
import { createHash, hash, timingSafeEqual } from 'node:crypto';
import type { World, WorldIndex } from '../core/index';

export type Caller = { kind: 'admin'; id: string; tokenHash: string } | { kind: 'engineer'; id: string; tokenHash: string };

// One-shot hashing: no Hash object per call (it is called for every audit row a verify re-hashes).
export const sha256 = (s: string): string => hash('sha256', s, 'hex');

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
