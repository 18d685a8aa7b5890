// Machine callers' API keys (DESIGN §6): made, listed and deleted by org admins, each with scopes
// (access_check, audit_read, scim) and an optional expiry. A key's secret is `acak_` followed by 32
// random bytes (256 bits, base64url); only its SHA-256 is stored. A fast unsalted hash is enough
// for a secret this long: salting and stretching protect guessable passwords, and nobody can try
// 2^256 candidates against a stolen hash; it also lets a presented secret be found by one unique
// index lookup instead of a scan. Nothing about a key is cached: every request with one reads its
// row, so a delete (or an expiry) is refused from the next request, by every API process.
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyScope } from '../../api/vocabulary';
import type { ApiKeyCredential, KeyCaller } from './api-key-credential';
import type { Queryable } from '../db/index';

/** The stored row, without the secret's hash. */
export interface ApiKeyRecord extends ApiKeyCredential {
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

/** Every secret starts with this, so scanners (and people) recognise a leaked one. */
export const SECRET_PREFIX = 'acak_';
const SECRET = /^Bearer (acak_[A-Za-z0-9_-]{43})$/;
/** last_used_at is written at most this often per key (ms): a busy key must not turn every read into a write. */
export const LAST_USED_EVERY_MS = 60_000;

const sha256hex = (s: string): string => hash('sha256', s, 'hex');

/** A fresh secret: the prefix and 256 random bits (base64url, 43 characters). */
export const newSecret = (): string => SECRET_PREFIX + randomBytes(32).toString('base64url');

interface Row {
  id: string;
  name: string;
  scopes: string[] | string;
  engineer: string | null;
  secret_hash: string;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  last_used_at: string | null;
}

// PGlite and node-postgres both return text[] as an array; a string form is parsed defensively.
const scopesOf = (v: string[] | string): ApiKeyScope[] =>
  (Array.isArray(v)
    ? v
    : v
        .replace(/^\{|\}$/g, '')
        .split(',')
        .filter(Boolean)) as ApiKeyScope[];

const fromRow = (r: Row): ApiKeyRecord => ({
  id: r.id,
  name: r.name,
  scopes: scopesOf(r.scopes),
  engineer: r.engineer,
  createdAt: r.created_at,
  createdBy: r.created_by,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
});

/**
 * The key an `Authorization: Bearer acak_…` header presents, or undefined: not a key's shape, no
 * such key (never made, or deleted), or expired at `now` (ISO 8601). The lookup is by the secret's
 * SHA-256, so what a timing difference could reveal is about a hash, not the secret; the found hash
 * is still compared in constant time. Records the use at most once a minute per key.
 */
export async function identifyKey(db: Queryable, authorization: string | undefined, now: string, issuerAuthorizes?: (createdBy: string) => boolean): Promise<KeyCaller | undefined> {
  const m = SECRET.exec(authorization ?? '');
  if (!m) return undefined;
  const digest = sha256hex(m[1]!);
  const [row] = await db.query<Row>('SELECT * FROM api_keys WHERE secret_hash = $1', [digest]);
  if (!row || !timingSafeEqual(Buffer.from(row.secret_hash, 'hex'), Buffer.from(digest, 'hex'))) return undefined;
  if (row.expires_at !== null && Date.parse(row.expires_at) <= Date.parse(now)) return undefined;
  // A key acts on its creator's authority: it stops when they are no longer an active org admin.
  if (issuerAuthorizes && !issuerAuthorizes(row.created_by)) return undefined;
  const rec = fromRow(row);
  if (row.last_used_at === null || Date.parse(now) - Date.parse(row.last_used_at) >= LAST_USED_EVERY_MS) {
    // Conditional, so processes racing on one key write once; bookkeeping never fails the request.
    await db
      .query('UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)', [row.id, now, new Date(Date.parse(now) - LAST_USED_EVERY_MS + 1).toISOString()])
      .catch(() => undefined);
  }
  return { kind: 'key', id: rec.id, tokenHash: digest, key: { id: rec.id, name: rec.name, scopes: rec.scopes, engineer: rec.engineer } };
}

/** Is the key `id` still there and unexpired at `now` (ISO 8601)? */
export async function keyLive(db: Queryable, id: string, now: string, issuerAuthorizes?: (createdBy: string) => boolean): Promise<boolean> {
  const [row] = await db.query<{ expires_at: string | null; created_by: string }>('SELECT expires_at, created_by FROM api_keys WHERE id = $1', [id]);
  return !!row && (row.expires_at === null || Date.parse(row.expires_at) > Date.parse(now)) && (!issuerAuthorizes || issuerAuthorizes(row.created_by));
}

export async function listApiKeys(db: Queryable): Promise<ApiKeyRecord[]> {
  return (await db.query<Row>('SELECT * FROM api_keys ORDER BY created_seq')).map(fromRow);
}

export async function countApiKeys(q: Queryable): Promise<number> {
  const [row] = await q.query<{ n: number | string }>('SELECT count(*) AS n FROM api_keys');
  return Number(row?.n ?? 0);
}

/** Stores a key (its secret only as SHA-256) inside the caller's transaction. */
export async function insertApiKey(tx: Queryable, k: Omit<ApiKeyRecord, 'lastUsedAt'>, secret: string): Promise<void> {
  await tx.query('INSERT INTO api_keys (id, name, scopes, engineer, secret_hash, created_at, created_by, expires_at) VALUES ($1, $2, $3::text[], $4, $5, $6, $7, $8)', [
    k.id,
    k.name,
    k.scopes,
    k.engineer,
    sha256hex(secret),
    k.createdAt,
    k.createdBy,
    k.expiresAt,
  ]);
}

/** Deletes a key inside the caller's transaction; the deleted key, or undefined when there was none. */
export async function deleteApiKeyRow(tx: Queryable, id: string): Promise<ApiKeyRecord | undefined> {
  const [row] = await tx.query<Row>('DELETE FROM api_keys WHERE id = $1 RETURNING *', [id]);
  return row ? fromRow(row) : undefined;
}
