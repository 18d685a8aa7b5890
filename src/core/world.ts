// World file loading (DESIGN §3). Every rejection names the offending entry, so a person editing
// a fixture by hand can find the line: `roles[3] (user "bob"): role "site_admin" does not exist in a centralized org`.
import { check, entryLabel, isObject, onlyKeys, optBool, optString, optStringArray, reqBool, reqString, reqStringArray } from './world-check';
import { isTicketKey, TICKET_KEY_MAX_LENGTH } from './limits';
import { ROLE_SHAPES, rolesOf } from './roles';
import { normalizeEmail } from './email';
import { parseWorldChangeRequest } from './world-changes';
import type {
  AiConversation,
  Engineer,
  Group,
  GroupRoleAssignment,
  Organization,
  OrganizationIdentity,
  Product,
  RoleAssignment,
  RoleName,
  Site,
  Ticket,
  User,
  World,
  WorldAccessRequest,
} from './types';

export { WorldError } from './world-check';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function parseWorld(json: unknown): World {
  check(isObject(json), 'world', 'must be a JSON object');
  const root = json as Record<string, unknown>;
  onlyKeys(
    root,
    'world',
    ['organization', 'sites', 'products', 'users', 'groups', 'roles', 'engineers', 'tickets', 'accessRequests', 'changeRequests'],
    ['organization', 'sites', 'products', 'users', 'roles', 'engineers', 'tickets'],
  );
  for (const k of ['sites', 'products', 'users', 'roles', 'engineers', 'tickets']) {
    check(Array.isArray(root[k]), k, 'must be an array');
  }

  const organization = parseOrganization(root.organization);
  const sites = (root.sites as unknown[]).map((s, i) => parseSite(s, `sites[${i}]`));
  const siteIds = uniqueIds(sites, (s) => s.id, 'sites', 'site id');
  uniqueIds(sites, (s) => s.url, 'sites', 'site url');
  if (organization.guard) {
    organization.guard.restrictedSites.forEach((s, i) => check(siteIds.has(s), `organization.guard.restrictedSites[${i}]`, `site "${s}" does not exist`));
  }

  const products = (root.products as unknown[]).map((p, i) => parseProduct(p, `products[${i}]`, siteIds));
  const productKeys = uniqueIds(products, (p) => `${p.site}/${p.key}`, 'products', 'product');
  const licensed = new Set(products.filter((p) => p.licensed).map((p) => `${p.site}/${p.key}`));

  const users = (root.users as unknown[]).map((u, i) => parseUser(u, `users[${i}]`, siteIds, productKeys));
  const userIds = uniqueIds(users, (u) => u.id, 'users', 'user id');
  // One person, one address: forms that differ only in case, space or Unicode composition collide.
  uniqueIds(users, (u) => normalizeEmail(u.email), 'users', 'user email');

  let groups: Group[] | undefined;
  if (root.groups !== undefined) {
    check(Array.isArray(root.groups), 'groups', 'must be an array');
    groups = (root.groups as unknown[]).map((g, i) => parseGroup(g, `groups[${i}]`, userIds));
    uniqueIds(groups, (g) => g.id, 'groups', 'group id');
    groups.forEach((g, i) => check(!userIds.has(g.id), entryLabel('groups', i, g.id), `id "${g.id}" is also a user id`));
  }
  const groupIds = new Set((groups ?? []).map((g) => g.id));

  const experience = organization.userManagement;
  const parsed = (root.roles as unknown[]).map((r, i) => parseRoleAssignment(r, `roles[${i}]`, { experience, users: userIds, groups: groupIds, sites: siteIds, products: productKeys }));
  uniqueIds(
    parsed,
    (r) => ['user' in r ? `u:${r.user}` : `g:${r.group}`, r.role, r.site ?? '', r.product ?? ''].join('\u0000'),
    'roles',
    'role assignment',
    (r) => `${'user' in r ? `user "${r.user}"` : `group "${r.group}"`} already has ${r.role}${r.site ? ` on ${r.site}` : ''}${r.product ? `/${r.product}` : ''}`,
  );
  const roles = parsed.filter((r): r is RoleAssignment => 'user' in r);
  const groupRoles = parsed.filter((r): r is GroupRoleAssignment => !('user' in r));

  const engineers = (root.engineers as unknown[]).map((e, i) => parseEngineer(e, `engineers[${i}]`));
  const engineerIds = uniqueIds(engineers, (e) => e.id, 'engineers', 'engineer id');
  engineers.forEach((e, i) => {
    if (userIds.has(e.id)) check(false, entryLabel('engineers', i, e.id), `id "${e.id}" is also a user id`);
  });
  // An engineer signs in as Support, never as a customer's user: one address cannot be both.
  uniqueIds(engineers, (e) => normalizeEmail(e.email), 'engineers', 'engineer email');
  const userEmails = new Set(users.map((u) => normalizeEmail(u.email)));
  engineers.forEach((e, i) => {
    if (userEmails.has(normalizeEmail(e.email))) check(false, entryLabel('engineers', i, e.id), `email "${e.email}" is also a user's email`);
  });

  const tokens = new Map<string, () => string>();
  const claimToken = (token: string | undefined, owner: () => string) => {
    if (token === undefined) return;
    const prior = tokens.get(token);
    if (prior !== undefined) check(false, owner(), `token is already used by ${prior()}`);
    tokens.set(token, owner);
  };
  users.forEach((u, i) => claimToken(u.token, () => entryLabel('users', i, u.id)));
  engineers.forEach((e, i) => claimToken(e.token, () => entryLabel('engineers', i, e.id)));

  const tickets = (root.tickets as unknown[]).map((t, i) => parseTicket(t, `tickets[${i}]`, siteIds, productKeys, licensed, userIds, engineerIds));
  uniqueIds(tickets, (t) => t.key, 'tickets', 'ticket key');

  const world: World = { organization, sites, products, users, roles, engineers, tickets };
  if (groups !== undefined) world.groups = groups;
  if (groupRoles.length > 0) world.groupRoles = groupRoles;
  if (root.accessRequests !== undefined) {
    check(Array.isArray(root.accessRequests), 'accessRequests', 'must be an array');
    world.accessRequests = (root.accessRequests as unknown[]).map((r, i) => parseAccessRequest(r, `accessRequests[${i}]`, productKeys, userIds));
    uniqueIds(world.accessRequests, (r) => r.id, 'accessRequests', 'access request id');
  }
  if (root.changeRequests !== undefined) {
    check(Array.isArray(root.changeRequests), 'changeRequests', 'must be an array');
    const keys = new Set(tickets.map((t) => t.key));
    world.changeRequests = (root.changeRequests as unknown[]).map((r, i) => parseWorldChangeRequest(r, `changeRequests[${i}]`, keys));
    uniqueIds(world.changeRequests, (r) => r.id, 'changeRequests', 'change request id');
  }
  return world;
}

/** Shape and references only; whether the request is allowed is checked when it is seeded. */
function parseAccessRequest(v: unknown, at: string, products: Set<string>, users: Set<string>): WorldAccessRequest {
  check(isObject(v), at, 'must be an object');
  const label = entryLabel(at, undefined, typeof v.id === 'string' ? v.id : undefined);
  onlyKeys(v, label, ['id', 'site', 'product', 'requestedBy', 'for'], ['id', 'site', 'product', 'requestedBy']);
  const id = reqString(v, label, 'id');
  check(/^[A-Za-z0-9_-]{1,100}$/.test(id), label, 'id must be letters, digits, "_" or "-"');
  const site = reqString(v, label, 'site');
  const product = reqString(v, label, 'product');
  check(products.has(`${site}/${product}`), label, `product "${product}" does not exist on site "${site}"`);
  const requestedBy = reqString(v, label, 'requestedBy');
  check(users.has(requestedBy), label, `requestedBy "${requestedBy}" is not a user`);
  const r: WorldAccessRequest = { id, site, product, requestedBy };
  if (v.for !== undefined) {
    check(isObject(v.for), label, '"for" must be {"userId": …} or {"email": …}');
    const target = v.for;
    onlyKeys(target, `${label}.for`, ['userId', 'email'], []);
    check(Object.keys(target).length === 1, `${label}.for`, 'give exactly one of "userId" or "email"');
    if (target.userId !== undefined) {
      const userId = reqString(target, `${label}.for`, 'userId');
      check(users.has(userId), `${label}.for`, `user "${userId}" does not exist`);
      r.for = { userId };
    } else {
      const email = reqString(target, `${label}.for`, 'email');
      check(EMAIL.test(email), `${label}.for`, `email "${email}" is not an email address`);
      r.for = { email };
    }
  }
  return r;
}

function uniqueIds<T>(items: T[], key: (t: T) => string, list: string, what: string, describe?: (t: T) => string): Set<string> {
  const seen = new Set<string>();
  for (let i = 0; i < items.length; i++) {
    const k = key(items[i]!);
    if (seen.has(k)) {
      // The message is built only for a duplicate: at 100k users, building it for every entry
      // was most of the start-up's parse time.
      const first = items.findIndex((item) => key(item) === k);
      check(false, `${list}[${i}]`, describe ? describe(items[i]!) : `duplicate ${what} "${k}" (first at ${list}[${first}])`);
    }
    seen.add(k);
  }
  return seen;
}

function parseOrganization(v: unknown): Organization {
  const at = 'organization';
  check(isObject(v), at, 'must be an object');
  onlyKeys(v, at, ['id', 'name', 'userManagement', 'guard', 'identity'], ['id', 'name', 'userManagement']);
  const um = reqString(v, at, 'userManagement');
  check(um === 'centralized' || um === 'original', at, `userManagement must be "centralized" or "original", not "${um}"`);
  const org: Organization = { id: reqString(v, at, 'id'), name: reqString(v, at, 'name'), userManagement: um };
  if (v.guard !== undefined) {
    check(isObject(v.guard), `${at}.guard`, 'must be an object');
    onlyKeys(v.guard, `${at}.guard`, ['restrictedSites'], ['restrictedSites']);
    org.guard = { restrictedSites: reqStringArray(v.guard, `${at}.guard`, 'restrictedSites', true) };
  }
  if (v.identity !== undefined) org.identity = parseIdentity(v.identity, `${at}.identity`);
  return org;
}

/** What the extension asks for when the world file names none: who the person is, and a refresh token. */
export const DEFAULT_IDENTITY_SCOPES = ['openid', 'email', 'profile', 'offline_access'];

/**
 * The org's OpenID Connect provider. The issuer is an https URL (http only on localhost, for the
 * demo and tests), without query or fragment: it is compared byte for byte with the ID token's
 * `iss`, so it is kept exactly as written.
 */
function parseIdentity(v: unknown, at: string): OrganizationIdentity {
  check(isObject(v), at, 'must be an object');
  onlyKeys(v, at, ['issuer', 'clientId', 'scopes'], ['issuer', 'clientId']);
  const issuer = reqString(v, at, 'issuer');
  let url: URL | undefined;
  try {
    url = new URL(issuer);
  } catch {
    url = undefined;
  }
  const local = url !== undefined && url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  check(
    url !== undefined && (url.protocol === 'https:' || local) && !url.search && !url.hash && !url.username,
    at,
    `issuer "${issuer}" must be an https:// URL (http:// only on localhost) without query or fragment`,
  );
  const clientId = reqString(v, at, 'clientId');
  check(/^[\x21-\x7e]{1,200}$/.test(clientId), at, 'clientId must be 1–200 visible ASCII characters');
  const scopes = optStringArray(v, at, 'scopes', true) ?? DEFAULT_IDENTITY_SCOPES;
  check(scopes.includes('openid'), at, 'scopes must include "openid"');
  scopes.forEach((s) => check(/^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/.test(s), at, `scope "${s}" is not a valid OAuth scope token`));
  return { issuer, clientId, scopes };
}

function parseSite(v: unknown, at: string): Site {
  check(isObject(v), at, 'must be an object');
  const label = entryLabel(at, undefined, typeof v.id === 'string' ? v.id : undefined);
  onlyKeys(v, label, ['id', 'url', 'status'], ['id', 'url', 'status']);
  const url = reqString(v, label, 'url');
  check(/^https?:\/\/[^\s/]+\/?$/.test(url), label, `url "${url}" is not a site address like https://acme.atlassian.net`);
  const status = reqString(v, label, 'status');
  check(status === 'active' || status === 'pending_deletion', label, `status must be "active" or "pending_deletion", not "${status}"`);
  return { id: reqString(v, label, 'id'), url: url.replace(/\/$/, ''), status };
}

function parseProduct(v: unknown, at: string, sites: Set<string>): Product {
  check(isObject(v), at, 'must be an object');
  const label = entryLabel(at, undefined, typeof v.key === 'string' ? `${String(v.site)}/${v.key}` : undefined);
  onlyKeys(v, label, ['site', 'key', 'name', 'licensed', 'defaultGroup', 'billableSeats'], ['site', 'key', 'licensed', 'defaultGroup', 'billableSeats']);
  const site = reqString(v, label, 'site');
  check(sites.has(site), label, `site "${site}" does not exist`);
  const key = reqString(v, label, 'key');
  check(/^[a-z0-9][a-z0-9-]*$/.test(key), label, `key "${key}" must be lower-case letters, digits and dashes`);
  const seats = v.billableSeats;
  check(typeof seats === 'number' && Number.isInteger(seats) && seats >= 0, label, 'billableSeats must be a whole number ≥ 0');
  const p: Product = { site, key, licensed: reqBool(v, label, 'licensed'), defaultGroup: reqString(v, label, 'defaultGroup'), billableSeats: seats as number };
  const name = optString(v, label, 'name');
  if (name !== undefined) p.name = name;
  return p;
}

function parseUser(v: unknown, at: string, sites: Set<string>, products: Set<string>): User {
  check(isObject(v), at, 'must be an object');
  const label = entryLabel(at, undefined, typeof v.id === 'string' ? v.id : undefined);
  onlyKeys(v, label, ['id', 'name', 'email', 'emailVerified', 'sites', 'token', 'products'], ['id', 'name', 'email', 'emailVerified', 'sites']);
  const email = reqString(v, label, 'email');
  check(EMAIL.test(email), label, `email "${email}" is not an email address`);
  const userSites = reqStringArray(v, label, 'sites', true);
  userSites.forEach((s) => check(sites.has(s), label, `site "${s}" does not exist`));
  const u: User = { id: reqString(v, label, 'id'), name: reqString(v, label, 'name'), email, emailVerified: reqBool(v, label, 'emailVerified'), sites: userSites };
  const token = optString(v, label, 'token');
  if (token !== undefined) u.token = token;
  const ps = optStringArray(v, label, 'products', true);
  if (ps !== undefined) {
    ps.forEach((p) => check(products.has(p), label, `product "${p}" does not exist (write it as "site/product")`));
    u.products = ps;
  }
  return u;
}

/** What a role assignment's references are checked against (a world file's entries, or the live directory's). */
export interface RoleRefs {
  experience: World['organization']['userManagement'];
  users: { has(id: string): boolean };
  groups: { has(id: string): boolean };
  sites: { has(id: string): boolean };
  /** Keys `${site}/${product}`. */
  products: { has(key: string): boolean };
}

function parseGroup(v: unknown, at: string, users: Set<string>): Group {
  check(isObject(v), at, 'must be an object');
  const label = entryLabel(at, undefined, typeof v.id === 'string' ? v.id : undefined);
  onlyKeys(v, label, ['id', 'name', 'members'], ['id', 'name', 'members']);
  const members = reqStringArray(v, label, 'members', true);
  members.forEach((m) => check(users.has(m), label, `member "${m}" is not a user`));
  return { id: reqString(v, label, 'id'), name: reqString(v, label, 'name'), members };
}

/**
 * One role assignment, to a person (`user`) or a group (`group`), checked as the world file's
 * `roles[]` are (DESIGN §2.1, §6): the role exists in the org's experience, takes exactly the
 * fields it needs, and names people, groups, sites and products that exist. The admin routes use
 * this same check. Throws WorldError naming `at`.
 */
export function parseRoleAssignment(v: unknown, at: string, refs: RoleRefs): RoleAssignment | GroupRoleAssignment {
  check(isObject(v), at, 'must be an object');
  const label = typeof v.user === 'string' ? `${at} (user "${v.user}")` : typeof v.group === 'string' ? `${at} (group "${v.group}")` : at;
  onlyKeys(v, label, ['user', 'group', 'role', 'site', 'product', 'products', 'source', 'pendingSync'], ['role']);
  check((v.user === undefined) !== (v.group === undefined), label, 'name exactly one of "user" or "group"');
  const user = v.user === undefined ? undefined : reqString(v, label, 'user');
  const group = v.group === undefined ? undefined : reqString(v, label, 'group');
  if (user !== undefined) check(refs.users.has(user), label, `user "${user}" does not exist`);
  if (group !== undefined) check(refs.groups.has(group), label, `group "${group}" does not exist`);
  const { experience, sites, products } = refs;
  const role = reqString(v, label, 'role');
  check(rolesOf(experience).includes(role as RoleName), label, `role "${role}" does not exist in a${experience === 'original' ? 'n original' : ' centralized'} org`);
  const shape = ROLE_SHAPES[role as RoleName];
  const r: Omit<RoleAssignment, 'user'> = { role: role as RoleName };
  const site = optString(v, label, 'site');
  check(shape.site || site === undefined, label, `${role} is org-wide and takes no "site"`);
  check(!shape.site || site !== undefined, label, `${role} needs a "site"`);
  if (site !== undefined) {
    check(sites.has(site), label, `site "${site}" does not exist`);
    r.site = site;
  }
  const product = optString(v, label, 'product');
  check(shape.fields === 'product' || product === undefined, label, `${role} takes no "product"${shape.fields === 'products' ? ' (list them in "products")' : ''}`);
  check(shape.fields !== 'product' || product !== undefined, label, `${role} needs the "product" it administers`);
  if (product !== undefined) {
    check(products.has(`${site}/${product}`), label, `product "${product}" does not exist on site "${site}"`);
    r.product = product;
  }
  const listed = optStringArray(v, label, 'products', true);
  check(shape.fields === 'products' || listed === undefined, label, `${role} takes no "products" list`);
  check(shape.fields !== 'products' || (listed !== undefined && listed.length > 0), label, `${role} needs the "products" it is listed for`);
  if (listed !== undefined) {
    listed.forEach((p) => check(products.has(`${site}/${p}`), label, `product "${p}" does not exist on site "${site}"`));
    r.products = listed;
  }
  const source = optString(v, label, 'source');
  check(source === undefined || source === 'manual' || source === 'scim', label, `source must be "manual" or "scim", not "${source}"`);
  if (source !== undefined) r.source = source as 'manual' | 'scim';
  const pending = optBool(v, label, 'pendingSync');
  check(!pending || source === 'scim', label, 'pendingSync applies only to roles with source "scim"');
  if (pending !== undefined) r.pendingSync = pending;
  return user !== undefined ? { user, ...r } : { group: group!, ...r };
}

function parseEngineer(v: unknown, at: string): Engineer {
  check(isObject(v), at, 'must be an object');
  const label = entryLabel(at, undefined, typeof v.id === 'string' ? v.id : undefined);
  onlyKeys(v, label, ['id', 'email', 'token', 'name'], ['id', 'email']);
  const email = reqString(v, label, 'email');
  check(EMAIL.test(email), label, `email "${email}" is not an email address`);
  const e: Engineer = { id: reqString(v, label, 'id'), email };
  const token = optString(v, label, 'token');
  if (token !== undefined) e.token = token;
  const name = optString(v, label, 'name');
  if (name !== undefined) e.name = name;
  return e;
}

function parseTicket(v: unknown, at: string, sites: Set<string>, products: Set<string>, licensed: Set<string>, users: Set<string>, engineers: Set<string>): Ticket {
  check(isObject(v), at, 'must be an object');
  const label = entryLabel(at, undefined, typeof v.key === 'string' ? v.key : undefined);
  onlyKeys(
    v,
    label,
    ['key', 'title', 'site', 'product', 'reporter', 'engineer', 'status', 'dataAccessRequested', 'aiConversationsRequested'],
    ['key', 'site', 'product', 'reporter', 'engineer', 'status'],
  );
  const site = reqString(v, label, 'site');
  check(sites.has(site), label, `site "${site}" does not exist`);
  const product = reqString(v, label, 'product');
  check(products.has(`${site}/${product}`), label, `product "${product}" does not exist on site "${site}"`);
  // A grant never covers an unlicensed product, so a ticket about one could never be granted
  // with a cause the checklist can explain; such a ticket is rejected as bad input instead.
  check(licensed.has(`${site}/${product}`), label, `product "${product}" is not licensed on site "${site}"`);
  const reporter = reqString(v, label, 'reporter');
  check(users.has(reporter), label, `reporter "${reporter}" is not a user`);
  const engineer = reqString(v, label, 'engineer');
  check(engineers.has(engineer), label, `engineer "${engineer}" does not exist`);
  const status = reqString(v, label, 'status');
  check(status === 'open' || status === 'closed', label, `status must be "open" or "closed", not "${status}"`);
  const key = reqString(v, label, 'key');
  // The vendor's keys are PROJECT-NUMBER; a key of another shape could never be found on a page.
  check(isTicketKey(key), label, `key "${key}" must look like PS-101 (upper-case project, dash, number) in at most ${TICKET_KEY_MAX_LENGTH} characters`);
  const t: Ticket = { key, site, product, reporter, engineer, status };
  const title = optString(v, label, 'title');
  if (title !== undefined) t.title = title;
  const dar = optBool(v, label, 'dataAccessRequested');
  if (dar !== undefined) t.dataAccessRequested = dar;
  if (v.aiConversationsRequested !== undefined) {
    t.aiConversationsRequested = parseAiConversations(v.aiConversationsRequested, label, users);
  }
  return t;
}

/**
 * A ticket's `aiConversationsRequested`: each entry a conversation id (DESIGN §3) or, where the
 * vendor knows more, `{ "id", "title"?, "owner"? }` with `owner` a user id of the org.
 */
function parseAiConversations(list: unknown, label: string, users: Set<string>): (string | AiConversation)[] {
  const key = 'aiConversationsRequested';
  check(Array.isArray(list), label, `"${key}" must be a list of conversation ids or {id, title?, owner?} objects`);
  const seen = new Set<string>();
  return list.map((entry, i) => {
    const at = `${label} ${key}[${i}]`;
    let c: string | AiConversation;
    if (typeof entry === 'string') {
      check(entry.trim() !== '', at, 'a conversation id must be a non-empty string');
      c = entry;
    } else {
      check(isObject(entry), at, 'must be a conversation id or an object {id, title?, owner?}');
      onlyKeys(entry, at, ['id', 'title', 'owner'], ['id']);
      c = { id: reqString(entry, at, 'id') };
      const title = optString(entry, at, 'title');
      if (title !== undefined) c.title = title;
      const owner = optString(entry, at, 'owner');
      if (owner !== undefined) {
        check(users.has(owner), at, `owner "${owner}" is not a user`);
        c.owner = owner;
      }
    }
    const id = typeof c === 'string' ? c : c.id;
    check(!seen.has(id), label, `"${key}" lists "${id}" twice`);
    seen.add(id);
    return c;
  });
}
