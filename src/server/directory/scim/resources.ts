// SCIM Users and Groups as this server renders and reads them (RFC 7643 §4), over the directory
// store's records. `userName` is the person's email (DESIGN §6); `displayName` and `name.formatted`
// are the one display name; `id` is the person's id everywhere. Attributes we do not keep (phone
// numbers, titles, the enterprise extension) are accepted and ignored, as RFC 7644 §3.3 allows.
import { z } from 'zod';
import { isEmailAddress } from '../../../core/email';
import type { GroupInput, GroupRecord, PersonInput, PersonRecord } from '../store';
import { badRequest } from './errors';
import { GROUP_SCHEMA, USER_SCHEMA } from './schemas';

/** `W/"3"`: a record's version as SCIM's meta.version (a weak ETag). */
const versionTag = (v: number): string => `W/"${v}"`;

/** A person as a SCIM User; `base` is the absolute `/scim/v2` URL (for meta.location). */
export function userResource(p: PersonRecord, base: string): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA],
    id: p.id,
    ...(p.externalId !== null ? { externalId: p.externalId } : {}),
    userName: p.email,
    displayName: p.name,
    name: { formatted: p.name, ...(p.givenName !== null ? { givenName: p.givenName } : {}), ...(p.familyName !== null ? { familyName: p.familyName } : {}) },
    emails: [{ value: p.email, type: 'work', primary: true }],
    active: p.active,
    meta: { resourceType: 'User', created: p.createdAt, lastModified: p.updatedAt, location: `${base}/Users/${encodeURIComponent(p.id)}`, version: versionTag(p.version) },
  };
}

/** A group as a SCIM Group; members only when the record was read with them. */
export function groupResource(g: GroupRecord, base: string, withMembers: boolean): Record<string, unknown> {
  return {
    schemas: [GROUP_SCHEMA],
    id: g.id,
    ...(g.externalId !== null ? { externalId: g.externalId } : {}),
    displayName: g.name,
    ...(withMembers ? { members: g.members.map((id) => ({ value: id, type: 'User', $ref: `${base}/Users/${encodeURIComponent(id)}` })) } : {}),
    meta: { resourceType: 'Group', created: g.createdAt, lastModified: g.updatedAt, location: `${base}/Groups/${encodeURIComponent(g.id)}`, version: versionTag(g.version) },
  };
}

/**
 * SCIM's boolean as providers send it: `true`/`false`, or Entra's `"True"`/`"False"` strings (any
 * case). Anything else: undefined (the caller refuses it).
 */
export function scimBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
  return undefined;
}

const text = (max: number) => z.string().trim().max(max);
const optionalText = (max: number) => text(max).nullish();

const UserBody = z.looseObject({
  userName: z.string({ error: 'userName (the person’s email address) is required' }).max(320),
  externalId: optionalText(200),
  displayName: optionalText(200),
  name: z.looseObject({ formatted: optionalText(200), givenName: optionalText(200), familyName: optionalText(200) }).nullish(),
  active: z.unknown().optional(),
});

/**
 * The person a SCIM User body (POST or PUT) describes. The name is `displayName`, else
 * `name.formatted`, else given and family names (the store's rule); `active` may be a boolean or
 * a "True"/"False" string.
 * @throws ScimError 400 invalidValue (userName missing or not an email address, a wrong type) or
 *   invalidSyntax (not a JSON object).
 */
export function personInput(body: unknown): PersonInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Send a SCIM User as a JSON object.', 'invalidSyntax');
  const r = UserBody.safeParse(body);
  if (!r.success) throw badRequest(r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  const u = r.data;
  if (!isEmailAddress(u.userName)) throw badRequest(`userName must be the person's email address; ${JSON.stringify(u.userName.slice(0, 100))} is not one.`);
  let active: boolean | undefined;
  if (u.active !== undefined && u.active !== null) {
    active = scimBoolean(u.active);
    if (active === undefined) throw badRequest(`active must be true or false, not ${JSON.stringify(u.active)}.`);
  }
  const name = nonEmpty(u.displayName) ?? nonEmpty(u.name?.formatted);
  return {
    email: u.userName.trim(),
    ...(name ? { name } : {}),
    givenName: nonEmpty(u.name?.givenName) ?? null,
    familyName: nonEmpty(u.name?.familyName) ?? null,
    externalId: nonEmpty(u.externalId) ?? null,
    ...(active !== undefined ? { active } : {}),
  };
}

const nonEmpty = (s: string | null | undefined): string | undefined => (s ? s : undefined);

const MemberRef = z.looseObject({ value: z.string({ error: 'each member needs a value (a User id)' }).min(1).max(200) });
export const MAX_MEMBERS_PER_REQUEST = 10_000;
const GroupBody = z.looseObject({
  displayName: text(200).min(1, 'displayName is required'),
  externalId: optionalText(200),
  members: z.array(MemberRef).max(MAX_MEMBERS_PER_REQUEST).nullish(),
});

/** The group a SCIM Group body (POST or PUT) describes; members by person id. @throws ScimError 400 invalidValue. */
export function groupInput(body: unknown): GroupInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Send a SCIM Group as a JSON object.', 'invalidSyntax');
  const r = GroupBody.safeParse(body);
  if (!r.success) throw badRequest(r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return { name: r.data.displayName, externalId: nonEmpty(r.data.externalId) ?? null, members: [...new Set((r.data.members ?? []).map((m) => m.value))] };
}

/** Member ids from a PATCH value: `[{value}]`, one `{value}`, or (leniently) a bare id string. */
export function memberIds(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return items.map((m) => {
    if (typeof m === 'string' && m.length > 0 && m.length <= 200) return m;
    const r = MemberRef.safeParse(m);
    if (!r.success) throw badRequest('Each member is an object with a value: the User id.');
    return r.data.value;
  });
}
