// The directory store's interface: what the SCIM layer (and the admin routes) call to change the
// org's people and groups. Every write runs in one transaction with exactly one audit row naming its
// actor, records one directory change (which moves the access epoch, so every API process's next
// decision reloads what changed: see directory/cache.ts), and returns the record as committed.
// Implemented over the database by repository.ts (all its SQL) in service.ts.
import type { Queryable } from '../db/index';

/** Who made a directory change: an org admin (their user id), an API key (its id and name), the support system (an engineer: site status, Guard, ticket assignment), or the world file's import. */
export type DirectoryActor = { kind: 'admin'; id: string } | { kind: 'key'; id: string; name: string } | { kind: 'engineer'; id: string } | { kind: 'system'; id: 'world-file' };

/** Where a person, group or role assignment came from. */
export type DirectorySource = 'manual' | 'scim';

/** A person of the org as stored. `email` as given; `emailNormalized` the one form (core normalizeEmail) people are matched by. */
export interface PersonRecord {
  /** The id everywhere (world `users[].id`, else generated): SCIM's `id`, role assignments, `qualifiedAdmins[].userId`. */
  id: string;
  email: string;
  emailNormalized: string;
  /** Display name. */
  name: string;
  givenName: string | null;
  familyName: string | null;
  externalId: string | null;
  /** False: deactivated (refused on the next request, gone from every "who can grant" list). */
  active: boolean;
  emailVerified: boolean;
  /** Sites the person belongs to (a SCIM-created person: every site of the org). */
  sites: string[];
  source: DirectorySource;
  createdAt: string;
  updatedAt: string;
  /** Last change from the identity provider (SCIM), else null. */
  lastSyncedAt: string | null;
  /** Moves by one with every change (SCIM `meta.version` / ETag). */
  version: number;
}

/** What a create or replace sets. `name` absent: built from givenName + familyName, else the email. `active` absent: true. */
export interface PersonInput {
  email: string;
  name?: string;
  givenName?: string | null;
  familyName?: string | null;
  externalId?: string | null;
  active?: boolean;
}

/** A partial update (SCIM PATCH after its ops are applied, or an admin's change): only the fields present change. */
export type PersonPatch = Partial<PersonInput>;

/**
 * The display name after a change of the given or family name alone (`change`: the parts changed;
 * null removes one): the two parts joined, else the email. A part the change leaves alone is the
 * stored one; a person imported from the world file (or created by display name) has none stored,
 * so it is read from the display name as it is (the given name is its first word, the family name
 * the rest, or what is left beside the stored other part): renaming one part never drops the other.
 */
export function renamedDisplayName(
  before: { name: string; email: string; givenName: string | null; familyName: string | null },
  change: { givenName?: string | null; familyName?: string | null },
): string {
  const shown = before.name.trim();
  const words = shown === '' || shown === before.email ? [] : shown.split(/\s+/);
  const storedGiven = before.givenName?.trim() || null;
  const storedFamily = before.familyName?.trim() || null;
  const shownGiven = () => (storedFamily && words.length > 1 && shown.endsWith(` ${storedFamily}`) ? shown.slice(0, -storedFamily.length - 1).trim() : (words[0] ?? null));
  const shownFamily = () => (storedGiven && shown.startsWith(`${storedGiven} `) ? shown.slice(storedGiven.length + 1).trim() : words.length > 1 ? words.slice(1).join(' ') : null);
  const given = change.givenName !== undefined ? change.givenName : (storedGiven ?? shownGiven());
  const family = change.familyName !== undefined ? change.familyName : (storedFamily ?? shownFamily());
  const joined = [given, family].filter((x) => x && x.trim() !== '').join(' ');
  return (joined || before.email).slice(0, 300);
}

export interface GroupRecord {
  id: string;
  name: string;
  externalId: string | null;
  source: DirectorySource;
  /** Member person ids, in the order they joined; left out ([] and `memberCount` only) when listed without members. */
  members: string[];
  memberCount: number;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface GroupInput {
  name: string;
  externalId?: string | null;
  members?: string[];
}

/** A filter term the store answers: SCIM's `eq`, `co`, `sw` on the attributes providers filter on, case-insensitive. */
export interface FilterTerm<A extends string> {
  attribute: A;
  op: 'eq' | 'co' | 'sw';
  value: string;
}
export type PersonFilterAttribute = 'userName' | 'emails.value' | 'externalId' | 'displayName' | 'id';
export type GroupFilterAttribute = 'displayName' | 'externalId' | 'id' | 'members.value';

/** Terms joined by `and` (an empty list matches everything). `startIndex` is 1-based (SCIM); `count` 0 answers only the total. */
export interface ListQuery<A extends string> {
  filter: FilterTerm<A>[];
  startIndex: number;
  count: number;
}

export interface Page<T> {
  total: number;
  items: T[];
}

/**
 * A write the store refused: `conflict` (an email, group name or externalId already taken: SCIM 409
 * uniqueness), `not_found`, `invalid` (bad value: 400), `precondition` (version mismatch: 412).
 * `attribute`: the attribute a conflict is about, when it is not the email or group name.
 */
export class DirectoryError extends Error {
  constructor(
    readonly code: 'conflict' | 'not_found' | 'invalid' | 'precondition',
    message: string,
    readonly attribute?: 'externalId',
  ) {
    super(message);
    this.name = 'DirectoryError';
  }
}

/**
 * The directory's people and groups. Reads take an optional `q` (a transaction) and see what is
 * committed; writes each run in their own transaction, write one audit row (`directory.*`, actor as
 * given: a key's id with actorKind "key" and its name), move the access epoch and announce a
 * directory event to the people whose roles changed. A person is matched by the normalized email
 * everywhere: creating a second person with the same normalized email is `DirectoryError('conflict')`.
 * `ifVersion`: refuse with `precondition` unless the record is at that version.
 */
export interface DirectoryStore {
  createPerson(actor: DirectoryActor, input: PersonInput, source?: DirectorySource): Promise<PersonRecord>;
  getPerson(id: string, q?: Queryable): Promise<PersonRecord | undefined>;
  findPersonByEmail(email: string, q?: Queryable): Promise<PersonRecord | undefined>;
  listPeople(query: ListQuery<PersonFilterAttribute>, q?: Queryable): Promise<Page<PersonRecord>>;
  updatePerson(actor: DirectoryActor, id: string, patch: PersonPatch, ifVersion?: number): Promise<PersonRecord>;
  replacePerson(actor: DirectoryActor, id: string, input: PersonInput, ifVersion?: number): Promise<PersonRecord>;
  /** Deletes the person, their memberships and own role assignments (each removal its own `directory.role_remove` row); false when there was none. Their grants stay (flagged). */
  deletePerson(actor: DirectoryActor, id: string): Promise<boolean>;

  createGroup(actor: DirectoryActor, input: GroupInput, source?: DirectorySource): Promise<GroupRecord>;
  getGroup(id: string, opts?: { members?: boolean }, q?: Queryable): Promise<GroupRecord | undefined>;
  listGroups(query: ListQuery<GroupFilterAttribute>, opts?: { members?: boolean }, q?: Queryable): Promise<Page<GroupRecord>>;
  /** Name and externalId; members through the member calls or replaceGroup. */
  updateGroup(actor: DirectoryActor, id: string, patch: { name?: string; externalId?: string | null }, ifVersion?: number): Promise<GroupRecord>;
  replaceGroup(actor: DirectoryActor, id: string, input: GroupInput, ifVersion?: number): Promise<GroupRecord>;
  /** Deletes the group, its memberships and its role assignments (each removal its own `directory.role_remove` row); false when there was none. */
  deleteGroup(actor: DirectoryActor, id: string): Promise<boolean>;
  /** Adds people (ids) to the group; people already in it are left as they are. Unknown ids: `invalid`. */
  addMembers(actor: DirectoryActor, groupId: string, personIds: string[]): Promise<GroupRecord>;
  removeMembers(actor: DirectoryActor, groupId: string, personIds: string[]): Promise<GroupRecord>;
  replaceMembers(actor: DirectoryActor, groupId: string, personIds: string[]): Promise<GroupRecord>;
}
