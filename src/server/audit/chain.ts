// The chain's rules and the check of one range of stored rows: what the append path (trail.ts),
// verify.ts and its workers (verify-worker.ts) share. Nothing here touches the database driver, so
// a worker loads only this file.
import { hash } from 'node:crypto';
import type { Queryable } from '../db/types';

/** The hash before row 1. */
export const GENESIS = '0'.repeat(64);

const LEAF = Buffer.from([0]);
const bytes = (body: string | Uint8Array) => (typeof body === 'string' ? Buffer.from(body) : body);

/**
 * THE hash rule of rows after the legacy boundary: hex SHA-256 of 0x00 ‖ the previous row's hash
 * (32 bytes) ‖ the body's UTF-8 bytes (stored bytes are hashed as they are). The 0x00 prefix is RFC
 * 6962's leaf domain separator: no legacy input (which began with hex text) and no signed note hashes the same.
 */
export function rowHash(prevHash: string, body: string | Uint8Array): string {
  return hash('sha256', Buffer.concat([LEAF, Buffer.from(prevHash, 'hex'), bytes(body)]), 'hex');
}

/** The rule of rows up to the legacy boundary (legacy.ts): hex SHA-256 of the previous hash's hex text, then the body. */
export function legacyRowHash(prevHash: string, body: string | Uint8Array): string {
  return hash('sha256', Buffer.concat([Buffer.from(prevHash), bytes(body)]), 'hex');
}

/**
 * Rows from <= seq <= to as stored, in one text: each row `seq:n:hash` `m:body`, where n and m are
 * the byte lengths the database gives of what it stores, so no stored value can shift the framing;
 * a row whose seq, hash or body is NULL drops out and shows as missing. One text per range, because
 * decoding rows one by one was most of a read on PGlite.
 */
export async function readRange(q: Queryable, from: number, to: number): Promise<string> {
  const [r] = await q.query<{ t: string | null }>(
    `SELECT string_agg(seq::text || ':' || octet_length(hash)::text || ':' || hash || octet_length(body)::text || ':' || body, '') AS t FROM audit_rows WHERE seq >= $1 AND seq <= $2`,
    [from, to],
  );
  return r?.t ?? '';
}

/** The stored hash of row `seq`, or undefined when there is no such row. */
export async function hashAt(q: Queryable, seq: number): Promise<string | undefined> {
  return (await q.query<{ hash: string }>('SELECT hash FROM audit_rows WHERE seq = $1', [seq]))[0]?.hash;
}

/**
 * One range to check: `rows` is readRange(after, to) (from row 1 when `after` is 0), chained from
 * row `after`'s stored hash (GENESIS for row 0): ranges are checked apart, their joins by the
 * caller. `signed`: the hashes signed heads name; `legacyUntil`: rows up to it follow legacyRowHash.
 */
export interface RangeTask {
  rows: string;
  after: number;
  signed: [number, string][];
  legacyUntil: number;
}

/**
 * What a range showed: rows after..`seq` chain, ending in `hash`; `first` is row `after`'s stored
 * hash when the range read it. `broken` is the row after `seq`, and why: `missing`, `changed` (its
 * stored hash is not its body's) or `signed` (a signed head names another hash for it). With no
 * `broken` and `seq` short of the range's end, the rows after `seq` are not there.
 */
export interface RangeResult {
  seq: number;
  hash: string;
  first?: string;
  broken?: 'missing' | 'changed' | 'signed';
}

/** Checks a range by the rules above (the same for any range size); every stored body hashed as its stored bytes. */
export function checkRange(t: RangeTask): RangeResult {
  const text = Buffer.from(t.rows);
  let i = 0;
  const field = () => {
    let n = 0;
    for (let c = text[i++]; c !== 58; c = text[i++]) {
      if (c === undefined) throw new Error('the rows read are not framed as readRange frames them');
      n = n * 10 + c - 48;
    }
    return n;
  };
  const rows: number[][] = []; // [seq, hash start, hash end, body start, body end]
  while (i < text.length) {
    const seq = field();
    const hashLength = field();
    const hashStart = i;
    i += hashLength;
    const bodyLength = field();
    rows.push([seq, hashStart, hashStart + hashLength, i, (i += bodyLength)]);
  }
  // Rows come in the order the database scanned them (an ordered aggregate made it sort, and spill).
  if (rows.some((r, n) => n > 0 && r[0]! < rows[n - 1]![0]!)) rows.sort((x, y) => x[0]! - y[0]!);
  const storedHash = (r: number[]) => text.toString('latin1', r[1], r[2]);
  const signed = new Map(t.signed);
  let [seq, hash, first] = [t.after, GENESIS, undefined as string | undefined];
  if (t.after) {
    if (rows[0]?.[0] !== t.after) return { seq: seq - 1, hash, broken: 'missing' };
    hash = first = storedHash(rows.shift()!);
  }
  for (const r of rows) {
    if (r[0] !== seq + 1) return { seq, hash, first, broken: 'missing' };
    const h = (seq + 1 <= t.legacyUntil ? legacyRowHash : rowHash)(hash, text.subarray(r[3], r[4]));
    if (h !== storedHash(r)) return { seq, hash, first, broken: 'changed' };
    if ((signed.get(seq + 1) ?? h) !== h) return { seq, hash, first, broken: 'signed' };
    seq++;
    hash = h;
  }
  return { seq, hash, first };
}
