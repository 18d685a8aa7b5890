// SCIM filters (RFC 7644 §3.4.2.2) on Users and Groups, as the directory store's filter terms.
// scim2-parse-filter parses the text; we accept what identity providers send (Okta:
// `userName eq "…"`; Entra: `userName eq "…"`, `externalId eq "…"`, `displayName eq "…"` and, to
// check one membership, `id eq "…" and members[value eq "…"]`) and more: `eq`, `co` and `sw` on
// userName, emails.value (also `emails[value eq …]`), externalId, displayName and id, joined by
// `and`. Anything else is refused with `invalidFilter` saying what is supported, never silently
// widened into a list of everyone.
import { type Filter, parse } from 'scim2-parse-filter';
import type { FilterTerm, GroupFilterAttribute, PersonFilterAttribute } from '../store';
import { badRequest } from './errors';
import { stripCoreUrn } from './schemas';

/** Longest filter we parse: a provider's filters are one or two clauses. */
export const MAX_FILTER_LENGTH = 2000;

const USER_ATTRIBUTES: Record<string, PersonFilterAttribute> = {
  username: 'userName',
  'emails.value': 'emails.value',
  emails: 'emails.value',
  externalid: 'externalId',
  displayname: 'displayName',
  id: 'id',
};
const GROUP_ATTRIBUTES: Record<string, GroupFilterAttribute> = {
  displayname: 'displayName',
  externalid: 'externalId',
  id: 'id',
  'members.value': 'members.value',
  members: 'members.value',
};

export type ResourceKind = 'User' | 'Group';
type AttributeOf<K extends ResourceKind> = K extends 'User' ? PersonFilterAttribute : GroupFilterAttribute;

/**
 * The store's terms (joined by `and`) for a filter on `kind`. Operators and attribute names are
 * case-insensitive (the parser lower-cases operators; we fold names); a core schema URN prefix
 * (`urn:…:User:userName`) is allowed.
 * @throws ScimError 400 `invalidFilter`: text that does not parse, or a term outside what is
 *   supported (the message lists it).
 */
export function filterTerms<K extends ResourceKind>(kind: K, text: string): FilterTerm<AttributeOf<K>>[] {
  if (text.length > MAX_FILTER_LENGTH) throw badRequest(`Keep filters under ${MAX_FILTER_LENGTH} characters.`, 'invalidFilter');
  let ast: Filter;
  try {
    ast = parse(text);
  } catch (e) {
    throw badRequest(`The filter ${JSON.stringify(text.slice(0, 200))} is not valid SCIM filter syntax (RFC 7644 §3.4.2.2): ${e instanceof Error ? e.message : String(e)}.`, 'invalidFilter');
  }
  const names = (kind === 'User' ? USER_ATTRIBUTES : GROUP_ATTRIBUTES) as Record<string, AttributeOf<K>>;
  return conjuncts(ast).map((t) => term(kind, names, t, ''));
}

function conjuncts(f: Filter): Filter[] {
  return f.op === 'and' ? f.filters.flatMap(conjuncts) : [f];
}

function term<K extends ResourceKind>(kind: K, names: Record<string, AttributeOf<K>>, f: Filter, prefix: string): FilterTerm<AttributeOf<K>> {
  if (f.op === '[]') {
    // `emails[value eq "x"]`, `members[value eq "x"]`: one term on the sub-attribute.
    const inner = conjuncts(f.valFilter);
    if (inner.length !== 1) throw unsupported(kind);
    return term(kind, names, inner[0]!, `${stripCoreUrn(f.attrPath)}.`);
  }
  if ((f.op === 'eq' || f.op === 'co' || f.op === 'sw') && 'compValue' in f) {
    const attribute = names[`${prefix}${stripCoreUrn(f.attrPath)}`.toLowerCase()];
    if (attribute && typeof f.compValue === 'string') return { attribute, op: f.op, value: f.compValue };
  }
  throw unsupported(kind);
}

function unsupported(kind: ResourceKind) {
  const attrs = kind === 'User' ? 'userName, emails.value, externalId, displayName, id' : 'displayName, externalId, id, members.value';
  return badRequest(`Filters on ${kind}s support eq, co and sw on ${attrs} (strings), joined by and.`, 'invalidFilter');
}
