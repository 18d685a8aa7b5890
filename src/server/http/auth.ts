// Bearer tokens from the world file, kept only as SHA-256 hashes and compared in constant time
// (the brake on failed authentication is in throttle.ts).
import { hash, timingSafeEqual } from 'node:crypto';
import type { World, WorldIndex } from '../../core/index';
import type { ApiKeyCredential, KeyCaller } from '../identity/api-key-credential';

/** Who is calling. An engineer's `key`: the access_check API key acting as them (api-keys.ts). `session`: a sign-in session (sessions.ts), not a personal token. */
export type Caller = { kind: 'admin'; id: string; tokenHash: string; key?: undefined; session?: true } | { kind: 'engineer'; id: string; tokenHash: string; key?: ApiKeyCredential } | KeyCaller;

// One-shot hashing: no Hash object per call (it is called for every audit row a verify re-hashes).
export const sha256 = (s: string): string => hash('sha256', s, 'hex');

const HASH_BYTES = 32;
const bucketOf = (digest: Buffer, at = 0): number => digest.readUInt32BE(at);

/**
 * Who a bearer token belongs to, from the world file's tokens. Holds only their SHA-256 hashes,
 * in one buffer (32 bytes each: at 100k users 3.2 MB, not 100k Buffer objects), indexed by the
 * hash's first four bytes. Building it for 100k tokens takes ~80 ms (one-shot hashing).
 */
export class TokenBook {
  private readonly hashes: Buffer;
  private readonly owners: Array<{ kind: Caller['kind']; id: string }> = [];
  /** First four bytes of a hash → the index of the one token with them, or of each of several. */
  private readonly byPrefix = new Map<number, number | number[]>();

  constructor(ix: Pick<WorldIndex, 'world'>) {
    const count = ix.world.users.reduce((n, u) => n + (u.token ? 1 : 0), 0) + ix.world.engineers.reduce((n, e) => n + (e.token ? 1 : 0), 0);
    this.hashes = Buffer.alloc(count * HASH_BYTES);
    for (const u of ix.world.users) if (u.token) this.add(u.token, 'admin', u.id);
    for (const e of ix.world.engineers) if (e.token) this.add(e.token, 'engineer', e.id);
  }

  private add(token: string, kind: Caller['kind'], id: string): void {
    const i = this.owners.length;
    const at = i * HASH_BYTES;
    (hash('sha256', token, 'buffer') as Buffer).copy(this.hashes, at);
    this.owners.push({ kind, id });
    // Bucket by the first four bytes of the hash: at 100k users a bucket holds one entry, not the
    // ~400 a one-byte bucket held (0.6 ms of comparisons per request). Which bucket a guess lands
    // in says nothing about any token (the hash hides it); every candidate in the bucket is still
    // compared with timingSafeEqual.
    const k = bucketOf(this.hashes, at);
    const prior = this.byPrefix.get(k);
    this.byPrefix.set(k, prior === undefined ? i : Array.isArray(prior) ? [...prior, i] : [prior, i]);
  }

  /** The caller an `Authorization: Bearer …` header names, or undefined (malformed or unknown). */
  identify(authorization: string | undefined): Caller | undefined {
    const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(authorization ?? '');
    if (!m) return undefined;
    const digest = hash('sha256', m[1]!, 'buffer') as Buffer;
    const bucket = this.byPrefix.get(bucketOf(digest));
    let found: Caller | undefined;
    for (const i of bucket === undefined ? [] : Array.isArray(bucket) ? bucket : [bucket]) {
      const stored = this.hashes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES);
      if (timingSafeEqual(stored, digest) && !found) found = { ...this.owners[i]!, tokenHash: digest.toString('hex') } as Caller;
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
