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
  type AccessRequestTarget,
  type Resource,
} from '../core/index';
import type { Caller } from './auth';
import { appendAudit } from './audit';
import type { ServerContext } from './context';
import { recordEvent } from './events';
import { checkIfMatch, etagOf } from './grants-service';
import { problem } from './problems';
import { accessRequestById, barredEmails, currentTicket, currentUser, grantsOfTicket, newId, saveAccessRequest, seatsNow, withTicket, withUser } from './store';

/** May this engineer read this resource now? Every call is audited, allowed or not. */
export async function checkAccess(s: ServerContext, caller: Caller, ticket: string, resource: Resource): Promise<AccessDecision> {
  if (caller.kind !== 'engineer') throw problem('forbidden', 'Access checks are made with a Support engineer token.');
  const at = s.now();
  return s.db.transaction(async (tx) => {
    const t = await currentTicket(tx, s.ix, ticket);
    const ix = t ? withTicket(s.ix, t) : s.ix;
    const d = engineerAccessDecision(ix, t ? await grantsOfTicket(tx, ticket) : [], caller.id, ticket, resource);
    await appendAudit(tx, { actor: caller.id, actorKind: 'engineer', action: 'access.check', ticket: t ? ticket : null, resource, outcome: d.allowed ? 'allowed' : 'refused', detail: { reason: d.reason, grantId: d.grantId } }, at);
    return d;
  });
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
    const verdict = accessRequestPolicy(ix, caller.id, site, product, target, await barredEmails(tx, requester.email));
    if (!verdict.ok) {
      await appendAudit(tx, { actor: caller.id, actorKind: 'admin', action: 'access_request.create', resource: { type: 'product', site, product }, outcome: 'refused', detail: { code: verdict.code } }, at);
      return { refused: verdict };
    }
    const req: AccessRequest = {
      id: newId('ar'),
      site,
      product,
      requestedBy: caller.id,
      for: target === undefined ? { userId: caller.id } : 'userId' in target ? { userId: target.userId } : { email: target.email.trim().toLowerCase() },
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
      const seats = await seatsNow(tx, s.ix, req.site, req.product);
      const eff = approveAccessRequestEffect(s.ix, req, seats);
      const member = eff.addGroup.userId ?? `email:${eff.addGroup.email}`;
      await tx.query('INSERT INTO group_members (site, product, member, grp) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [req.site, req.product, member, eff.addGroup.group]);
      await tx.query('INSERT INTO seats (site, product, billable) VALUES ($1, $2, $3) ON CONFLICT (site, product) DO UPDATE SET billable = EXCLUDED.billable', [req.site, req.product, eff.seatsAfter]);
      Object.assign(detail, { group: eff.addGroup.group, seatsAfter: eff.seatsAfter });
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
