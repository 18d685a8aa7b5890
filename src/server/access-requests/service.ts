// Product access requests (DESIGN §2.4): asked for, and decided by the site's reviewers.
import {
  accessRequestPolicy,
  accessRequestReviewers,
  approveAccessRequestEffect,
  decideAccessRequest,
  denyAccessRequestEffect,
  accessRequestPersonKey,
  isEmailAddress,
  normalizeEmail,
  productOnSite,
  type AccessRequest,
  type AccessRequestTarget,
  type WorldIndex,
} from '../../core/index';
import type { Caller } from '../http/auth';
import type { ServerContext } from '../context';
import { recordEvent } from '../inbox/events';
import { checkIfMatch, etagOf } from '../grants/service';
import { problem } from '../http/problems';
import { accessRequestById, currentUser, newId, saveAccessRequest, withUser } from '../grants/repository';
import {
  addGroupMember,
  addSeat,
  barEmailAddress,
  hasProduct,
  insertPendingAccessRequest,
  lockAccessRequestPerson,
  pendingAccessRequestOf,
  pendingForPerson,
  personKeyOf,
  standingBar,
} from './repository';

/**
 * Asks for product access. While the same requester's request for the same person, site and
 * product is pending, that request is returned (`created: false`) instead of a second one.
 */
export async function createAccessRequest(s: ServerContext, caller: Caller, site: string, product: string, target?: AccessRequestTarget): Promise<{ request: AccessRequest; created: boolean }> {
  if (caller.kind !== 'admin') throw problem('forbidden', 'Product access is requested by users of the org.');
  const at = s.now();
  const requester = s.ix.usersById.get(caller.id)!;
  return s.db.transaction(async (tx) => {
    let ix = s.ix;
    const forId = target === undefined ? caller.id : 'userId' in target ? target.userId : s.ix.usersByEmail.get(normalizeEmail(target.email))?.id;
    const personKey = targetPersonKey(s.ix, requester.email, target);
    // Lock only for a real product and person: a hostile caller must not grow the lock table.
    if (personKey && s.ix.productsBySiteKey.has(`${site}/${product}`)) {
      await lockAccessRequestPerson(tx, personKey, site, product);
      const mine = await pendingAccessRequestOf(tx, personKey, caller.id, site, product);
      if (mine) return { request: mine, created: false };
    }
    const forUser = forId ? await currentUser(tx, s.ix, forId) : undefined;
    if (forUser) ix = withUser(ix, forUser);
    let verdict = accessRequestPolicy(ix, caller.id, site, product, target, await standingBar(tx, requester.email));
    if (verdict.ok && 'email' in verdict.for && (await hasProduct(tx, s.ix, site, product, verdict.for))) {
      verdict = {
        ok: false,
        code: 'already_has_access',
        message: `${verdict.for.email} already has access to ${productOnSite(s.ix, site, product)}.`,
      };
    }
    // Refusals are audited by the write path (refusals.ts), like every route's.
    if (!verdict.ok) throw problem(verdict.code === 'unknown_site' || verdict.code === 'unknown_product' ? 'not-found' : 'request-refused', verdict.message, { code: verdict.code });
    const fresh: AccessRequest = {
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
    const saved = await insertPendingAccessRequest(tx, fresh, accessRequestPersonKey(s.ix, fresh));
    if (!saved.created) return saved;
    await s.trail.append(tx, { actor: caller.id, actorKind: 'admin', action: 'access_request.create', resource: { type: 'access_request', id: fresh.id, site, product }, outcome: 'done' }, at);
    await recordEvent(
      tx,
      'access_request.changed',
      accessRequestReviewers(s.ix, site).filter((u) => u !== caller.id),
      null,
      { request: fresh },
      at,
    );
    return saved;
  });
}

/** The person key a request would get, before the policy has run (undefined: no such person). */
function targetPersonKey(ix: WorldIndex, requesterEmail: string, target: AccessRequestTarget | undefined): string | undefined {
  if (target === undefined) return normalizeEmail(requesterEmail);
  if ('userId' in target) {
    const u = ix.usersById.get(target.userId);
    return u ? normalizeEmail(u.email) : undefined;
  }
  const email = normalizeEmail(target.email);
  return isEmailAddress(email) ? email : undefined;
}

/**
 * Decides a request and, with it, every other pending request for the same person, site and
 * product (asked by someone else): one decision about one person's access, so they can never end
 * up approved by one request and barred by another. Denying bars the person when any of those
 * was their own request from outside the site.
 */
export async function decideAccessRequestById(s: ServerContext, caller: Caller, id: string, decision: 'approve' | 'deny', message: string | undefined, ifMatch?: string): Promise<AccessRequest> {
  if (caller.kind !== 'admin') throw problem('forbidden', 'Only reviewers decide product access requests.');
  const at = s.now();
  return s.db.transaction(async (tx) => {
    const seen = await accessRequestById(tx, id);
    if (!seen) throw problem('not-found', `No access request "${id}".`);
    const personKey = (await personKeyOf(tx, id)) ?? accessRequestPersonKey(s.ix, seen);
    await lockAccessRequestPerson(tx, personKey, seen.site, seen.product);
    const req = (await accessRequestById(tx, id, true))!;
    checkIfMatch(ifMatch, etagOf('access-request', req.id, req.version));
    const siblings = req.state === 'pending' ? (await pendingForPerson(tx, personKey, req.site, req.product, true)).filter((r) => r.id !== req.id) : [];
    // A rule's refusal (RuleError) rolls this back and is answered by the route-level mapper.
    const next = decideAccessRequest(s.ix, req, decision, caller.id, at, message);
    const nextSiblings = siblings.map((r) => ({ ...decideAccessRequest(s.ix, r, decision, caller.id, at, message), decidedWith: req.id }));
    const detail: Record<string, unknown> = {};
    if (decision === 'approve') {
      const eff = approveAccessRequestEffect(s.ix, req);
      if (await hasProduct(tx, s.ix, req.site, req.product, eff.addGroup)) {
        const who = eff.addGroup.userId ? (s.ix.usersById.get(eff.addGroup.userId)?.name ?? eff.addGroup.userId) : eff.addGroup.email;
        throw problem('conflict', `${who} already has ${productOnSite(s.ix, req.site, req.product)}: approving would not change their access, so deny the request or leave it.`, {
          code: 'already_has_access',
        });
      }
      await addGroupMember(tx, req.site, req.product, eff.addGroup);
      // The count is raised in place: approvals for other people commit concurrently, so a value
      // read earlier may be stale.
      Object.assign(detail, { group: eff.addGroup.group, seatsAfter: await addSeat(tx, req.site, req.product, eff.seatsAfter) });
    } else {
      const barEmail = [req, ...siblings].map((r) => denyAccessRequestEffect(s.ix, r, message).barEmail).find(Boolean);
      if (barEmail) {
        const barring = [req, ...siblings].find((r) => r.self && !r.requesterOnSite)!;
        await barEmailAddress(tx, barEmail, at, barring.id);
        detail.barred = true;
      }
    }
    if (siblings.length) detail.alsoDecided = siblings.map((r) => r.id);
    for (const r of [next, ...nextSiblings]) await saveAccessRequest(tx, r);
    await s.trail.append(
      tx,
      { actor: caller.id, actorKind: 'admin', action: `access_request.${decision}`, resource: { type: 'access_request', id: req.id, site: req.site, product: req.product }, outcome: 'done', detail },
      at,
    );
    for (const r of nextSiblings) {
      await s.trail.append(
        tx,
        {
          actor: caller.id,
          actorKind: 'admin',
          action: `access_request.${decision}`,
          resource: { type: 'access_request', id: r.id, site: r.site, product: r.product },
          outcome: 'done',
          detail: { decidedWith: req.id },
        },
        at,
      );
    }
    for (const r of [next, ...nextSiblings]) await recordEvent(tx, 'access_request.changed', [...accessRequestReviewers(s.ix, r.site), r.requestedBy], null, { request: r }, at);
    return next;
  });
}
