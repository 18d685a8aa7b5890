// The directory's writes (DirectoryStore, role assignments, the vendor's site and ticket changes):
// each is one transaction holding the change, one directory change row (which moves the access
// epoch), one audit row naming its actor (and one more for each role assignment a deletion took
// with it) and a `directory.changed` event for every org admin (their Roles page and panels list
// who can grant, and the flagged grants) and the people whose roles it touched. The writing process
// refreshes its own index before it answers.
import { type Group, isEmailAddress, normalizeEmail, type PersonFacts } from '../../core/index';
import type { AuditAction } from '../../api/vocabulary';
import type { ActorKind } from '../audit/trail';
import type { ServerContext } from '../context';
import type { Queryable } from '../db/index';
import { newId } from '../grants/repository';
import { recordEvent } from '../inbox/events';
import {
  deleteGroupRow,
  deleteMembers,
  confirmPendingRoles,
  deletePersonRow,
  existingPeople,
  externalIdHolder,
  groupById,
  groupMembers,
  groupsOfPerson,
  insertGroup,
  insertMembers,
  insertPerson,
  listGroupRows,
  listPeopleRows,
  noteSynced,
  personByEmail,
  personById,
  recordDirectoryChange,
  type StoredRole,
  touchGroup,
  updateGroupRow,
  updatePersonRow,
  userOfRecord,
} from './repository';
import {
  DirectoryError,
  type DirectoryActor,
  type DirectorySource,
  type DirectoryStore,
  type GroupFilterAttribute,
  type GroupInput,
  type GroupRecord,
  type ListQuery,
  type Page,
  type PersonFilterAttribute,
  type PersonInput,
  type PersonPatch,
  type PersonRecord,
  renamedDisplayName,
} from './store';

/** The audit row's actor for a directory actor: an admin's id, a key's id (kind "key") with its name, or the world file. */
export function auditActorOf(actor: DirectoryActor): { actor: string; actorKind: ActorKind; detail: Record<string, unknown> } {
  if (actor.kind === 'key') return { actor: actor.id, actorKind: 'key', detail: { keyName: actor.name } };
  if (actor.kind === 'system') return { actor: actor.id, actorKind: 'system', detail: {} };
  if (actor.kind === 'engineer') return { actor: actor.id, actorKind: 'engineer', detail: {} };
  return { actor: actor.id, actorKind: 'admin', detail: {} };
}

/** What one directory write did, for its change row, audit row and event. */
export interface DirectoryEffect<T> {
  result: T;
  action: AuditAction;
  resource: Record<string, unknown>;
  detail?: Record<string, unknown>;
  /** People whose roles or standing may have changed (the event's audience, the change row's people). */
  people: string[];
  groups: string[];
  /** Any ticket the change is about (ticket assignment). */
  ticket?: string;
  /** False: the change reaches beyond `people` (sites, tickets): every process builds its index again. */
  complete?: boolean;
  /** What `people` and `groups` now are, when the write knows it without reading it back (a new person: no groups, no roles): this process patches its index from it. */
  facts?: { people: PersonFacts[]; groups: Array<{ id: string; group: Group | undefined }> };
  /** Further acts the change did, each its own audit row by the same actor after the change's (a deleted person's role assignments, each removed). */
  also?: Array<{ action: AuditAction; resource: Record<string, unknown>; detail?: Record<string, unknown> }>;
}

/**
 * A role assignment removed, as its audit row names it: the same action, resource and detail
 * whether an org admin removed it or it went with its holder (`cause`: the holder's deletion).
 */
export function roleRemoval(r: StoredRole, cause?: 'person_delete' | 'group_delete'): { action: 'directory.role_remove'; resource: Record<string, unknown>; detail: Record<string, unknown> } {
  return {
    action: 'directory.role_remove',
    resource: { type: 'role_assignment', id: r.id, role: r.role, ...(r.user ? { user: r.user } : { group: r.group }) },
    detail: { site: r.site, product: r.product, products: r.products, source: r.source, ...(cause ? { cause } : {}) },
  };
}

/** Most people a directory event names: a role given to a huge group reaches its members' next refresh instead. */
const EVENT_AUDIENCE_MAX = 10_000;

/**
 * Runs `fn` in one transaction and records its effect (change row, audit row, event); then brings
 * this process's index up to date, so the answer and the next decision here see the change.
 */
export async function directoryWrite<T>(s: ServerContext, actor: DirectoryActor, fn: (tx: Queryable, at: string) => Promise<DirectoryEffect<T>>): Promise<T> {
  const at = s.now();
  let seq = 0;
  let facts: DirectoryEffect<T>['facts'];
  const out = await s.db
    .transaction(async (tx) => {
      const e = await fn(tx, at);
      seq = await recordDirectoryChange(tx, at, e.action, e.people, e.groups, e.complete ?? true);
      facts = e.facts;
      if (actor.kind === 'key') await noteSynced(tx, at, 'scim');
      const who = auditActorOf(actor);
      for (const act of [e, ...(e.also ?? [])])
        await s.trail.append(
          tx,
          { actor: who.actor, actorKind: who.actorKind, action: act.action, ticket: e.ticket ?? null, resource: act.resource, outcome: 'done', detail: { ...who.detail, ...act.detail } },
          at,
        );
      // Org admins first (never cut off), from the index before the change: one appointed or demoted
      // by it is among `people`.
      const audience = [...new Set([...s.ix.orgAdmins.map((h) => h.userId), ...e.people])].slice(0, EVENT_AUDIENCE_MAX);
      await recordEvent(tx, 'directory.changed', audience, e.ticket ?? null, { action: e.action, resource: e.resource }, at);
      return e.result;
    })
    .catch((e: unknown) => {
      // Two writers racing for one email (or one id): the unique index decides, and the loser hears it as SCIM's 409.
      if ((e as { code?: unknown }).code === '23505') throw new DirectoryError('conflict', 'Another person or group already has that email or id.');
      throw e;
    });
  // Up to this change (and whatever others committed before it), without asking for the last one;
  // from what the write knows when this index is at the change before it.
  if (!facts || !s.directory.applyOwn(seq, facts)) await s.directory.ensureFresh(seq);
  return out;
}

const displayName = (input: PersonInput): string => {
  const given = [input.givenName, input.familyName].filter((x) => x && x.trim() !== '').join(' ');
  return (input.name?.trim() || given || input.email).slice(0, 300);
};

/**
 * Every write path (SCIM create, PUT, PATCH, admins) holds an email to the one rule (core's
 * isEmailAddress): no invisible characters, no trailing dot, so a look-alike can never become a
 * second person beside the one it imitates.
 */
function checkEmail(email: string): void {
  if (!isEmailAddress(email)) throw new DirectoryError('invalid', `"${email}" is not an email address (no invisible characters, a domain with a dot and no trailing dot).`);
}

/** The directory over the database: the interface the SCIM layer and admin routes call (store.ts). */
export class DirectoryService implements DirectoryStore {
  constructor(private readonly s: ServerContext) {}

  async createPerson(actor: DirectoryActor, input: PersonInput, source: DirectorySource = actor.kind === 'key' ? 'scim' : 'manual'): Promise<PersonRecord> {
    checkEmail(input.email);
    return directoryWrite(this.s, actor, async (tx, at) => {
      const p: PersonRecord = {
        id: newId('usr'),
        email: input.email,
        emailNormalized: normalizeEmail(input.email),
        name: displayName(input),
        givenName: input.givenName ?? null,
        familyName: input.familyName ?? null,
        externalId: input.externalId ?? null,
        active: input.active ?? true,
        emailVerified: true,
        sites: this.s.ix.world.sites.map((x) => x.id),
        source,
        createdAt: at,
        updatedAt: at,
        lastSyncedAt: source === 'scim' ? at : null,
        version: 1,
      };
      await this.claimExternalId(tx, 'person', p.externalId, p.id);
      if (!(await insertPerson(tx, p))) throw new DirectoryError('conflict', `A person with the email ${input.email} already exists.`);
      return {
        result: p,
        action: 'directory.person_create',
        resource: { type: 'person', id: p.id, name: p.name },
        detail: { email: p.email, active: p.active },
        people: [p.id],
        groups: [],
        // A new id: no membership or role can name it yet.
        facts: { people: [{ id: p.id, user: userOfRecord(p), groups: [], roles: [] }], groups: [] },
      };
    });
  }

  getPerson(id: string, q: Queryable = this.s.db): Promise<PersonRecord | undefined> {
    return personById(q, id);
  }

  findPersonByEmail(email: string, q: Queryable = this.s.db): Promise<PersonRecord | undefined> {
    return personByEmail(q, email);
  }

  listPeople(query: ListQuery<PersonFilterAttribute>, q: Queryable = this.s.db): Promise<Page<PersonRecord>> {
    return listPeopleRows(q, query);
  }

  updatePerson(actor: DirectoryActor, id: string, patch: PersonPatch, ifVersion?: number): Promise<PersonRecord> {
    // A new given or family name without a display name renames the person from them (keeping the part not given).
    const renamed = patch.name === undefined && (patch.givenName !== undefined || patch.familyName !== undefined);
    return this.writePerson(actor, id, ifVersion, (p) => ({
      ...p,
      ...definedOf(patch),
      ...(renamed ? { name: renamedDisplayName({ name: p.name ?? '', email: p.email, givenName: p.givenName ?? null, familyName: p.familyName ?? null }, patch) } : {}),
    }));
  }

  replacePerson(actor: DirectoryActor, id: string, input: PersonInput, ifVersion?: number): Promise<PersonRecord> {
    return this.writePerson(actor, id, ifVersion, () => ({ givenName: null, familyName: null, externalId: null, active: true, ...definedOf(input), email: input.email }));
  }

  private writePerson(actor: DirectoryActor, id: string, ifVersion: number | undefined, next: (p: PersonInput) => PersonInput): Promise<PersonRecord> {
    return directoryWrite(this.s, actor, async (tx, at) => {
      const before = await personById(tx, id, true);
      if (!before) throw new DirectoryError('not_found', `No person "${id}".`);
      if (ifVersion !== undefined && before.version !== ifVersion) throw new DirectoryError('precondition', `Person "${id}" changed since version ${ifVersion}.`);
      const input = next({ email: before.email, name: before.name, givenName: before.givenName, familyName: before.familyName, externalId: before.externalId, active: before.active });
      checkEmail(input.email);
      const after: PersonRecord = {
        ...before,
        email: input.email,
        emailNormalized: normalizeEmail(input.email),
        name: displayName(input),
        givenName: input.givenName ?? null,
        familyName: input.familyName ?? null,
        externalId: input.externalId ?? null,
        active: input.active ?? true,
        updatedAt: at,
        lastSyncedAt: actor.kind === 'key' ? at : before.lastSyncedAt,
        version: before.version + 1,
      };
      if (after.externalId !== before.externalId) await this.claimExternalId(tx, 'person', after.externalId, id);
      if (!(await updatePersonRow(tx, after))) throw new DirectoryError('conflict', `Another person has the email ${input.email}.`);
      // The identity provider pushed this person: a role of theirs set by SCIM and waiting for that
      // push (`scim_not_synced`, whose fix is "trigger a SCIM sync") is in effect from now on.
      const confirmed = actor.kind === 'key' ? await confirmPendingRoles(tx, { user: id }) : [];
      const deactivated = before.active && !after.active;
      const changed = Object.keys(after).filter(
        (k) => !['updatedAt', 'version', 'lastSyncedAt'].includes(k) && JSON.stringify(after[k as keyof PersonRecord]) !== JSON.stringify(before[k as keyof PersonRecord]),
      );
      return {
        result: after,
        ...(deactivated ? { action: 'directory.person_deactivate' as const } : { action: 'directory.person_update' as const }),
        resource: { type: 'person', id, name: after.name },
        detail: { changed, active: after.active, ...(confirmed.length ? { rolesSynced: confirmed } : {}) },
        people: [id],
        groups: [],
      };
    });
  }

  deletePerson(actor: DirectoryActor, id: string): Promise<boolean> {
    return directoryWrite(this.s, actor, async (tx) => {
      const before = await personById(tx, id, true);
      const gone = before ? await deletePersonRow(tx, id) : undefined;
      if (!before || !gone) throw new DirectoryError('not_found', `No person "${id}".`);
      return {
        result: true,
        action: 'directory.person_delete',
        resource: { type: 'person', id, name: before.name },
        detail: { email: before.email, groups: gone.groups },
        people: [id],
        groups: gone.groups,
        also: gone.roles.map((r) => roleRemoval(r, 'person_delete')),
      };
    });
  }

  createGroup(actor: DirectoryActor, input: GroupInput, source: DirectorySource = actor.kind === 'key' ? 'scim' : 'manual'): Promise<GroupRecord> {
    return directoryWrite(this.s, actor, async (tx, at) => {
      const name = input.name.trim();
      if (name === '') throw new DirectoryError('invalid', 'A group needs a name.');
      const [clash] = await tx.query('SELECT id FROM dir_groups WHERE lower(name) = lower($1)', [name]);
      if (clash) throw new DirectoryError('conflict', `A group named "${name}" already exists.`);
      const members = await this.knownPeople(tx, input.members ?? []);
      const g: GroupRecord = { id: newId('grp'), name, externalId: input.externalId ?? null, source, members, memberCount: members.length, createdAt: at, updatedAt: at, version: 1 };
      await this.claimExternalId(tx, 'group', g.externalId, g.id);
      await insertGroup(tx, g);
      await insertMembers(tx, g.id, members);
      return { result: g, action: 'directory.group_create', resource: { type: 'group', id: g.id, name }, detail: { members: members.length }, people: members, groups: [g.id] };
    });
  }

  getGroup(id: string, opts: { members?: boolean } = {}, q: Queryable = this.s.db): Promise<GroupRecord | undefined> {
    return groupById(q, id, opts.members ?? true);
  }

  listGroups(query: ListQuery<GroupFilterAttribute>, opts: { members?: boolean } = {}, q: Queryable = this.s.db): Promise<Page<GroupRecord>> {
    return listGroupRows(q, query, opts.members ?? true);
  }

  updateGroup(actor: DirectoryActor, id: string, patch: { name?: string; externalId?: string | null }, ifVersion?: number): Promise<GroupRecord> {
    return directoryWrite(this.s, actor, async (tx, at) => {
      const before = await this.lockedGroup(tx, id, ifVersion);
      const name = (patch.name ?? before.name).trim();
      if (name === '') throw new DirectoryError('invalid', 'A group needs a name.');
      const externalId = patch.externalId === undefined ? before.externalId : patch.externalId;
      if (externalId !== before.externalId) await this.claimExternalId(tx, 'group', externalId, id);
      await updateGroupRow(tx, id, name, externalId, at);
      const synced = await this.groupPushed(tx, actor, id);
      const after = (await groupById(tx, id, true))!;
      return { result: after, action: 'directory.group_update', resource: { type: 'group', id, name }, detail: { was: before.name, ...synced.detail }, people: synced.people, groups: [id] };
    });
  }

  replaceGroup(actor: DirectoryActor, id: string, input: GroupInput, ifVersion?: number): Promise<GroupRecord> {
    return directoryWrite(this.s, actor, async (tx, at) => {
      const before = await this.lockedGroup(tx, id, ifVersion);
      const name = input.name.trim();
      if (name === '') throw new DirectoryError('invalid', 'A group needs a name.');
      if ((input.externalId ?? null) !== before.externalId) await this.claimExternalId(tx, 'group', input.externalId ?? null, id);
      const members = await this.knownPeople(tx, input.members ?? []);
      const removed = await deleteMembers(tx, id, 'all');
      await insertMembers(tx, id, members);
      await updateGroupRow(tx, id, name, input.externalId ?? null, at);
      const synced = await this.groupPushed(tx, actor, id);
      const after = (await groupById(tx, id, true))!;
      const left = removed.filter((p) => !members.includes(p));
      const joined = members.filter((p) => !removed.includes(p));
      return {
        result: after,
        action: 'directory.group_update',
        resource: { type: 'group', id, name },
        detail: { joined: joined.length, left: left.length, ...synced.detail },
        people: [...new Set([...joined, ...left, ...synced.people])],
        groups: [id],
      };
    });
  }

  deleteGroup(actor: DirectoryActor, id: string): Promise<boolean> {
    return directoryWrite(this.s, actor, async (tx) => {
      const before = await groupById(tx, id, false, true);
      const gone = before ? await deleteGroupRow(tx, id) : undefined;
      if (!before || !gone) throw new DirectoryError('not_found', `No group "${id}".`);
      return {
        result: true,
        action: 'directory.group_delete',
        resource: { type: 'group', id, name: before.name },
        detail: { members: gone.members.length },
        people: gone.members,
        groups: [id],
        also: gone.roles.map((r) => roleRemoval(r, 'group_delete')),
      };
    });
  }

  addMembers(actor: DirectoryActor, groupId: string, personIds: string[]): Promise<GroupRecord> {
    return this.changeMembers(actor, groupId, async (tx) => ({ joined: await insertMembers(tx, groupId, await this.knownPeople(tx, personIds)), left: [] }));
  }

  removeMembers(actor: DirectoryActor, groupId: string, personIds: string[]): Promise<GroupRecord> {
    return this.changeMembers(actor, groupId, async (tx) => ({ joined: [], left: await deleteMembers(tx, groupId, [...new Set(personIds)]) }));
  }

  replaceMembers(actor: DirectoryActor, groupId: string, personIds: string[]): Promise<GroupRecord> {
    return this.changeMembers(actor, groupId, async (tx) => {
      const members = await this.knownPeople(tx, personIds);
      const before = await groupMembers(tx, groupId);
      const left = await deleteMembers(
        tx,
        groupId,
        before.filter((p) => !members.includes(p)),
      );
      const joined = await insertMembers(tx, groupId, members);
      return { joined, left };
    });
  }

  private changeMembers(actor: DirectoryActor, groupId: string, fn: (tx: Queryable) => Promise<{ joined: string[]; left: string[] }>): Promise<GroupRecord> {
    return directoryWrite(this.s, actor, async (tx, at) => {
      const g = await this.lockedGroup(tx, groupId);
      const { joined, left } = await fn(tx);
      await touchGroup(tx, groupId, at);
      const synced = await this.groupPushed(tx, actor, groupId);
      const after = (await groupById(tx, groupId, true))!;
      return {
        result: after,
        action: 'directory.members_change',
        resource: { type: 'group', id: groupId, name: g.name },
        detail: { joined: joined.slice(0, 100), left: left.slice(0, 100), joinedCount: joined.length, leftCount: left.length, ...synced.detail },
        people: [...new Set([...joined, ...left, ...synced.people])],
        groups: [groupId],
      };
    });
  }

  /**
   * The identity provider pushed group `id` (a SCIM key's write): its role assignments that waited
   * for that push (`scim_not_synced`) are in effect from now on. The audit detail naming them
   * (`rolesSynced`) and the members whose standing that changes; nothing for an admin's write.
   */
  private async groupPushed(tx: Queryable, actor: DirectoryActor, id: string): Promise<{ detail: { rolesSynced?: string[] }; people: string[] }> {
    const confirmed = actor.kind === 'key' ? await confirmPendingRoles(tx, { group: id }) : [];
    if (confirmed.length === 0) return { detail: {}, people: [] };
    return { detail: { rolesSynced: confirmed }, people: await groupMembers(tx, id) };
  }

  private async lockedGroup(tx: Queryable, id: string, ifVersion?: number): Promise<GroupRecord> {
    const g = await groupById(tx, id, false, true);
    if (!g) throw new DirectoryError('not_found', `No group "${id}".`);
    if (ifVersion !== undefined && g.version !== ifVersion) throw new DirectoryError('precondition', `Group "${id}" changed since version ${ifVersion}.`);
    return g;
  }

  /**
   * RFC 7643 §3.1: externalId is the provisioning client's own identifier for a resource, so a second
   * person (or group) with the same one, compared case-exact, is a `conflict` (SCIM 409 uniqueness).
   * Asked when a write sets or changes it; `self`: the resource written.
   */
  private async claimExternalId(tx: Queryable, kind: 'person' | 'group', externalId: string | null, self: string): Promise<void> {
    if (externalId === null) return;
    const other = await externalIdHolder(tx, kind, externalId, self, this.s.db.kind === 'postgres');
    if (other) throw new DirectoryError('conflict', `Another ${kind === 'person' ? 'User' : 'Group'} (${other}) already has externalId ${JSON.stringify(externalId)}.`, 'externalId');
  }

  /** The ids, each once, in order; an id that is no person is `invalid`. */
  private async knownPeople(tx: Queryable, ids: string[]): Promise<string[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const known = await existingPeople(tx, unique);
    const missing = unique.filter((id) => !known.has(id));
    if (missing.length > 0)
      throw new DirectoryError(
        'invalid',
        `No person ${missing
          .slice(0, 5)
          .map((m) => `"${m}"`)
          .join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}.`,
      );
    return unique;
  }
}

/** The fields of `o` that are not undefined. */
function definedOf<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The groups a person is in (for views). */
export const personGroups = (q: Queryable, id: string): Promise<string[]> => groupsOfPerson(q, id);
