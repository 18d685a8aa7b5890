// The directory's rows (migration 12): every statement about sites, products, people, groups,
// memberships, role assignments, ticket assignments and the change log is here. Callers pass the
// transaction (or the database for a read).
import {
  normalizeEmail,
  type PersonFacts,
  type Group,
  type GroupRoleAssignment,
  type Organization,
  type Product,
  type RoleAssignment,
  type RoleName,
  type Site,
  type User,
  type World,
} from '../../core/index';
import type { Queryable } from '../db/index';
import type { DirectorySource, FilterTerm, GroupFilterAttribute, GroupRecord, ListQuery, Page, PersonFilterAttribute, PersonRecord } from './store';

// ---- the whole directory ----

/** The directory as a world's org, sites, products, people, groups and roles (engineers and tickets are the world file's). */
export interface DirectorySnapshot {
  organization: Organization;
  sites: Site[];
  products: Product[];
  users: User[];
  groups: Group[];
  roles: RoleAssignment[];
  groupRoles: GroupRoleAssignment[];
  /** Ticket key → engineer, for reassigned tickets. */
  ticketEngineers: Map<string, string>;
  /** The last directory change this snapshot includes. */
  seq: number;
}

export async function directoryImported(q: Queryable): Promise<boolean> {
  return (await q.query('SELECT 1 FROM directory_meta WHERE id = 1')).length > 0;
}

/** The last directory change committed (0: none). One index lookup: every decision asks it. */
export async function directorySeq(q: Queryable): Promise<number> {
  const [r] = await q.query<{ seq: string | number | null }>('SELECT max(seq) AS seq FROM directory_changes');
  return Number(r?.seq ?? 0);
}

/** Most people one change row names; a change touching more makes every process build its index again. */
export const CHANGE_PEOPLE_MAX = 10_000;

/**
 * Records one directory change (moves the access epoch by trigger); answers its sequence number.
 * Holds the access epoch's row lock from before the number is drawn to the commit.
 * `complete`: `people` and `groups` are everything it touched (processes patch just them); false
 * for changes to sites, tickets or the whole directory.
 */
export async function recordDirectoryChange(q: Queryable, at: string, kind: string, people: string[], groups: string[], complete = true): Promise<number> {
  const listed = complete && people.length <= CHANGE_PEOPLE_MAX;
  // The access epoch's row first (its trigger would lock it only after the number is drawn): the
  // next change draws its number once this one has committed, so changes commit in number order
  // and a process that has seen change n has seen every change before it (directory/cache.ts).
  await q.query('SELECT n FROM access_epoch WHERE id = 1 FOR UPDATE');
  const [r] = await q.query<{ seq: string | number }>('INSERT INTO directory_changes (at, kind, people, groups, complete) VALUES ($1, $2, $3, $4, $5) RETURNING seq', [
    at,
    kind,
    listed ? people : [],
    groups,
    listed,
  ]);
  return Number(r!.seq);
}

/** The changes after `seq`, oldest first: whom each touched, or that it touched too much to patch. */
export async function changesSince(q: Queryable, seq: number): Promise<Array<{ seq: number; people: string[]; groups: string[]; complete: boolean }>> {
  return (
    await q.query<{ seq: string | number; people: string[]; groups: string[]; complete: boolean }>(
      'SELECT seq, people, groups, complete FROM directory_changes WHERE seq > $1 ORDER BY seq LIMIT 1000',
      [seq],
    )
  ).map((r) => ({ seq: Number(r.seq), people: r.people, groups: r.groups, complete: r.complete }));
}

/** What the directory says now about `ids` (people) and `groupIds`: for patching a process's index (core reindexPeople). */
export async function factsOf(q: Queryable, ids: string[], groupIds: string[]): Promise<{ people: PersonFacts[]; groups: Array<{ id: string; group: Group | undefined }> }> {
  const users = new Map((await q.query<PersonRow>(`SELECT ${PERSON_COLUMNS} FROM people WHERE id = ANY($1::text[])`, [ids])).map((r) => [r.id, userOf(r)]));
  const memberships = await q.query<{ group_id: string; person_id: string }>('SELECT group_id, person_id FROM dir_memberships WHERE person_id = ANY($1::text[]) ORDER BY joined_seq', [ids]);
  const groupsOf = new Map<string, string[]>();
  for (const m of memberships) groupsOf.set(m.person_id, [...(groupsOf.get(m.person_id) ?? []), m.group_id]);
  const viaGroups = [...new Set(memberships.map((m) => m.group_id))];
  const roles = await q.query<RoleRow>(`SELECT ${ROLE_COLUMNS} FROM role_assignments WHERE user_id = ANY($1::text[]) OR group_id = ANY($2::text[]) ORDER BY created_seq`, [ids, viaGroups]);
  const own = new Map<string, RoleAssignment[]>();
  const ofGroup = new Map<string, Omit<RoleAssignment, 'user'>[]>();
  for (const r of roles) {
    if (r.user_id !== null) own.set(r.user_id, [...(own.get(r.user_id) ?? []), { user: r.user_id, ...roleOf(r) }]);
    else ofGroup.set(r.group_id!, [...(ofGroup.get(r.group_id!) ?? []), roleOf(r)]);
  }
  const people = ids.map((id): PersonFacts => {
    const groups = groupsOf.get(id) ?? [];
    return { id, user: users.get(id), groups, roles: [...(own.get(id) ?? []), ...groups.flatMap((g) => (ofGroup.get(g) ?? []).map((r) => ({ ...r, user: id, group: g })))] };
  });
  // A change that touched no group (a person created or updated) asks nothing about groups.
  const groupRows = groupIds.length === 0 ? [] : await q.query<{ id: string; name: string }>('SELECT id, name FROM dir_groups WHERE id = ANY($1::text[])', [groupIds]);
  const members = new Map<string, string[]>();
  const memberRows =
    groupIds.length === 0
      ? []
      : await q.query<{ group_id: string; person_id: string }>('SELECT group_id, person_id FROM dir_memberships WHERE group_id = ANY($1::text[]) ORDER BY joined_seq', [groupIds]);
  for (const m of memberRows) members.set(m.group_id, [...(members.get(m.group_id) ?? []), m.person_id]);
  const found = new Map(groupRows.map((g) => [g.id, { id: g.id, name: g.name, members: members.get(g.id) ?? [] }]));
  return { people, groups: groupIds.map((id) => ({ id, group: found.get(id) })) };
}

/** Writes the world's org, sites, products, people, groups and roles into an empty directory. */
export async function insertWorldDirectory(q: Queryable, world: World, at: string): Promise<void> {
  await q.query('INSERT INTO directory_meta (id, org, imported_at, last_synced_at, last_sync_source) VALUES (1, $1, $2, $2, $3)', [
    JSON.stringify({ ...world.organization, guard: undefined }),
    at,
    'world',
  ]);
  const restricted = new Set(world.organization.guard?.restrictedSites ?? []);
  await q.query('INSERT INTO dir_sites (id, url, status, guard_restricted, position) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::int[])', [
    world.sites.map((s) => s.id),
    world.sites.map((s) => s.url),
    world.sites.map((s) => s.status),
    world.sites.map((s) => restricted.has(s.id)),
    world.sites.map((_s, i) => i),
  ]);
  await q.query(
    'INSERT INTO dir_products (site, key, body, position) SELECT u.site, u.key, u.body::jsonb, u.position FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS u(site, key, body, position)',
    [world.products.map((p) => p.site), world.products.map((p) => p.key), world.products.map((p) => JSON.stringify(p)), world.products.map((_p, i) => i)],
  );
  await insertPeopleRows(
    q,
    world.users.map((u) => ({ user: u, source: 'manual' as const })),
    at,
  );
  // Groups, memberships and roles in slices of one statement each (5,000 groups are a few statements, not 15,000).
  const groups = world.groups ?? [];
  for (let i = 0; i < groups.length; i += 5000) {
    const slice = groups.slice(i, i + 5000);
    await q.query(
      "INSERT INTO dir_groups (id, name, external_id, source, created_at, updated_at, version) SELECT u.id, u.name, NULL, 'manual', $3, $3, 1 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(id, name, n) ORDER BY u.n",
      [slice.map((g) => g.id), slice.map((g) => g.name), at],
    );
  }
  const members = groups.flatMap((g) => g.members.map((m) => [g.id, m] as const));
  for (let i = 0; i < members.length; i += 20_000) {
    const slice = members.slice(i, i + 20_000);
    await q.query('INSERT INTO dir_memberships (group_id, person_id) SELECT u.g, u.p FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(g, p, n) ORDER BY u.n', [
      slice.map((m) => m[0]),
      slice.map((m) => m[1]),
    ]);
  }
  let n = 0;
  const roles: StoredRole[] = [...world.roles, ...(world.groupRoles ?? [])].map((r) => ({ ...r, id: r.id ?? `role_w${++n}` }));
  for (let i = 0; i < roles.length; i += 5000) {
    const slice = roles.slice(i, i + 5000);
    await q.query(
      `INSERT INTO role_assignments (${ROLE_COLUMNS}, created_at, created_by)
       SELECT u.id, u.uid, u.gid, u.role, u.site, u.product, string_to_array(u.products, E'\\x1f'), u.source, u.pending, $10, 'world-file'
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::boolean[]) WITH ORDINALITY AS u(id, uid, gid, role, site, product, products, source, pending, n)
         ORDER BY u.n`,
      [
        slice.map((r) => r.id),
        slice.map((r) => r.user ?? null),
        slice.map((r) => r.group ?? null),
        slice.map((r) => r.role),
        slice.map((r) => r.site ?? null),
        slice.map((r) => r.product ?? null),
        slice.map((r) => (r.products ? r.products.join(UNIT) : null)),
        slice.map((r) => r.source ?? 'manual'),
        slice.map((r) => r.pendingSync === true),
        at,
      ],
    );
  }
}

/** Removes every site, product, group, membership and role assignment, and the people `keepScim` does not keep (a world re-import). */
export async function clearDirectory(q: Queryable, keepPeople: string[]): Promise<void> {
  await q.query('DELETE FROM role_assignments');
  await q.query('DELETE FROM dir_memberships');
  await q.query('DELETE FROM dir_groups');
  await q.query('DELETE FROM people WHERE NOT (id = ANY($1::text[]))', [keepPeople]);
  await q.query('DELETE FROM dir_products');
  await q.query('DELETE FROM dir_sites');
  await q.query('DELETE FROM directory_meta');
}

/** Separates list items passed as one text (ASCII unit separator). */
const UNIT = '\x1f';

async function insertPeopleRows(q: Queryable, people: { user: User; source: DirectorySource; externalId?: string | null }[], at: string): Promise<void> {
  // In slices, so 100k people are a few statements, not 100k (and no statement grows without bound).
  for (let i = 0; i < people.length; i += 5000) {
    const slice = people.slice(i, i + 5000);
    await q.query(
      `INSERT INTO people (id, email, email_normalized, name, given_name, family_name, external_id, active, email_verified, sites, products, source, created_at, updated_at, last_synced_at, version)
       SELECT u.id, u.email, u.norm, u.name, NULL, NULL, u.ext, u.active, u.verified, string_to_array(u.sites, E'\\x1f'),
              string_to_array(u.products, E'\\x1f'), u.source, $12, $12, NULL, 1
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::boolean[], $8::text[], $9::text[], $10::text[], $11::int[])
           AS u(id, email, norm, name, ext, active, verified, sites, products, source, pos)
         ORDER BY u.pos`,
      [
        slice.map((p) => p.user.id),
        slice.map((p) => p.user.email),
        slice.map((p) => normalizeEmail(p.user.email)),
        slice.map((p) => p.user.name),
        slice.map((p) => p.externalId ?? null),
        slice.map((p) => p.user.active !== false),
        slice.map((p) => p.user.emailVerified),
        // Lists as one text with a unit separator (no id or site holds one): string_to_array is far
        // cheaper per row than unpacking JSON.
        slice.map((p) => (p.user.sites.length > 0 ? p.user.sites.join(UNIT) : '')),
        slice.map((p) => (p.user.products ? p.user.products.join(UNIT) : null)),
        slice.map((p) => p.source),
        slice.map((_p, j) => i + j),
        at,
      ],
    );
  }
}

interface PersonRow {
  id: string;
  email: string;
  email_normalized: string;
  name: string;
  given_name: string | null;
  family_name: string | null;
  external_id: string | null;
  active: boolean;
  email_verified: boolean;
  sites: string[];
  products: string[] | null;
  source: DirectorySource;
  created_at: string;
  updated_at: string;
  last_synced_at: string | null;
  version: number;
}

const personRecord = (r: PersonRow): PersonRecord => ({
  id: r.id,
  email: r.email,
  emailNormalized: r.email_normalized,
  name: r.name,
  givenName: r.given_name,
  familyName: r.family_name,
  externalId: r.external_id,
  active: r.active,
  emailVerified: r.email_verified,
  sites: r.sites,
  source: r.source,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  lastSyncedAt: r.last_synced_at,
  version: Number(r.version),
});

/** A stored person as the rules see them. */
const userOf = (r: PersonRow): User => ({
  id: r.id,
  name: r.name,
  email: r.email,
  emailVerified: r.email_verified,
  sites: r.sites,
  ...(r.products ? { products: r.products } : {}),
  ...(r.active ? {} : { active: false }),
  ...(r.last_synced_at ? { lastSyncedAt: r.last_synced_at } : {}),
});

/** A person just written, as the rules see them (what reading the row back would give): `products` as stored (null: none). */
export const userOfRecord = (p: PersonRecord, products: string[] | null = null): User =>
  userOf({
    id: p.id,
    email: p.email,
    email_normalized: p.emailNormalized,
    name: p.name,
    given_name: p.givenName,
    family_name: p.familyName,
    external_id: p.externalId,
    active: p.active,
    email_verified: p.emailVerified,
    sites: p.sites,
    products,
    source: p.source,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    last_synced_at: p.lastSyncedAt,
    version: p.version,
  });

const PERSON_COLUMNS = 'id, email, email_normalized, name, given_name, family_name, external_id, active, email_verified, sites, products, source, created_at, updated_at, last_synced_at, version';

/** The whole directory, read in one transaction's snapshot by the caller. */
export async function readDirectory(q: Queryable): Promise<DirectorySnapshot | undefined> {
  const seq = await directorySeq(q);
  const [meta] = await q.query<{ org: unknown }>('SELECT org FROM directory_meta WHERE id = 1');
  if (!meta) return undefined;
  const org = (typeof meta.org === 'string' ? JSON.parse(meta.org) : meta.org) as Organization;
  const siteRows = await q.query<{ id: string; url: string; status: Site['status']; guard_restricted: boolean }>('SELECT id, url, status, guard_restricted FROM dir_sites ORDER BY position, id');
  const restricted = siteRows.filter((s) => s.guard_restricted).map((s) => s.id);
  const { guard: _guard, ...rest } = org;
  const organization: Organization = restricted.length > 0 ? { ...rest, guard: { restrictedSites: restricted } } : rest;
  const products = (await q.query<{ body: unknown }>('SELECT body FROM dir_products ORDER BY position, site, key')).map((r) => (typeof r.body === 'string' ? JSON.parse(r.body) : r.body) as Product);
  const users = (await q.query<PersonRow>(`SELECT ${PERSON_COLUMNS} FROM people ORDER BY created_seq`)).map(userOf);
  const groups = new Map<string, Group>();
  for (const g of await q.query<{ id: string; name: string }>('SELECT id, name FROM dir_groups ORDER BY created_seq')) groups.set(g.id, { id: g.id, name: g.name, members: [] });
  for (const m of await q.query<{ group_id: string; person_id: string }>('SELECT group_id, person_id FROM dir_memberships ORDER BY joined_seq')) groups.get(m.group_id)?.members.push(m.person_id);
  const roles: RoleAssignment[] = [];
  const groupRoles: GroupRoleAssignment[] = [];
  for (const r of await q.query<RoleRow>(`SELECT ${ROLE_COLUMNS} FROM role_assignments ORDER BY created_seq`)) {
    const a = roleOf(r);
    if (r.user_id !== null) roles.push({ user: r.user_id, ...a });
    else groupRoles.push({ group: r.group_id!, ...a });
  }
  const ticketEngineers = new Map((await q.query<{ key: string; engineer: string }>('SELECT key, engineer FROM ticket_assignments')).map((r) => [r.key, r.engineer]));
  return { organization, sites: siteRows.map((s) => ({ id: s.id, url: s.url, status: s.status })), products, users, groups: [...groups.values()], roles, groupRoles, ticketEngineers, seq };
}

// ---- people ----

export async function personById(q: Queryable, id: string, lock = false): Promise<PersonRecord | undefined> {
  const [r] = await q.query<PersonRow>(`SELECT ${PERSON_COLUMNS} FROM people WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return r ? personRecord(r) : undefined;
}

export async function personByEmail(q: Queryable, email: string): Promise<PersonRecord | undefined> {
  const [r] = await q.query<PersonRow>(`SELECT ${PERSON_COLUMNS} FROM people WHERE email_normalized = $1`, [normalizeEmail(email)]);
  return r ? personRecord(r) : undefined;
}

/** Inserts a person; false when the normalized email is taken (nothing written). */
export async function insertPerson(q: Queryable, p: PersonRecord, products?: string[]): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO people (${PERSON_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT (email_normalized) DO NOTHING RETURNING id`,
    [
      p.id,
      p.email,
      p.emailNormalized,
      p.name,
      p.givenName,
      p.familyName,
      p.externalId,
      p.active,
      p.emailVerified,
      p.sites,
      products ?? null,
      p.source,
      p.createdAt,
      p.updatedAt,
      p.lastSyncedAt,
      p.version,
    ],
  );
  return rows.length > 0;
}

/** Writes a person's changed fields at their next version; false when another person holds the normalized email. */
export async function updatePersonRow(q: Queryable, p: PersonRecord): Promise<boolean> {
  const clash = await q.query('SELECT 1 FROM people WHERE email_normalized = $1 AND id <> $2', [p.emailNormalized, p.id]);
  if (clash.length > 0) return false;
  await q.query(
    `UPDATE people SET email = $2, email_normalized = $3, name = $4, given_name = $5, family_name = $6, external_id = $7, active = $8, updated_at = $9, last_synced_at = $10, version = $11 WHERE id = $1`,
    [p.id, p.email, p.emailNormalized, p.name, p.givenName, p.familyName, p.externalId, p.active, p.updatedAt, p.lastSyncedAt, p.version],
  );
  return true;
}

/** Deletes a person with their memberships and own role assignments; the groups they left and the assignments removed. */
export async function deletePersonRow(q: Queryable, id: string): Promise<{ groups: string[]; roles: StoredRole[] } | undefined> {
  const gone = await q.query('DELETE FROM people WHERE id = $1 RETURNING id', [id]);
  if (gone.length === 0) return undefined;
  const groups = await q.query<{ group_id: string }>('DELETE FROM dir_memberships WHERE person_id = $1 RETURNING group_id', [id]);
  const roles = await q.query<RoleRow & { created_seq: string | number }>(`DELETE FROM role_assignments WHERE user_id = $1 RETURNING ${ROLE_COLUMNS}, created_seq`, [id]);
  return { groups: groups.map((g) => g.group_id), roles: inCreationOrder(roles).map(storedRole) };
}

/** The transaction lock class of an externalId (pg_advisory_xact_lock's two-key form). */
const EXTERNAL_ID_LOCK = 4400003;

/**
 * The id of the person (or group) other than `except` whose externalId is exactly `externalId`
 * (case-exact, RFC 7643 §3.1: the lower(...) index finds the candidates), or undefined. With `lock`
 * (PostgreSQL), the value is first locked for the rest of the transaction, so two writers giving
 * one externalId to two resources queue and the second sees the first.
 */
export async function externalIdHolder(q: Queryable, kind: 'person' | 'group', externalId: string, except: string | null, lock: boolean): Promise<string | undefined> {
  if (lock) await q.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [EXTERNAL_ID_LOCK, `${kind}:${externalId}`]);
  const table = kind === 'person' ? 'people' : 'dir_groups';
  const rows = await q.query<{ id: string; external_id: string }>(`SELECT id, external_id FROM ${table} WHERE lower(external_id) = lower($1) AND id IS DISTINCT FROM $2`, [externalId, except]);
  return rows.find((r) => r.external_id === externalId)?.id;
}

const PERSON_ATTRIBUTE: Record<PersonFilterAttribute, string> = {
  userName: 'email_normalized',
  'emails.value': 'email_normalized',
  externalId: 'external_id',
  displayName: 'name',
  id: 'id',
};

/** SQL for `terms` (ANDed) over `columns`, case-insensitive; parameters appended to `params`. */
function whereOf<A extends string>(terms: FilterTerm<A>[], columns: Record<A, string>, params: unknown[], normalize: (a: A, v: string) => string): string {
  const parts = terms.map((t) => {
    const col = columns[t.attribute];
    const v = normalize(t.attribute, t.value).toLowerCase();
    const escaped = v.replace(/[\\%_]/g, (c) => `\\${c}`);
    // email_normalized is stored lower-cased (core normalizeEmail): the column itself, so its unique
    // index answers. Other columns through the lower(...) expression indexes of migration 13.
    const lhs = col === 'email_normalized' ? col : `lower(${col})`;
    if (t.op === 'eq') {
      params.push(v);
      return `${lhs} = $${params.length}`;
    }
    params.push(t.op === 'co' ? `%${escaped}%` : `${escaped}%`);
    return `${lhs} LIKE $${params.length}`;
  });
  return parts.length > 0 ? `WHERE ${parts.join(' AND ')}` : '';
}

export async function listPeopleRows(q: Queryable, query: ListQuery<PersonFilterAttribute>): Promise<Page<PersonRecord>> {
  const params: unknown[] = [];
  const where = whereOf(query.filter, PERSON_ATTRIBUTE, params, (a, v) => ((a === 'userName' || a === 'emails.value') && !v.includes('%') ? normalizeEmail(v) : v));
  const [c] = await q.query<{ n: string | number }>(`SELECT count(*) AS n FROM people ${where}`, params);
  const items =
    query.count > 0
      ? (
          await q.query<PersonRow>(
            `SELECT ${PERSON_COLUMNS} FROM people ${where} ORDER BY created_seq LIMIT ${Math.floor(query.count)} OFFSET ${Math.max(0, Math.floor(query.startIndex) - 1)}`,
            params,
          )
        ).map(personRecord)
      : [];
  return { total: Number(c!.n), items };
}

/** People (at most `limit`) whose name, email or id contains `text`, case-insensitive. */
export async function searchPeople(q: Queryable, text: string, limit: number): Promise<PersonRecord[]> {
  const like = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return (await q.query<PersonRow>(`SELECT ${PERSON_COLUMNS} FROM people WHERE lower(name) LIKE $1 OR email_normalized LIKE $1 OR lower(id) LIKE $1 ORDER BY name, id LIMIT $2`, [like, limit])).map(
    personRecord,
  );
}

// ---- groups and memberships ----

interface GroupRow {
  id: string;
  name: string;
  external_id: string | null;
  source: DirectorySource;
  created_at: string;
  updated_at: string;
  version: number;
  member_count: string | number;
}

const GROUP_COLUMNS = 'g.id, g.name, g.external_id, g.source, g.created_at, g.updated_at, g.version, (SELECT count(*) FROM dir_memberships m WHERE m.group_id = g.id) AS member_count';

const groupRecord = (r: GroupRow, members: string[]): GroupRecord => ({
  id: r.id,
  name: r.name,
  externalId: r.external_id,
  source: r.source,
  members,
  memberCount: Number(r.member_count),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: Number(r.version),
});

export async function groupMembers(q: Queryable, id: string): Promise<string[]> {
  return (await q.query<{ person_id: string }>('SELECT person_id FROM dir_memberships WHERE group_id = $1 ORDER BY joined_seq', [id])).map((r) => r.person_id);
}

export async function groupById(q: Queryable, id: string, members: boolean, lock = false): Promise<GroupRecord | undefined> {
  if (lock) await q.query('SELECT id FROM dir_groups WHERE id = $1 FOR UPDATE', [id]);
  const [r] = await q.query<GroupRow>(`SELECT ${GROUP_COLUMNS} FROM dir_groups g WHERE g.id = $1`, [id]);
  return r ? groupRecord(r, members ? await groupMembers(q, id) : []) : undefined;
}

export async function insertGroup(q: Queryable, g: GroupRecord): Promise<void> {
  await q.query('INSERT INTO dir_groups (id, name, external_id, source, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    g.id,
    g.name,
    g.externalId,
    g.source,
    g.createdAt,
    g.updatedAt,
    g.version,
  ]);
}

export async function updateGroupRow(q: Queryable, id: string, name: string, externalId: string | null, at: string): Promise<void> {
  await q.query('UPDATE dir_groups SET name = $2, external_id = $3, updated_at = $4, version = version + 1 WHERE id = $1', [id, name, externalId, at]);
}

/** Deletes a group with its memberships and role assignments; its members then and the assignments removed, or undefined when there was none. */
export async function deleteGroupRow(q: Queryable, id: string): Promise<{ members: string[]; roles: StoredRole[] } | undefined> {
  const gone = await q.query('DELETE FROM dir_groups WHERE id = $1 RETURNING id', [id]);
  if (gone.length === 0) return undefined;
  const members = await q.query<{ person_id: string }>('DELETE FROM dir_memberships WHERE group_id = $1 RETURNING person_id', [id]);
  const roles = await q.query<RoleRow & { created_seq: string | number }>(`DELETE FROM role_assignments WHERE group_id = $1 RETURNING ${ROLE_COLUMNS}, created_seq`, [id]);
  return { members: members.map((m) => m.person_id), roles: inCreationOrder(roles).map(storedRole) };
}

/** Rows RETURNING gives in no promised order, in the order they were made. */
const inCreationOrder = <R extends { created_seq: string | number }>(rows: R[]): R[] => [...rows].sort((a, b) => Number(a.created_seq) - Number(b.created_seq));

/** Adds members (already-present ones are left); answers those added. */
export async function insertMembers(q: Queryable, groupId: string, people: string[]): Promise<string[]> {
  if (people.length === 0) return [];
  const rows = await q.query<{ person_id: string }>(
    'INSERT INTO dir_memberships (group_id, person_id) SELECT $1, p FROM unnest($2::text[]) WITH ORDINALITY AS u(p, n) ORDER BY n ON CONFLICT DO NOTHING RETURNING person_id',
    [groupId, people],
  );
  return rows.map((r) => r.person_id);
}

/** Removes members; answers those removed. */
export async function deleteMembers(q: Queryable, groupId: string, people: string[] | 'all'): Promise<string[]> {
  const rows =
    people === 'all'
      ? await q.query<{ person_id: string }>('DELETE FROM dir_memberships WHERE group_id = $1 RETURNING person_id', [groupId])
      : await q.query<{ person_id: string }>('DELETE FROM dir_memberships WHERE group_id = $1 AND person_id = ANY($2::text[]) RETURNING person_id', [groupId, people]);
  return rows.map((r) => r.person_id);
}

export async function touchGroup(q: Queryable, id: string, at: string): Promise<void> {
  await q.query('UPDATE dir_groups SET updated_at = $2, version = version + 1 WHERE id = $1', [id, at]);
}

/** Of `ids`, those that are people. */
export async function existingPeople(q: Queryable, ids: string[]): Promise<Set<string>> {
  return new Set((await q.query<{ id: string }>('SELECT id FROM people WHERE id = ANY($1::text[])', [ids])).map((r) => r.id));
}

const GROUP_ATTRIBUTE: Record<GroupFilterAttribute, string> = { displayName: 'g.name', externalId: 'g.external_id', id: 'g.id', 'members.value': 'm.person_id' };

export async function listGroupRows(q: Queryable, query: ListQuery<GroupFilterAttribute>, members: boolean): Promise<Page<GroupRecord>> {
  const params: unknown[] = [];
  const byMember = query.filter.some((t) => t.attribute === 'members.value');
  const where = whereOf(query.filter, GROUP_ATTRIBUTE, params, (_a, v) => v);
  const from = byMember ? 'dir_groups g JOIN dir_memberships m ON m.group_id = g.id' : 'dir_groups g';
  const [c] = await q.query<{ n: string | number }>(`SELECT count(DISTINCT g.id) AS n FROM ${from} ${where}`, params);
  const rows =
    query.count > 0
      ? await q.query<GroupRow>(
          `SELECT DISTINCT ${GROUP_COLUMNS}, g.created_seq FROM ${from} ${where} ORDER BY g.created_seq LIMIT ${Math.floor(query.count)} OFFSET ${Math.max(0, Math.floor(query.startIndex) - 1)}`,
          params,
        )
      : [];
  const items: GroupRecord[] = [];
  for (const r of rows) items.push(groupRecord(r, members ? await groupMembers(q, r.id) : []));
  return { total: Number(c!.n), items };
}

export async function searchGroups(q: Queryable, text: string, limit: number): Promise<GroupRecord[]> {
  const like = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return (await q.query<GroupRow>(`SELECT ${GROUP_COLUMNS} FROM dir_groups g WHERE lower(g.name) LIKE $1 OR lower(g.id) LIKE $1 ORDER BY g.name, g.id LIMIT $2`, [like, limit])).map((r) =>
    groupRecord(r, []),
  );
}

/** Groups a person is in. */
export async function groupsOfPerson(q: Queryable, id: string): Promise<string[]> {
  return (await q.query<{ group_id: string }>('SELECT group_id FROM dir_memberships WHERE person_id = $1', [id])).map((r) => r.group_id);
}

// ---- role assignments ----

interface RoleRow {
  id: string;
  user_id: string | null;
  group_id: string | null;
  role: RoleName;
  site: string | null;
  product: string | null;
  products: string[] | null;
  source: 'manual' | 'scim';
  pending_sync: boolean;
}

const ROLE_COLUMNS = 'id, user_id, group_id, role, site, product, products, source, pending_sync';

function roleOf(r: RoleRow): Omit<RoleAssignment, 'user'> {
  return {
    id: r.id,
    role: r.role,
    ...(r.site !== null ? { site: r.site } : {}),
    ...(r.product !== null ? { product: r.product } : {}),
    ...(r.products !== null ? { products: r.products } : {}),
    source: r.source,
    ...(r.pending_sync ? { pendingSync: true } : {}),
  };
}

/** A stored assignment: to a person (`user`) or a group (`group`). */
export type StoredRole = Omit<RoleAssignment, 'user' | 'group'> & { id: string; user?: string; group?: string };

const storedRole = (r: RoleRow): StoredRole => ({ ...roleOf(r), id: r.id, ...(r.user_id !== null ? { user: r.user_id } : { group: r.group_id! }) });

export async function insertRoleAssignment(q: Queryable, r: StoredRole, at: string, by: string): Promise<void> {
  await q.query(`INSERT INTO role_assignments (${ROLE_COLUMNS}, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, [
    r.id,
    r.user ?? null,
    r.group ?? null,
    r.role,
    r.site ?? null,
    r.product ?? null,
    r.products ?? null,
    r.source ?? 'manual',
    r.pendingSync === true,
    at,
    by,
  ]);
}

export async function roleAssignmentById(q: Queryable, id: string): Promise<StoredRole | undefined> {
  const [r] = await q.query<RoleRow>(`SELECT ${ROLE_COLUMNS} FROM role_assignments WHERE id = $1`, [id]);
  return r ? storedRole(r) : undefined;
}

export async function deleteRoleAssignmentRow(q: Queryable, id: string): Promise<StoredRole | undefined> {
  const [r] = await q.query<RoleRow>(`DELETE FROM role_assignments WHERE id = $1 RETURNING ${ROLE_COLUMNS}`, [id]);
  return r ? storedRole(r) : undefined;
}

export async function listRoleAssignments(q: Queryable, filter: { user?: string; group?: string }): Promise<StoredRole[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  if (filter.user !== undefined) {
    params.push(filter.user);
    where.push(`user_id = $${params.length}`);
  }
  if (filter.group !== undefined) {
    params.push(filter.group);
    where.push(`group_id = $${params.length}`);
  }
  return (await q.query<RoleRow>(`SELECT ${ROLE_COLUMNS} FROM role_assignments ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_seq LIMIT 5000`, params)).map(storedRole);
}

/** The same role, on the same site and product, already assigned to the same holder. */
export async function sameRoleAssignment(q: Queryable, r: Omit<StoredRole, 'id'>): Promise<string | undefined> {
  const [row] = await q.query<{ id: string }>(
    'SELECT id FROM role_assignments WHERE user_id IS NOT DISTINCT FROM $1 AND group_id IS NOT DISTINCT FROM $2 AND role = $3 AND site IS NOT DISTINCT FROM $4 AND product IS NOT DISTINCT FROM $5',
    [r.user ?? null, r.group ?? null, r.role, r.site ?? null, r.product ?? null],
  );
  return row?.id;
}

// ---- sites, tickets, sync ----

export async function updateSite(
  q: Queryable,
  id: string,
  change: { status?: Site['status']; guardRestricted?: boolean },
): Promise<{ url: string; status: Site['status']; guard_restricted: boolean } | undefined> {
  const [r] = await q.query<{ url: string; status: Site['status']; guard_restricted: boolean }>(
    'UPDATE dir_sites SET status = coalesce($2, status), guard_restricted = coalesce($3, guard_restricted) WHERE id = $1 RETURNING url, status, guard_restricted',
    [id, change.status ?? null, change.guardRestricted ?? null],
  );
  return r;
}

export async function assignTicketRow(q: Queryable, key: string, engineer: string, at: string): Promise<void> {
  await q.query('INSERT INTO ticket_assignments (key, engineer, changed_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET engineer = $2, changed_at = $3', [key, engineer, at]);
  // A ticket raised through the API keeps its record here: its body names the engineer too.
  await q.query(`UPDATE tickets SET body = jsonb_set(body, '{engineer}', to_jsonb($2::text)) WHERE key = $1`, [key, engineer]);
}

export async function noteSynced(q: Queryable, at: string, source: 'world' | 'scim' | 'admin'): Promise<void> {
  await q.query('UPDATE directory_meta SET last_synced_at = $1, last_sync_source = $2 WHERE id = 1', [at, source]);
}

export async function syncState(q: Queryable): Promise<{ lastSyncedAt: string | null; source: 'world' | 'scim' | 'admin' | null }> {
  const [r] = await q.query<{ last_synced_at: string | null; last_sync_source: 'world' | 'scim' | 'admin' | null }>('SELECT last_synced_at, last_sync_source FROM directory_meta WHERE id = 1');
  return { lastSyncedAt: r?.last_synced_at ?? null, source: r?.last_sync_source ?? null };
}

/** Whether the people of `ids` are stored (for the world file's tokens: a person SCIM removed has none). */
export async function peopleLastSynced(q: Queryable, ids: string[]): Promise<Map<string, string | null>> {
  return new Map((await q.query<{ id: string; last_synced_at: string | null }>('SELECT id, last_synced_at FROM people WHERE id = ANY($1::text[])', [ids])).map((r) => [r.id, r.last_synced_at]));
}

/** Puts the role assignments of a person (`user`) or a group that wait for a SCIM push (pending_sync) in effect; the ids of those it changed. */
export async function confirmPendingRoles(q: Queryable, holder: { user: string } | { group: string }): Promise<string[]> {
  const [column, id] = 'user' in holder ? ['user_id', holder.user] : ['group_id', holder.group];
  const rows = await q.query<{ id: string }>(`UPDATE role_assignments SET pending_sync = false WHERE ${column} = $1 AND pending_sync RETURNING id`, [id]);
  return rows.map((r) => r.id);
}
