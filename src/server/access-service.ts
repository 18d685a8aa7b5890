// Support's enforcement point, "ask an admin", and product access requests (DESIGN §2.4).
import {
  accessRequestPolicy,
  accessRequestReviewers,
  approveAccessRequestEffect,
  decideAccessRequest,
  denyAccessRequestEffect,
  engineerAccessDecision,
  qualifiedAdmins,
  RuleError,
  type AccessDecision,
  type AccessRequest,
  type AccessRequestBar,
  type AccessRequestTarget,
  type Grant,
  type Resource,
  type WorldIndex,
} from '../core/index';
import type { Caller } from './auth';
import { appendAudit, appendAuditBatch } from './audit';
import type { ServerContext } from './context';
import { DbUnavailable, type Queryable } from './db/index';
import { recordEvent } from './events';
import { checkIfMatch, etagOf } from './grants-service';
import { problem } from './problems';
import { accessRequestById, currentTicket, currentUser, grantsOfTicket, newId, saveAccessRequest, seatsNow, withTicket, withUser } from './store';

/** May this engineer read this resource now? Every call is audited, allowed or not. */
export async function checkAccess(s: ServerContext, caller: Caller, ticket: string, resource: Resource): Promise<AccessDecision> {
  if (caller.kind !== 'engineer') throw problem('forbidden', 'Access checks are made with a Support engineer token.');
  let batcher = batchers.get(s);
  if (!batcher) batchers.set(s, (batcher = new AccessCheckBatcher(s)));
  return batcher.submit({ engineer: caller.id, ticket, resource, at: s.now() });
}

interface PendingCheck {
  engineer: string;
  ticket: string;
  resource: Resource;
  at: string;
  resolve: (d: AccessDecision) => void;
  reject: (e: unknown) => void;
}

const batchers = new WeakMap<ServerContext, AccessCheckBatcher>();
const MAX_BATCH = 256;

/**
 * Group commit for the enforcement point. Checks that arrive while a transaction is running wait
 * for the next one; each transaction decides every waiting check on what is committed when it
 * starts (so a revoke acknowledged before a check was sent always refuses it) and appends all
 * their audit rows under one chain lock. An answer leaves only after its audit row commits.
 */
class AccessCheckBatcher {
  private queue: PendingCheck[] = [];
  private running = false;
  constructor(private readonly s: ServerContext) {}

  submit(c: Omit<PendingCheck, 'resolve' | 'reject'>): Promise<AccessDecision> {
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
          // One item the store cannot hold must not fail the checks that happened to share its
          // transaction: decide each alone. A database that is down fails them all at once.
          if (batch.length === 1 || e instanceof DbUnavailable) for (const c of batch) c.reject(e);
          else for (const c of batch) await this.decide([c]).then(([d]) => c.resolve(d!), c.reject);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private decide(batch: PendingCheck[]): Promise<AccessDecision[]> {
    return this.s.db.transaction(async (tx) => {
      const tickets = new Map<string, Promise<{ ix: WorldIndex; grants: Grant[] } | undefined>>();
      const load = (key: string) => {
        let p = tickets.get(key);
        if (!p) {
          p = (async () => {
            const t = await currentTicket(tx, this.s.ix, key);
            return t ? { ix: withTicket(this.s.ix, t), grants: await grantsOfTicket(tx, key) } : undefined;
          })();
          tickets.set(key, p);
        }
        return p;
      };
      const out: AccessDecision[] = [];
      for (const c of batch) {
        const found = await load(c.ticket);
        out.push(engineerAccessDecision(found?.ix ?? this.s.ix, found?.grants ?? [], c.engineer, c.ticket, c.resource));
      }
      await appendAuditBatch(
        tx,
        batch.map((c, i) => {
          const d = out[i]!;
          const known = this.s.ix.ticketsByKey.has(c.ticket);
          return { at: c.at, input: { actor: c.engineer, actorKind: 'engineer' as const, action: 'access.check', ticket: known ? c.ticket : null, resource: c.resource, outcome: d.allowed ? ('allowed' as const) : ('refused' as const), detail: { reason: d.reason, grantId: d.grantId } } };
        }),
      );
      return out;
    });
  }
}

export async function askAdmin(s: ServerContext, caller: Caller, key: string, adminId: string, message?: string): Promise<{ id: string; ticket: string; adminId: string; createdAt: string }> {
  if (caller.kind !== 'admin') throw problem('forbidden', 'Only admins of the customer org ask another admin to grant.');
  const at = s.now();
  return s.db.transaction(async (tx) => {
    const t = await currentTicket(tx, s.ix, key);
    if (!t) throw problem('not-found', `No ticket "${key}".`);
    const admins = qualifiedAdmins(withTicket(s.ix, t), key);
    if (!admins.some((a) => a.userId === adminId)) throw problem('request-refused', `${adminId} cannot grant data access for ${key}; ask one of the listed admins.`, { code: 'not_qualified' });
    if (adminId === caller.id) throw problem('request-refused', 'You cannot ask yourself.', { code: 'self_ask' });
    const id = newId('ask');
    const text = message?.trim() || null;
    await tx.query('INSERT INTO asks (id, ticket, admin_id, from_id, message, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [id, key, adminId, caller.id, text, at]);
    await appendAudit(tx, { actor: caller.id, actorKind: 'admin', action: 'grant.ask', ticket: key, resource: { type: 'admin', id: adminId }, outcome: 'done' }, at);
    await recordEvent(tx, 'ask.created', [adminId], key, { id, ticket: key, from: caller.id, message: text }, at);
    return { id, ticket: key, adminId, createdAt: at };
  });
}

// ---- product access requests ----

export async function createAccessRequest(s: ServerContext, caller: Caller, site: string, product: string, target?: AccessRequestTarget): Promise<AccessRequest> {
  if (caller.kind !== 'admin') throw problem('forbidden', 'Product access is requested by users of the org.');
  const at = s.now();
  const requester = s.ix.usersById.get(caller.id)!;
  const out = await s.db.transaction(async (tx) => {
    let ix = s.ix;
    const forId = target === undefined ? caller.id : 'userId' in target ? target.userId : s.ix.usersByEmail.get(target.email.trim().toLowerCase())?.id;
    const forUser = forId ? await currentUser(tx, s.ix, forId) : undefined;
    if (forUser) ix = withUser(ix, forUser);
    const verdict = accessRequestPolicy(ix, caller.id, site, product, target, await standingBar(tx, requester.email));
    if (!verdict.ok) {
      await appendAudit(tx, { actor: caller.id, actorKind: 'admin', action: 'access_request.create', resource: { type: 'product', site, product }, outcome: 'refused', detail: { code: verdict.code } }, at);
      return { refused: verdict };
    }
    const req: AccessRequest = {
      id: newId('ar'),
      site,
      product,
      requestedBy: caller.id,
      for: verdict.for,
      self: verdict.self,
      requesterOnSite: verdict.requesterOnSite,
      state: 'pending',
      createdAt: at,
      version: 1,
    };
    await saveAccessRequest(tx, req);
    await appendAudit(tx, { actor: caller.id, actorKind: 'admin', action: 'access_request.create', resource: { type: 'access_request', id: req.id, site, product }, outcome: 'done' }, at);
    await recordEvent(tx, 'access_request.changed', accessRequestReviewers(s.ix, site).filter((u) => u !== caller.id), null, { request: req }, at);
    return { req };
  });
  if ('refused' in out) {
    const v = out.refused as { code: string; message: string };
    throw problem(v.code === 'unknown_site' || v.code === 'unknown_product' ? 'not-found' : 'request-refused', v.message, { code: v.code });
  }
  return out.req;
}

export async function decideAccessRequestById(s: ServerContext, caller: Caller, id: string, decision: 'approve' | 'deny', message: string | undefined, ifMatch?: string): Promise<AccessRequest> {
  if (caller.kind !== 'admin') throw problem('forbidden', 'Only reviewers decide product access requests.');
  const at = s.now();
  return s.db.transaction(async (tx) => {
    const req = await accessRequestById(tx, id, true);
    if (!req) throw problem('not-found', `No access request "${id}".`);
    checkIfMatch(ifMatch, etagOf('access-request', req.id, req.version));
    let next: AccessRequest;
    try {
      next = decideAccessRequest(s.ix, req, decision, caller.id, at, message);
    } catch (e) {
      if (e instanceof RuleError) {
        if (e.code === 'illegal_transition') throw problem('illegal-transition', e.message);
        if (e.code === 'not_reviewer' || e.code === 'self_review') throw problem('forbidden', e.message, { code: e.code });
        throw problem('request-refused', e.message, { code: e.code });
      }
      throw e;
    }
    const detail: Record<string, unknown> = {};
    if (decision === 'approve') {
      const eff = approveAccessRequestEffect(s.ix, req);
      const member = eff.addGroup.userId ?? `email:${eff.addGroup.email}`;
      const joined = await tx.query('INSERT INTO group_members (site, product, member, grp) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING member', [req.site, req.product, member, eff.addGroup.group]);
      // Only a new member is a new seat, and the count is raised in place: approvals of other
      // requests for the product commit concurrently, so a value read earlier may be stale.
      const seatsAfter = joined.length === 0 ? await seatsNow(tx, s.ix, req.site, req.product) : await addSeat(tx, req.site, req.product, eff.seatsAfter);
      Object.assign(detail, { group: eff.addGroup.group, seatsAfter, ...(joined.length === 0 ? { alreadyMember: true } : {}) });
    } else {
      const eff = denyAccessRequestEffect(s.ix, req, message);
      if (eff.barEmail) {
        await tx.query('INSERT INTO barred_emails (email, at, request_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [eff.barEmail, at, req.id]);
        detail.barred = true;
      }
    }
    await saveAccessRequest(tx, next);
    await appendAudit(tx, { actor: caller.id, actorKind: 'admin', action: `access_request.${decision}`, resource: { type: 'access_request', id: req.id, site: req.site, product: req.product }, outcome: 'done', detail }, at);
    await recordEvent(tx, 'access_request.changed', [...accessRequestReviewers(s.ix, req.site), req.requestedBy], null, { request: next }, at);
    return next;
  });
}

/** +1 billable seat, atomically; `firstValue` is the world's count + 1 for a product's first approval. */
async function addSeat(q: Queryable, site: string, product: string, firstValue: number): Promise<number> {
  const [row] = await q.query<{ billable: number | string }>(
    'INSERT INTO seats (site, product, billable) VALUES ($1, $2, $3) ON CONFLICT (site, product) DO UPDATE SET billable = seats.billable + 1 RETURNING billable',
    [site, product, firstValue],
  );
  return Number(row!.billable);
}

/** The requester's bar, with the denied request behind it so the refusal can name it. */
export async function standingBar(q: Queryable, email: string): Promise<AccessRequestBar | undefined> {
  const [row] = await q.query<{ at: string; site: string | null; product: string | null }>(
    'SELECT b.at, r.site, r.product FROM barred_emails b LEFT JOIN access_requests r ON r.id = b.request_id WHERE b.email = $1',
    [email.toLowerCase()],
  );
  return row ? { at: row.at, site: row.site ?? undefined, product: row.product ?? undefined } : undefined;
}
