// Product access requests (DESIGN §2.4): who may ask for whom, who reviews, and what a decision does.
import type { WorldIndex } from './index-world';
import { isEmailAddress, normalizeEmail } from './email';
import { MAX_MESSAGE_LENGTH } from './limits';
import { reviewsAccessRequests } from './roles';
import { productName, productOnSite, siteLabel } from './scope';
import { RuleError, type AccessRequest, type AccessRequestTarget } from './types';

/**
 * `for` is the target as it is stored: a known user's email becomes `{userId}`, so self-review
 * checks and group membership see the same person however the requester named them.
 */
export type AccessRequestVerdict = { ok: true; self: boolean; requesterOnSite: boolean; for: AccessRequestTarget } | { ok: false; code: string; message: string };

/**
 * A standing bar on a requester: the denied self-request (of a person not on the site) behind it.
 * Its scope is the whole org, as DESIGN §2.4 says "bars them from requesting again" without a
 * qualifier: the person is an outsider to every site of the org, and a bar that covered one site
 * or one product would let them send the same unwanted request to the next site's admins.
 */
export interface AccessRequestBar {
  at: string;
  site?: string;
  product?: string;
}

export const MAX_DENY_MESSAGE = MAX_MESSAGE_LENGTH;

const no = (code: string, message: string): AccessRequestVerdict => ({ ok: false, code, message });

/** `target` undefined means "for myself". `bar` is the requester's standing bar, if any. */
export function accessRequestPolicy(
  ix: WorldIndex,
  requesterId: string,
  site: string,
  product: string,
  target: AccessRequestTarget | undefined,
  bar: AccessRequestBar | undefined,
): AccessRequestVerdict {
  const requester = ix.usersById.get(requesterId);
  if (!requester) return no('no_account', 'Only someone with an account can request product access.');
  const siteRec = ix.sitesById.get(site);
  if (!siteRec) return no('unknown_site', `No site "${site}".`);
  const p = ix.productsBySiteKey.get(`${site}/${product}`);
  if (!p) return no('unknown_product', `No product "${product}" on ${siteLabel(siteRec, site)}.`);
  const name = `${productName(product, p)} on ${siteLabel(siteRec, site)}`;
  if (!p.licensed) return no('product_unlicensed', `${name} is not licensed.`);

  const requesterOnSite = requester.sites.includes(site);
  let forUserId: string | undefined;
  let newcomerEmail: string | undefined;
  if (target === undefined) forUserId = requester.id;
  else if ('userId' in target) {
    if (!ix.usersById.has(target.userId)) return no('unknown_user', `No user "${target.userId}".`);
    forUserId = target.userId;
  } else {
    const email = normalizeEmail(target.email);
    if (!isEmailAddress(email)) return no('invalid_email', `"${target.email}" is not an email address.`);
    forUserId = ix.usersByEmail.get(email)?.id;
    if (forUserId === undefined) newcomerEmail = email;
    if (forUserId === undefined && !requesterOnSite) return no('not_on_site_others', 'People not on the site may request access only for themselves.');
  }
  const self = forUserId === requester.id;

  if (bar) return no('barred', barredMessage(ix, bar));
  if (!requesterOnSite) {
    if (!self) return no('not_on_site_others', 'People not on the site may request access only for themselves.');
    if (!requester.emailVerified) return no('email_unverified', 'Verify your email address before requesting access.');
  }
  const forUser = forUserId === undefined ? undefined : ix.usersById.get(forUserId);
  if (forUser?.products?.includes(`${site}/${product}`)) {
    return no('already_has_access', `${self ? 'You already have' : `${forUser.name} already has`} access to ${name}.`);
  }
  return { ok: true, self, requesterOnSite, for: forUserId !== undefined ? { userId: forUserId } : { email: newcomerEmail! } };
}

/**
 * The bar, in the one sentence every surface uses (the reviewer before and after denying, the
 * requester, API clients): a denied self-request from a person not on the site bars that person
 * from requesting product access anywhere in the org (`org`: the organization's name).
 */
export function barRule(org: string): string {
  return `Denying a request that someone outside the site made for themself bars that person from requesting product access anywhere in ${org}.`;
}

/** Names the denied request that caused the bar, not the product being asked for now; then the rule. */
function barredMessage(ix: WorldIndex, bar: AccessRequestBar): string {
  const what = bar.site && bar.product ? productOnSite(ix, bar.site, bar.product) : 'product access';
  return `Your request for ${what} was denied on ${bar.at.slice(0, 10)}. ${barRule(ix.world.organization.name)} Ask an admin of the org if this is a mistake.`;
}

/** The person a request is for, as a user id when they have an account (older rows may hold an email). */
export function accessRequestSubject(ix: WorldIndex, req: AccessRequest): string | undefined {
  return 'userId' in req.for ? req.for.userId : ix.usersByEmail.get(normalizeEmail(req.for.email))?.id;
}

/**
 * The one key of the person a request is for: their normalized email (a user's from the world,
 * a newcomer's as asked). Pending requests are unique per person, requester, site and product, and
 * a decision covers every pending request for the same person, site and product.
 */
export function accessRequestPersonKey(ix: WorldIndex, req: Pick<AccessRequest, 'for'>): string {
  if ('email' in req.for) return normalizeEmail(req.for.email);
  const u = ix.usersById.get(req.for.userId);
  return u ? normalizeEmail(u.email) : `user:${req.for.userId}`;
}

/** What kind of ask this is, for the reviewer's filters and wording. */
export type AccessRequestKind = 'self_on_site' | 'self_off_site' | 'teammate' | 'new_person';

export function accessRequestKind(ix: WorldIndex, req: Pick<AccessRequest, 'for' | 'self' | 'requesterOnSite'>): AccessRequestKind {
  if (req.self) return req.requesterOnSite ? 'self_on_site' : 'self_off_site';
  return 'userId' in req.for || ix.usersByEmail.has(normalizeEmail(req.for.email)) ? 'teammate' : 'new_person';
}

export function mayReviewAccessRequests(ix: WorldIndex, userId: string, site: string): boolean {
  return (ix.rolesByUser.get(userId) ?? []).some((r) => reviewsAccessRequests(r, site));
}

/** Org admins, and the site admins (original) or user-access admins (centralized) of the site. */
export function accessRequestReviewers(ix: WorldIndex, site: string): string[] {
  const ids = new Set<string>();
  for (const h of [...ix.orgAdmins, ...(ix.siteAdminsBySite.get(site) ?? [])]) ids.add(h.userId);
  return [...ids].sort();
}

export interface ApproveEffect {
  /** Who joins the product's default group: a known user, or a newcomer by email. */
  addGroup: { site: string; product: string; group: string; userId?: string; email?: string };
  /** The product's billable seats once this person is added. */
  seatsAfter: number;
}

export function approveAccessRequestEffect(ix: WorldIndex, req: AccessRequest, seatsNow?: number): ApproveEffect {
  const p = ix.productsBySiteKey.get(`${req.site}/${req.product}`);
  if (!p) throw new RuleError('unknown_product', `No product "${req.product}" on "${req.site}".`);
  const userId = accessRequestSubject(ix, req);
  const who = userId !== undefined ? { userId } : { email: normalizeEmail('email' in req.for ? req.for.email : '') };
  return { addGroup: { site: req.site, product: req.product, group: p.defaultGroup, ...who }, seatsAfter: (seatsNow ?? p.billableSeats) + 1 };
}

export interface DenyEffect {
  /** Set when a person not on the site asked for themselves: they may not request again. */
  barEmail?: string;
  message?: string;
}

export function denyAccessRequestEffect(ix: WorldIndex, req: AccessRequest, message?: string): DenyEffect {
  const text = message?.trim();
  if (text && text.length > MAX_DENY_MESSAGE) throw new RuleError('message_too_long', `Keep the message under ${MAX_DENY_MESSAGE} characters.`);
  const effect: DenyEffect = {};
  if (req.self && !req.requesterOnSite) {
    const email = ix.usersById.get(req.requestedBy)?.email;
    if (email) effect.barEmail = normalizeEmail(email);
  }
  if (text) effect.message = text;
  return effect;
}

/** pending → approved | denied, by a reviewer of the site who is not the one asking. */
export function decideAccessRequest(ix: WorldIndex, req: AccessRequest, decision: 'approve' | 'deny', by: string, at: string, message?: string): AccessRequest {
  if (req.state !== 'pending') throw new RuleError('illegal_transition', `Access request ${req.id} is already ${req.state}.`);
  if (!mayReviewAccessRequests(ix, by, req.site)) throw new RuleError('not_reviewer', 'Only org admins and admins of the site review its access requests.');
  const forSelf = accessRequestSubject(ix, req) === by;
  if (req.requestedBy === by || forSelf) throw new RuleError('self_review', 'Someone else must review a request you made or that is for you.');
  const text = message?.trim();
  if (text && text.length > MAX_DENY_MESSAGE) throw new RuleError('message_too_long', `Keep the message under ${MAX_DENY_MESSAGE} characters.`);
  const next: AccessRequest = { ...req, state: decision === 'approve' ? 'approved' : 'denied', decidedBy: by, decidedAt: at, version: req.version + 1 };
  if (text && decision === 'deny') next.message = text;
  return next;
}
