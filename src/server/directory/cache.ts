// The process's copy of the directory, as the WorldIndex every rule decides from. The database is
// the record; each directory change appends to directory_changes (moving the access epoch). Before
// a request is decided, `ensureFresh` learns the last change's number and, when another process (or
// this one) committed a newer one, reads the directory again and swaps the index in: an
// acknowledged change is the next decision's fact in every process. On PostgreSQL the number is
// asked for (one index lookup; other processes may have written). An embedded database belongs to
// one process, and each change is announced (migration 15) to it before the commit's writer goes on,
// so the number heard is the last one, and no request waits on a read for it. A change that names
// whom it touched (people, groups: memberships, roles, deactivations) is patched into the index in
// time proportional to them; one that does not (sites, tickets, a world import) rebuilds it.
import { type Group, indexWorld, isInEffect, type PersonFacts, reindexPeople, type Ticket, type World, type WorldIndex } from '../../core/index';
import type { Db, Queryable } from '../db/index';
import { changesSince, directorySeq, factsOf, readDirectory, type DirectorySnapshot } from './repository';

/** Most people patched at once; past this the index is built again (a patch costs per person). */
const PATCH_PEOPLE_MAX = 20_000;

/** What the cache swaps into the server's context. */
export interface IndexHolder {
  ix: WorldIndex;
  guardAdmins: string[];
}

/** The world a snapshot of the directory makes with the world file's engineers and tickets (reassigned ones with their new engineer). */
export function worldOf(base: World, d: DirectorySnapshot): World {
  const tickets: Ticket[] = d.ticketEngineers.size === 0 ? base.tickets : base.tickets.map((t) => (d.ticketEngineers.has(t.key) ? { ...t, engineer: d.ticketEngineers.get(t.key)! } : t));
  return { ...base, organization: d.organization, sites: d.sites, products: d.products, users: d.users, groups: d.groups, roles: d.roles, groupRoles: d.groupRoles, tickets };
}

export const guardAdminsOf = (ix: WorldIndex): string[] => [...ix.rolesByUser].filter(([, roles]) => roles.some((r) => r.role === 'guard_admin' && isInEffect(r))).map(([id]) => id);

export class DirectoryCache {
  /** The last directory change the holder's index includes. */
  private seq: number;
  private loading: Promise<void> | undefined;
  /** On an embedded database (listenForChanges): the last change announced, which is the last committed. */
  private heard: number | undefined;
  /** Full rebuilds and patches so far (tests, bench). */
  reloads = 0;
  patches = 0;

  constructor(
    private readonly db: Db,
    /** The world file's engineers, tickets and seeds (the directory supplies the rest). */
    private readonly base: World,
    private readonly holder: IndexHolder,
    seq: number,
  ) {
    this.seq = seq;
  }

  get current(): number {
    return this.seq;
  }

  /**
   * Brings the holder's index up to the last committed directory change, or, given `atLeast` (a
   * change this process just committed: its seq), up to at least that one without asking for the
   * last (the next request's own call asks).
   */
  async ensureFresh(atLeast?: number): Promise<void> {
    if (atLeast !== undefined && this.seq >= atLeast) return;
    let wanted = atLeast ?? this.heard ?? (await this.lastChange());
    while (this.seq < wanted) {
      const before = this.seq;
      // One read at a time: requests that arrive meanwhile wait for it rather than read again.
      this.loading ??= this.load().finally(() => {
        this.loading = undefined;
      });
      await this.loading;
      if (this.seq > before) continue;
      // The read found nothing past the index: the change asked for is not in the table (a
      // directory_changes row deleted outside the API). Decide on what the table holds rather than
      // wait for a change that will never be read.
      const last = await this.lastChange();
      if (this.heard !== undefined && last < this.heard) this.heard = last;
      if (last <= this.seq) return;
      wanted = last;
    }
  }

  /**
   * On an embedded database (PGlite: its data folder is locked to this process, so every change is
   * committed here), hears each change's number as it commits: PGlite hands a commit's announcements
   * to their listeners before the commit's caller resumes, so what was heard when a request arrives
   * covers every change acknowledged before it. A no-op on PostgreSQL, where other processes write
   * and an announcement may come after their acknowledgement. Returns the unsubscribe function.
   */
  async listenForChanges(): Promise<() => Promise<void>> {
    if (this.db.kind !== 'pglite') return async () => {};
    const off = await this.db.listen('ac_directory', (payload) => {
      const seq = Number(payload);
      if (Number.isSafeInteger(seq) && seq > (this.heard ?? 0)) this.heard = seq;
    });
    // Changes committed before the listener was in place (none while the API starts, but a caller
    // may start listening later) are what the table says now.
    const now = await directorySeq(this.db);
    this.heard = Math.max(this.heard ?? 0, now, this.seq);
    return async () => {
      this.heard = undefined;
      await off();
    };
  }

  /**
   * The last committed change's number, read by a statement sent after this call began: what every
   * change acknowledged before the request arrived is at most. Calls that arrive while a read is
   * under way share the next one, sent when it ends: under load one read serves many requests,
   * instead of one read each queueing behind the others (PGlite runs one statement at a time).
   */
  private lastChange(): Promise<number> {
    this.nextRead ??= (this.reading ?? Promise.resolve()).then(() => {
      const read = directorySeq(this.db);
      this.reading = read.then(
        () => undefined,
        () => undefined,
      );
      this.nextRead = undefined;
      return read;
    });
    return this.nextRead;
  }
  private reading: Promise<void> | undefined;
  private nextRead: Promise<number> | undefined;

  /**
   * Applies this process's own just-committed change `seq` from what its write already knows
   * (`facts`: everything the change's people and groups now are), without reading it back, when
   * the index is at the change just before it and no read is under way; false otherwise (the caller
   * then calls ensureFresh(seq)). Synchronous: no request sees the index half patched.
   */
  applyOwn(seq: number, facts: { people: PersonFacts[]; groups: Array<{ id: string; group: Group | undefined }> }): boolean {
    if (this.loading || this.seq !== seq - 1) return false;
    this.apply(seq, facts);
    return true;
  }

  private async load(): Promise<void> {
    if (await this.patch()) return;
    const snap = await this.db.transaction(async (tx) => {
      await this.oneSnapshot(tx);
      return readDirectory(tx);
    });
    if (!snap || snap.seq <= this.seq) return;
    const ix = indexWorld(worldOf(this.base, snap));
    this.holder.ix = ix;
    this.holder.guardAdmins = guardAdminsOf(ix);
    this.seq = snap.seq;
    this.reloads++;
  }

  /** Every read of a rebuild or patch from one snapshot (PostgreSQL's default gives each statement its own): people, memberships and roles that agree. */
  private async oneSnapshot(tx: Queryable): Promise<void> {
    if (this.db.kind === 'postgres') await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  /** Applies the changes since this index's, when each names whom it touched; false when a rebuild is needed. */
  private async patch(): Promise<boolean> {
    const done = await this.db.transaction(async (tx) => {
      await this.oneSnapshot(tx);
      const changes = await changesSince(tx, this.seq);
      if (changes.length === 0 || changes.length >= 1000 || changes.some((c) => !c.complete)) return undefined;
      const people = [...new Set(changes.flatMap((c) => c.people))];
      if (people.length > PATCH_PEOPLE_MAX) return undefined;
      const groups = [...new Set(changes.flatMap((c) => c.groups))];
      return { seq: changes[changes.length - 1]!.seq, ...(await factsOf(tx, people, groups)) };
    });
    if (!done) return false;
    this.apply(done.seq, done);
    return true;
  }

  /** Patches the holder's index with what the directory now says about some people and groups (through change `seq`). */
  private apply(seq: number, done: { people: PersonFacts[]; groups: Array<{ id: string; group: Group | undefined }> }): void {
    const ix = this.holder.ix;
    reindexPeople(ix, done.people, done.groups);
    // ix.world's lists of people and roles stay as the index was built: what is current is in its maps.
    // Guard admins: the touched people leave the list and come back if they still are one.
    const touched = new Set(done.people.map((p) => p.id));
    const guards = done.people.filter((p) => (ix.rolesByUser.get(p.id) ?? []).some((r) => r.role === 'guard_admin' && isInEffect(r))).map((p) => p.id);
    if (guards.length > 0 || this.holder.guardAdmins.some((id) => touched.has(id))) this.holder.guardAdmins = [...this.holder.guardAdmins.filter((id) => !touched.has(id)), ...guards];
    this.seq = seq;
    this.patches++;
  }
}
