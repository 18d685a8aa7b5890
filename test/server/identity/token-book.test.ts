// The token book answers who a bearer token belongs to from hashes only, including when two
// tokens' hashes share the four bytes the book buckets by.
import { hash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { indexWorld, type World } from '../../../src/core/index';
import { TokenBook } from '../../../src/server/http/auth';
import { WORLD } from '../helpers';

// Two tokens whose SHA-256 hashes begin with the same four bytes (found by search; checked below).
const SAME_BUCKET = ['tok-25250', 'tok-61579'] as const;

function bookWith(tokens: Record<string, string>, engineerToken?: string): TokenBook {
  const world: World = structuredClone(WORLD);
  for (const u of world.users) u.token = tokens[u.id];
  if (engineerToken) world.engineers[0]!.token = engineerToken;
  return new TokenBook(indexWorld(world));
}

describe('TokenBook', () => {
  it('names the admin or engineer a token belongs to, and nobody for anything else', () => {
    const book = bookWith({ alice: 'alice-secret', bob: 'bob-secret' }, 'eng-secret');
    expect(book.identify('Bearer alice-secret')).toEqual({ kind: 'admin', id: 'alice', tokenHash: hash('sha256', 'alice-secret', 'hex') });
    expect(book.identify('Bearer bob-secret')).toMatchObject({ kind: 'admin', id: 'bob' });
    expect(book.identify('Bearer eng-secret')).toMatchObject({ kind: 'engineer', id: WORLD.engineers[0]!.id });
    expect(book.identify('Bearer alice-secreT')).toBeUndefined();
    expect(book.identify('alice-secret')).toBeUndefined();
    expect(book.identify('Bearer ')).toBeUndefined();
    expect(book.identify(undefined)).toBeUndefined();
  });

  it('tells apart two tokens whose hashes fall in the same bucket', () => {
    const [a, b] = SAME_BUCKET;
    expect(hash('sha256', a, 'buffer').readUInt32BE(0)).toBe(hash('sha256', b, 'buffer').readUInt32BE(0));
    const book = bookWith({ alice: a, bob: b });
    expect(book.identify(`Bearer ${a}`)).toMatchObject({ id: 'alice' });
    expect(book.identify(`Bearer ${b}`)).toMatchObject({ id: 'bob' });
    expect(book.identify('Bearer tok-1')).toBeUndefined();
  });
});
