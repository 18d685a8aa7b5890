// SCIM PATCH (RFC 7644 §3.5.2) in the dialects identity providers send. Okta: lower-case ops,
// path-less `replace` with a value object (`{"active": false}`), `members[value eq "…"]` removes.
// Entra: capitalised ops (`Replace`, `Add`, `Remove`), `"True"`/`"False"` strings for booleans,
// `emails[type eq "work"].value` and `name.givenName` paths, member removes with a value list.
// A User's operations are applied by scim-patch to the User as we render it, and what changed is
// read back into the store's patch; a Group's are planned here into the store's member calls (a
// group of thousands is never rendered whole to change one membership).
import { scimPatch, type ScimPatchOperation, ScimError as PatchLibraryError } from 'scim-patch';
import { type PersonPatch, type PersonRecord, renamedDisplayName } from '../store';
import { badRequest } from './errors';
import { memberIds, scimBoolean, userResource } from './resources';
import { PATCH_SCHEMA, stripCoreUrn } from './schemas';

export interface PatchOp {
  op: 'add' | 'replace' | 'remove';
  path?: string;
  value?: unknown;
}

/** Most operations one PATCH may carry. */
export const MAX_PATCH_OPERATIONS = 1000;

/**
 * The operations of a PatchOp body, ops lower-cased. `schemas`, when sent, must name the PatchOp
 * message; `remove` needs a path.
 * @throws ScimError 400 invalidSyntax or invalidPath.
 */
export function patchOperations(body: unknown): PatchOp[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Send a SCIM PatchOp as a JSON object.', 'invalidSyntax');
  const b = body as { schemas?: unknown; Operations?: unknown; operations?: unknown };
  if (b.schemas !== undefined && !(Array.isArray(b.schemas) && b.schemas.includes(PATCH_SCHEMA))) throw badRequest(`A PATCH body's schemas must include ${PATCH_SCHEMA}.`, 'invalidSyntax');
  const ops = b.Operations ?? b.operations;
  if (!Array.isArray(ops) || ops.length === 0) throw badRequest('A PATCH body needs Operations: a non-empty array.', 'invalidSyntax');
  if (ops.length > MAX_PATCH_OPERATIONS) throw badRequest(`Send at most ${MAX_PATCH_OPERATIONS} operations in one PATCH.`, 'tooMany');
  return ops.map((o: unknown, i) => {
    if (o === null || typeof o !== 'object') throw badRequest(`Operations[${i}] is not an object.`, 'invalidSyntax');
    const { op, path, value } = o as { op?: unknown; path?: unknown; value?: unknown };
    const name = typeof op === 'string' ? op.trim().toLowerCase() : '';
    if (name !== 'add' && name !== 'replace' && name !== 'remove') throw badRequest(`Operations[${i}].op must be add, replace or remove, not ${JSON.stringify(op)}.`, 'invalidSyntax');
    if (path !== undefined && (typeof path !== 'string' || path.length > 500)) throw badRequest(`Operations[${i}].path must be a string.`, 'invalidPath');
    const p = typeof path === 'string' && path.trim() !== '' ? path.trim() : undefined;
    if (name === 'remove' && !p) throw badRequest(`Operations[${i}]: remove needs a path.`, 'noTarget');
    if (name !== 'remove' && value === undefined) throw badRequest(`Operations[${i}]: ${name} needs a value.`, 'invalidValue');
    return { op: name, ...(p ? { path: p } : {}), ...(value !== undefined ? { value } : {}) };
  });
}

/** Attributes no PATCH may change (RFC 7643 §3.1: id and meta are the provider's). */
const READ_ONLY = new Set(['id', 'meta', 'schemas', 'groups']);

/**
 * The store's patch for a person after `ops`: the User as we render it, with the operations
 * applied by scim-patch, compared attribute by attribute. Booleans may be "True"/"False" strings;
 * `active` is the only boolean we keep.
 * @throws ScimError 400 (mutability for id/meta, noTarget, invalidPath, invalidValue).
 */
export function personPatch(person: PersonRecord, ops: PatchOp[], base: string): PersonPatch {
  const before = userResource(person, base);
  const after = structuredClone(before);
  for (const op of ops) refuseReadOnly(op);
  try {
    scimPatch(after as never, ops.map(withBooleans) as ScimPatchOperation[], { mutateDocument: true, treatMissingAsAdd: true });
  } catch (e) {
    if (e instanceof PatchLibraryError) throw badRequest(`The PATCH could not be applied: ${e.message}`, scimTypeOf(e));
    throw e;
  }
  return diff(person, after);
}

function refuseReadOnly(op: PatchOp): void {
  const target = op.path ? stripCoreUrn(op.path).split(/[.[]/)[0]!.toLowerCase() : undefined;
  const keys = target ? [target] : op.value && typeof op.value === 'object' ? Object.keys(op.value).map((k) => stripCoreUrn(k).split('.')[0]!.toLowerCase()) : [];
  for (const k of keys) if (READ_ONLY.has(k) && !(k === 'id' && !op.path) && k !== 'schemas') throw badRequest(`${k} cannot be changed.`, 'mutability');
}

/** `active` as a boolean wherever a provider wrote it as a string (path `active`, or a value object's `active`). */
function withBooleans(op: PatchOp): PatchOp {
  if (op.path && stripCoreUrn(op.path).toLowerCase() === 'active') return { ...op, path: 'active', value: booleanOrRefuse(op.value) };
  if (!op.path && op.value && typeof op.value === 'object' && !Array.isArray(op.value)) {
    const value: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(op.value)) {
      // Path-less values may name attributes as paths ("name.givenName") or with the core URN.
      const key = stripCoreUrn(k);
      if (key.toLowerCase() === 'name' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
        // RFC 7644 §3.5.2.3: sub-attributes of `name` not in the value are left as they are (replaced
        // whole, a rename of the family name alone lost the given name): one path per sub-attribute.
        for (const [sub, subValue] of Object.entries(v)) value[`name.${sub}`] = subValue;
        continue;
      }
      value[key.toLowerCase() === 'active' ? 'active' : key] = key.toLowerCase() === 'active' ? booleanOrRefuse(v) : v;
    }
    return { ...op, value };
  }
  return op;
}

function booleanOrRefuse(v: unknown): boolean {
  const b = scimBoolean(v);
  if (b === undefined) throw badRequest(`active must be true or false, not ${JSON.stringify(v)}.`);
  return b;
}

function scimTypeOf(e: PatchLibraryError): 'noTarget' | 'invalidPath' | 'invalidValue' {
  const t = (e as { scimType?: string }).scimType;
  return t === 'noTarget' || t === 'invalidPath' ? t : 'invalidValue';
}

/** Reads a patched User back into the fields the store keeps, keeping only what changed. */
function diff(p: PersonRecord, u: Record<string, unknown>): PersonPatch {
  const out: PersonPatch = {};
  const str = (v: unknown, what: string): string | null => {
    if (v === undefined || v === null || v === '') return null;
    if (typeof v !== 'string') throw badRequest(`${what} must be a string.`);
    return v.trim();
  };
  const userName = str(u.userName, 'userName');
  if (userName === null) throw badRequest('userName cannot be removed.', 'mutability');
  if (userName !== p.email) out.email = userName;
  const externalId = str(u.externalId, 'externalId');
  if (externalId !== p.externalId) out.externalId = externalId;
  const name = (u.name && typeof u.name === 'object' ? u.name : {}) as Record<string, unknown>;
  const givenName = str(name.givenName, 'name.givenName');
  const familyName = str(name.familyName, 'name.familyName');
  if (givenName !== p.givenName) out.givenName = givenName;
  if (familyName !== p.familyName) out.familyName = familyName;
  const displayName = str(u.displayName, 'displayName');
  const formatted = str(name.formatted, 'name.formatted');
  // One display name: displayName if it changed, else name.formatted if it did, else (given or
  // family name changed) the two joined.
  if (displayName !== p.name && displayName !== null) out.name = displayName;
  else if (formatted !== p.name && formatted !== null) out.name = formatted;
  else if ('givenName' in out || 'familyName' in out) {
    const renamed = renamedDisplayName(p, out);
    if (renamed !== p.name) out.name = renamed;
  }
  const active = u.active === undefined ? true : scimBoolean(u.active);
  if (active === undefined) throw badRequest(`active must be true or false, not ${JSON.stringify(u.active)}.`);
  if (active !== p.active) out.active = active;
  return out;
}

/** What a Group PATCH does, in the store's terms. */
export interface GroupPlan {
  name?: string;
  externalId?: string | null;
  /** Set the members to exactly these (a replace of `members`, or a remove of them all). */
  replaceMembers?: string[];
  add: string[];
  remove: string[];
}

const MEMBER_FILTER = /^members\[\s*value\s+eq\s+"((?:[^"\\]|\\.)*)"\s*\]$/i;

/**
 * Plans a Group PATCH: display name and externalId changes, and membership changes folded so each
 * person's last operation wins (add then remove of the same person removes them).
 * @throws ScimError 400 (invalidPath for a path we do not know, mutability for id/meta).
 */
export function groupPlan(groupId: string, ops: PatchOp[]): GroupPlan {
  const plan: GroupPlan = { add: [], remove: [] };
  let members: Set<string> | undefined; // set by a replace: later adds/removes apply to it
  const last = new Map<string, 'add' | 'remove'>();
  const addMembers = (ids: string[]) => {
    for (const id of ids) members ? members.add(id) : last.set(id, 'add');
  };
  const removeMembers = (ids: string[]) => {
    for (const id of ids) members ? members.delete(id) : last.set(id, 'remove');
  };
  const setAttribute = (key: string, value: unknown, op: PatchOp['op']) => {
    const k = stripCoreUrn(key).toLowerCase();
    if (k === 'displayname') {
      if (op === 'remove') throw badRequest('displayName cannot be removed.', 'mutability');
      if (typeof value !== 'string' || value.trim() === '') throw badRequest('displayName must be a non-empty string.');
      plan.name = value.trim();
    } else if (k === 'externalid') {
      if (op !== 'remove' && value !== null && typeof value !== 'string') throw badRequest('externalId must be a string.');
      plan.externalId = op === 'remove' || value === null || value === '' ? null : (value as string).trim();
    } else if (k === 'members') {
      if (op === 'replace') {
        members = new Set(memberIds(value));
        last.clear();
      } else if (op === 'add') addMembers(memberIds(value));
      else if (value === undefined) {
        members = new Set();
        last.clear();
      } else removeMembers(memberIds(value));
    } else if (k === 'id') {
      // Okta's path-less replace repeats the id; a different one is a change we refuse.
      if (value !== groupId) throw badRequest('A Group id cannot be changed.', 'mutability');
    } else if (k === 'schemas' || k === 'meta') {
      if (k === 'meta') throw badRequest('meta cannot be changed.', 'mutability');
    } else throw badRequest(`Groups have no attribute ${JSON.stringify(key)} to change (displayName, externalId, members).`, 'invalidPath');
  };
  for (const op of ops) {
    if (op.path) {
      const one = MEMBER_FILTER.exec(stripCoreUrn(op.path));
      if (one) {
        if (op.op !== 'remove') throw badRequest(`${op.op} on ${op.path}: members[value eq …] paths are for remove; add members with path members.`, 'invalidPath');
        removeMembers([JSON.parse(`"${one[1]}"`) as string]);
      } else setAttribute(op.path, op.value, op.op);
    } else if (op.value && typeof op.value === 'object' && !Array.isArray(op.value)) {
      for (const [k, v] of Object.entries(op.value)) setAttribute(k, v, op.op);
    } else throw badRequest(`${op.op} without a path needs a value object of attributes.`, 'invalidValue');
  }
  if (members) plan.replaceMembers = [...members];
  for (const [id, what] of last) (what === 'add' ? plan.add : plan.remove).push(id);
  return plan;
}
