// Bearer tokens from the world file, kept only as SHA-256 hashes and compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { WorldIndex } from '../core/index';

export type Caller = { kind: 'admin'; id: string; tokenHash: string } | { kind: 'engineer'; id: string; tokenHash: string };

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export class TokenBook {
  private readonly byPrefix = new Map<string, Array<{ hash: Buffer; kind: Caller['kind']; id: string }>>();

  constructor(ix: WorldIndex) {
    for (const u of ix.world.users) if (u.token) this.add(u.token, 'admin', u.id);
    for (const e of ix.world.engineers) if (e.token) this.add(e.token, 'engineer', e.id);
  }

  private add(token: string, kind: Caller['kind'], id: string): void {
    const hash = createHash('sha256').update(token).digest();
    // Bucket by the first hash byte: lookups stay cheap at 100k users, and every candidate in a
    // bucket is still compared with timingSafeEqual.
    const k = hash.subarray(0, 1).toString('hex');
    const list = this.byPrefix.get(k) ?? [];
    list.push({ hash, kind, id });
    this.byPrefix.set(k, list);
  }

  identify(authorization: string | undefined): Caller | undefined {
    const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(authorization ?? '');
    if (!m) return undefined;
    const hash = createHash('sha256').update(m[1]!).digest();
    let found: Caller | undefined;
    for (const entry of this.byPrefix.get(hash.subarray(0, 1).toString('hex')) ?? []) {
      if (timingSafeEqual(entry.hash, hash) && !found) found = { kind: entry.kind, id: entry.id, tokenHash: hash.toString('hex') } as Caller;
    }
    return found;
  }
}
