// Wire schemas of machine callers' API keys (DESIGN §6): what an org admin sends to make one, and
// what the API answers. Kept beside schemas.ts so the contract names them like any other schema.
import { z } from 'zod';
import { isStorableText } from './schemas';
import { API_KEY_NAME_MAX, API_KEY_SCOPES, MAX_ID_LENGTH } from './vocabulary';

export const ApiKeyScope = z.enum(API_KEY_SCOPES);

/**
 * `POST /v1/api-keys`. `expiresAt`: ISO 8601 date and time with its offset (`Z` or `+02:00`); that
 * it lies in the future is checked by the server (422). `engineer`: the Support engineer an
 * `access_check` key checks as (required with that scope, refused without it).
 */
export const ApiKeyCreateBody = z
  .object({
    name: z.string().trim().min(1, { error: 'must not be empty' }).max(API_KEY_NAME_MAX).refine(isStorableText, { error: 'must not contain NUL characters or unpaired surrogates' }),
    scopes: z
      .array(ApiKeyScope)
      .min(1, { error: 'name at least one scope' })
      .max(API_KEY_SCOPES.length)
      .refine((s) => new Set(s).size === s.length, { error: 'must not repeat a scope' }),
    expiresAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date and time with its offset, e.g. 2027-01-31T17:00:00Z' }).optional(),
    engineer: z.string().min(1).max(MAX_ID_LENGTH).refine(isStorableText, { error: 'must not contain NUL characters or unpaired surrogates' }).optional(),
  })
  .strict();

/** A key as listed: never its secret. Times are ISO 8601 (UTC); `lastUsedAt` is recorded at most once a minute. */
export const ApiKey = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(ApiKeyScope),
  /** The engineer an `access_check` key checks as, else null. */
  engineer: z.string().nullable(),
  engineerName: z.string().nullable(),
  createdAt: z.string(),
  /** The org admin who made it (user id) and their name. */
  createdBy: z.string(),
  createdByName: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});
/** The answer to a create: the key and its secret, shown this once (the API keeps only its SHA-256). */
export const ApiKeyCreated = ApiKey.extend({ secret: z.string() });
/** `engineers`: who an `access_check` key may check as (the org's Support engineers). */
export const ApiKeyList = z.object({ keys: z.array(ApiKey), engineers: z.array(z.object({ id: z.string(), name: z.string(), email: z.string() })) });

export type ApiKeyWire = z.infer<typeof ApiKey>;
export type ApiKeyCreatedWire = z.infer<typeof ApiKeyCreated>;
export type ApiKeyListWire = z.infer<typeof ApiKeyList>;
export type ApiKeyInput = z.infer<typeof ApiKeyCreateBody>;
