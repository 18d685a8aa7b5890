// The enforcement point: checkAccess (at the end), and its group commit. Checks that arrive while a batch is being committed wait
// for the next batch. A batch is decided from a view of the tickets' states and grants read at one
// access epoch (a counter every change to grants or ticket states moves in its own transaction, by
// trigger), and its audit rows are chained and inserted by ONE statement that first checks the
// epoch is still that one: a revoke committed before the check was sent (by this process or any
// other on the same database) has moved it, so the batch inserts nothing, reads again and decides
// again. An answer leaves only after its own audit row committed, and so (the database syncs each
// commit) is on stable storage: the batch's one commit is one sync for all its checks.
//
// A check names an action (core's changeAccessDecision): reads as always; a permission change is
// allowed under the grant and announced to the ticket's admins; any other change needs a consent
// (a change request approved), which the view holds beside the grants. Consents move the epoch
// like grants when approved, declined or ended; a one-time consent is marked used by the same
// transaction that appends the check it allowed (appendAtEpoch), which moves the epoch too, so no
// other batch, here or in another process, can use it again.
import {
  actionKind,
  applyChangeRequestEvent,
  canonicalResource,
  READ_ACTION,
  changeAccessDecision,
  changeWords,
  type ActionKind,
  type ChangeDecision,
  type ChangeRequest,
  type Grant,
  type Resource,
  type Ticket,
  type WorldIndex,
} from '../../core/index';
import type { AuditAction } from '../../api/vocabulary';
import type { AuditInput, AuditTrail } from '../audit/trail';
import { keyAttribution, type ApiKeyCredential } from '../identity/api-key-credential';
import type { Caller } from '../http/auth';
import { problem } from '../http/problems';
import { DbUnavailable, StorageUnavailable, type Db, type Queryable } from '../db/index';
import { changeRequestsOfTicket } from './change-requests-repository';
import { recordEvent } from '../inbox/events';
import { ticketAudience } from './write-common';
import { currentTicket, grantsOfTicket, withTicket } from './repository';
import type { DirectoryCache } from '../directory/cache';

interface PendingCheck {
  engineer: string;
  /** The access_check API key checking as `engineer`, if one did: its audit row names the key. */
  key?: ApiKeyCredential;
  ticket: string;
  resource: Resource;
  /** Absent: read. */
  action?: string;
  /** What a change did, in the engineer's words. */
  change?: string;
  at: string;
  resolve: (d: ChangeDecision) => void;
  reject: (e: unknown) => void;
}

/** A ticket as committed at the view's epoch (undefined: not in the world). */
export interface TicketView {
  ticket: Ticket;
  grants: Grant[];
  /** Its change requests (consents among them), oldest first. */
  changes: ChangeRequest[];
}

/** What allowed checks of a batch do besides their audit rows: one-time consents used, events for the admins. */
export interface CheckEffects {
  used: ChangeRequest[];
  events: { at: string; type: string; audience: string[]; ticket: string | null; data: unknown }[];
}

/** A check's audit action by what it asks to do: reads stay `access.check`, as they always were. */
const CHECK_AUDIT: Record<ActionKind, { action: AuditAction }> = {
  read: { action: 'access.check' },
  change_permissions: { action: 'access.change_permissions' },
  change: { action: 'access.change' },
};

const MAX_BATCH = 256;
/** Tickets kept in the view; past this it is dropped and read again (bounds memory, not correctness). */
const MAX_VIEW = 10_000;

/** What the batcher reads and writes: the server's database and indexed world. */
export interface BatcherBase {
  db: Db;
  ix: WorldIndex;
  trail: AuditTrail;
  /** Brings `ix` up to a directory change the batch's read saw (an engineer's check skips the per-request read: app.ts). */
  directory: Pick<DirectoryCache, 'current' | 'ensureFresh'>;
}

export class AccessCheckBatcher {
  private queue: PendingCheck[] = [];
  private running = false;
  // The view is decided against one directory index: when the process swaps in a newer one (a
  // ticket handed to another engineer, a site's state), the view goes too, even at the same epoch
  // (outside review 2026-12-07: a replica kept the old engineer allowed after a reassignment).
  private view: { epoch: string; tickets: Map<string, TicketView>; ix?: WorldIndex } | undefined;
  /** Batches committed on the one-statement path, and those that had to read again or lock. */
  readonly stats = { fast: 0, reread: 0, locked: 0 };

  constructor(private readonly s: BatcherBase) {}

  /** Resolves with the decision once its audit row has committed; rejects when it could not be recorded. */
  submit(c: Omit<PendingCheck, 'resolve' | 'reject'>): Promise<ChangeDecision> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...c, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length) {
        // Let the event loop read the sockets first. The embedded database answers without ever
        // yielding to I/O, so without this every HTTP check would commit alone: checks that have
        // arrived but not been parsed yet join this batch instead of waiting for the next.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          const decisions = await this.decide(batch);
          batch.forEach((c, i) => c.resolve(decisions[i]!));
        } catch (e) {
          this.view = undefined;
          // One item the store cannot hold must not fail the checks that happened to share its
          // statement: decide each alone. A database that is down, or storage that cannot take the
          // batch's one commit, fails them all at once (closed: no answer without its audit row).
          if (batch.length === 1 || e instanceof DbUnavailable || e instanceof StorageUnavailable) for (const c of batch) c.reject(e);
          else for (const c of batch) await this.decide([c]).then(([d]) => c.resolve(d!), c.reject);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async decide(batch: PendingCheck[]): Promise<ChangeDecision[]> {
    // The epoch view holds the world file's tickets. A check on any other key (a ticket raised
    // through the API lives in the database; or no ticket at all) is decided under the lock, where
    // currentTicket reads it.
    if (batch.some((c) => !this.s.ix.ticketsByKey.has(c.ticket))) {
      this.stats.locked++;
      await this.s.directory.ensureFresh();
      return this.decideLocked(batch);
    }
    // Twice on the epoch path: a view read before a concurrent change is read again once. If the
    // epoch keeps moving (a burst of grants), decide under the chain lock like any other writer.
    for (let attempt = 0; attempt < 2; attempt++) {
      const out = await this.decideAtEpoch(batch);
      if (out) {
        this.stats.fast++;
        return out;
      }
      this.stats.reread++;
    }
    this.stats.locked++;
    await this.s.directory.ensureFresh();
    return this.decideLocked(batch);
  }

  /** Decides from the view and commits the audit rows in one statement; undefined when the epoch moved. */
  private async decideAtEpoch(batch: PendingCheck[]): Promise<ChangeDecision[] | undefined> {
    const view = await this.viewOf(batch.map((c) => c.ticket));
    const { decisions, effects } = this.decideAll(batch, (key) => view.tickets.get(key));
    const committed = await appendAtEpoch(
      this.s.trail,
      this.s.db,
      view.epoch,
      batch.map((c, i) => this.auditOf(c, decisions[i]!)),
      effects,
    );
    if (!committed) {
      this.view = undefined;
      return undefined;
    }
    // Using a consent moved the epoch: what the view holds is no longer current.
    if (effects.used.length > 0) this.view = undefined;
    return decisions;
  }

  /**
   * The view holding every known ticket of `keys`, reading the missing ones (and the epoch) in one
   * statement. That statement also reads the directory's last change: an engineer's check does not
   * bring the index up to it before it is queued (app.ts), so the view does, and a view is only ever
   * decided with an index at least as new as the directory at its epoch. A held view needs no read:
   * every directory change moves the epoch, so appendAtEpoch refuses a view the directory has left.
   */
  private async viewOf(keys: string[]): Promise<{ epoch: string; tickets: Map<string, TicketView> }> {
    for (;;) {
      const ix = this.s.ix;
      if (this.view && this.view.ix !== ix) this.view = undefined;
      const missing = [...new Set(keys)].filter((k) => ix.ticketsByKey.has(k) && !this.view?.tickets.has(k));
      if (this.view && missing.length === 0) return this.view;
      const read = { ...(await readAtEpoch(this.s.db, ix, missing)), ix };
      if (await this.directoryMoved(read.directory)) continue;
      if (this.view && this.view.epoch === read.epoch && this.view.tickets.size + missing.length <= MAX_VIEW) {
        for (const [k, v] of read.tickets) this.view.tickets.set(k, v);
        return this.view;
      }
      // A new epoch: what the view held is stale. Every ticket of the batch is read in one snapshot.
      const all = [...new Set(keys)].filter((k) => ix.ticketsByKey.has(k));
      const whole = all.length === missing.length ? read : { ...(await readAtEpoch(this.s.db, ix, all)), ix };
      if (whole !== read && (await this.directoryMoved(whole.directory))) continue;
      this.view = whole;
      return this.view;
    }
  }

  /** True (the view must be read again, with the new index) when the directory has a change the index lacks; it is brought up to it first. */
  private async directoryMoved(seq: number): Promise<boolean> {
    if (seq <= this.s.directory.current) return false;
    this.view = undefined;
    await this.s.directory.ensureFresh(seq);
    return true;
  }

  /**
   * Decides a batch in order: a one-time consent the first check used is spent for the ones after
   * it. Returns the decisions and what the allowed ones do besides their rows (the consents they
   * used, the events the ticket's admins get).
   */
  private decideAll(batch: PendingCheck[], viewOf: (key: string) => TicketView | undefined): { decisions: ChangeDecision[]; effects: CheckEffects } {
    const spent = new Set<string>();
    const effects: CheckEffects = { used: [], events: [] };
    const decisions = batch.map((c) => {
      const found = viewOf(c.ticket);
      const ix = found ? withTicket(this.s.ix, found.ticket) : this.s.ix;
      const d = changeAccessDecision(ix, found?.grants ?? [], found?.changes ?? [], c.engineer, c.ticket, c.resource, c.action, c.at, spent);
      if (!found) return d;
      if (actionKind(c.action) !== 'read') {
        // Every change check, allowed or refused, is shown to the ticket's admins as it happens.
        effects.events.push({
          at: c.at,
          type: 'support.change',
          audience: ticketAudience(this.s, found.ticket),
          ticket: c.ticket,
          data: {
            ticket: c.ticket,
            engineer: c.engineer,
            action: c.action,
            resource: c.resource,
            summary: changeWords(c.action!, c.resource),
            change: c.change ?? null,
            allowed: d.allowed,
            reason: d.reason,
            consentId: d.consentId ?? null,
          },
        });
      }
      if (d.allowed && d.consumes && d.consentId) {
        spent.add(d.consentId);
        const consent = found.changes.find((x) => x.id === d.consentId)!;
        const used = applyChangeRequestEvent(consent, { type: 'use', at: c.at });
        effects.used.push(used);
        effects.events.push({
          at: c.at,
          type: 'change_request.changed',
          audience: ticketAudience(this.s, found.ticket),
          ticket: c.ticket,
          data: { action: 'access.change', changeRequest: { ...used, summary: changeWords(used.action, used.resource) } },
        });
      }
      return d;
    });
    return { decisions, effects };
  }

  /** The check's audit row; `known`: the ticket exists (else the row names no ticket). */
  private auditOf(c: PendingCheck, d: ChangeDecision, known = this.s.ix.ticketsByKey.has(c.ticket)): { input: AuditInput; at: string } {
    const kind = actionKind(c.action);
    // A key's check is the key's act (its id as actor, its name and engineer in the detail, which the row's hash covers).
    const byKey = keyAttribution({ kind: 'engineer', id: c.engineer, key: c.key });
    return {
      at: c.at,
      input: {
        actor: byKey?.actor ?? c.engineer,
        actorKind: byKey?.actorKind ?? 'engineer',
        action: CHECK_AUDIT[kind].action,
        ticket: known ? c.ticket : null,
        resource: c.resource,
        outcome: d.allowed ? 'allowed' : 'refused',
        // A read's row stays as it always was; a change's names the action, what it did and the consent.
        detail:
          kind === 'read'
            ? { reason: d.reason, grantId: d.grantId, ...byKey?.detail }
            : { reason: d.reason, grantId: d.grantId, action: c.action, change: c.change, consentId: d.consentId, consumed: d.consumes || undefined, ...byKey?.detail },
      },
    };
  }

  /** The general path: one transaction that reads and appends under the chain lock. */
  private decideLocked(batch: PendingCheck[]): Promise<ChangeDecision[]> {
    return this.s.db.transaction(async (tx) => {
      // A change may use a consent (which moves the epoch): take the epoch before the chain head,
      // in the order every writer takes them, and read what is decided on under it.
      if (batch.some((c) => actionKind(c.action) !== 'read')) await tx.query('SELECT n FROM access_epoch WHERE id = 1 FOR UPDATE');
      const tickets = new Map<string, TicketView | undefined>();
      for (const key of new Set(batch.map((c) => c.ticket))) tickets.set(key, await readTicket(tx, this.s, key));
      const { decisions: out, effects } = this.decideAll(batch, (key) => tickets.get(key));
      await this.s.trail.appendBatch(
        tx,
        batch.map((c, i) => this.auditOf(c, out[i]!, tickets.get(c.ticket) !== undefined)),
      );
      await useConsents(tx, effects);
      return out;
    });
  }
}

/**
 * The access epoch, the directory's last change (`directory`: directory_changes seq, 0 for none)
 * and, read in the same statement (one snapshot), the current state and grants of each ticket of
 * `keys` that the world knows. Unknown keys are left out.
 */
export async function readAtEpoch(q: Queryable, ix: WorldIndex, keys: string[]): Promise<{ epoch: string; directory: number; tickets: Map<string, TicketView> }> {
  const known = keys.filter((k) => ix.ticketsByKey.has(k));
  const [row] = await q.query<{ epoch: string | number; directory: string | number | null; states: string | null; grants: string | null; changes: string | null }>(
    `SELECT (SELECT n FROM access_epoch WHERE id = 1) AS epoch,
            (SELECT max(seq) FROM directory_changes) AS directory,
            (SELECT json_agg(json_build_array(key, status))::text FROM ticket_state WHERE key = ANY($1::text[])) AS states,
            (SELECT json_agg(body ORDER BY created_seq)::text FROM grants WHERE ticket = ANY($1::text[])) AS grants,
            (SELECT json_agg(body ORDER BY created_seq)::text FROM change_requests WHERE ticket = ANY($1::text[])) AS changes`,
    [known],
  );
  const status = new Map(row!.states ? (JSON.parse(row!.states) as [string, string | null][]) : []);
  const grants = new Map<string, Grant[]>(known.map((k) => [k, []]));
  for (const g of row!.grants ? (JSON.parse(row!.grants) as Grant[]) : []) grants.get(g.ticket)?.push(g);
  const changes = new Map<string, ChangeRequest[]>(known.map((k) => [k, []]));
  for (const c of row!.changes ? (JSON.parse(row!.changes) as ChangeRequest[]) : []) changes.get(c.ticket)?.push(c);
  const tickets = new Map<string, TicketView>();
  for (const k of known) {
    const t = ix.ticketsByKey.get(k)!;
    const st = status.get(k);
    // As currentTicket: the database's status, where it has one, overrides the world's.
    tickets.set(k, { ticket: st && st !== t.status ? { ...t, status: st as Ticket['status'] } : t, grants: grants.get(k)!, changes: changes.get(k)! });
  }
  return { epoch: String(row!.epoch), directory: Number(row!.directory ?? 0), tickets };
}

async function readTicket(tx: Queryable, s: { ix: WorldIndex }, key: string): Promise<TicketView | undefined> {
  const t = await currentTicket(tx, s.ix, key);
  return t ? { ticket: t, grants: await grantsOfTicket(tx, key), changes: await changeRequestsOfTicket(tx, key) } : undefined;
}

/**
 * Appends `items` to the audit chain only while the access epoch is `epoch`; false when it had
 * moved (nothing written). Checks that only read (nearly all) go in one statement (appendBatch's
 * guard); a batch with effects (consents used, changes announced) locks the epoch, appends, marks
 * the consents used and records the events in one transaction.
 */
export async function appendAtEpoch(trail: AuditTrail, db: Db, epoch: string, items: { input: AuditInput; at: string }[], effects?: CheckEffects): Promise<boolean> {
  if (!effects || (effects.used.length === 0 && effects.events.length === 0)) return trail.appendBatch(db, items, { guard: { epoch } });
  return db.transaction(async (tx) => {
    const [e] = await tx.query<{ n: string }>('SELECT n::text FROM access_epoch WHERE id = 1 FOR UPDATE');
    if (e?.n !== epoch) return false;
    await trail.appendBatch(tx, items);
    await useConsents(tx, effects);
    return true;
  });
}

/** Marks the consents `effects` used (each exactly once) and records its events, in the caller's transaction. */
async function useConsents(tx: Queryable, effects: CheckEffects): Promise<void> {
  for (const used of effects.used) {
    const rows = await tx.query(`UPDATE change_requests SET state = 'used', version = $2, body = $3 WHERE id = $1 AND state = 'approved' AND version = $4 RETURNING id`, [
      used.id,
      used.version,
      JSON.stringify(used),
      used.version - 1,
    ]);
    if (rows.length !== 1) throw new Error(`consent ${used.id} changed while it was being used`);
  }
  for (const e of effects.events) await recordEvent(tx, e.type, e.audience, e.ticket, e.data, e.at);
}

/**
 * May this engineer do `action` (absent: read) on this resource now? Decided on committed state at
 * every call (never replayed), and every call is audited, allowed or not, with the resource in the
 * canonical form the decision read, the action and, for a change, `change` (what it did, in words).
 * An ambiguous resource is a 400 (audited as a refusal by the write path).
 */
export async function checkAccess(
  s: { ix: WorldIndex; accessChecks: AccessCheckBatcher; now: () => string },
  caller: Caller,
  ticket: string,
  resource: Resource,
  action?: string,
  change?: string,
): Promise<ChangeDecision> {
  if (caller.kind !== 'engineer') throw problem('forbidden', 'Access checks are made with a Support engineer token.');
  // An ambiguous resource throws RuleError, answered 400 by the route-level mapper (problems.ts).
  const decided = canonicalResource(s.ix, ticket, resource);
  return s.accessChecks.submit({
    engineer: caller.id,
    key: caller.key,
    ticket,
    resource: decided,
    ...(action !== undefined && action !== READ_ACTION ? { action } : {}),
    ...(change !== undefined ? { change } : {}),
    at: s.now(),
  });
}
