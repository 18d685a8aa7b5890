// The reviewer's read model of product access requests: who asked, for whom, the person's current
// access, the seat change an approval brings, the bar a denial brings, and the other pending
// requests for the same person that one decision covers.
import { accessRequestKind, barRule, accessRequestPersonKey, mayReviewAccessRequests, normalizeEmail, productName, type AccessRequest, type AccessRequestKind } from '../../core/index';
import type { AccessRequestWire } from '../../api/schemas';
import type { Caller } from '../http/auth';
import type { ServerContext } from '../context';
import type { Queryable } from '../db/index';
import { barsOf, billableSeats, groupMember, groupMembershipsOf } from './repository';
import { problem } from '../http/problems';
import { accessRequestsInState } from '../grants/repository';

export interface AccessRequestFilter {
  sites?: string[];
  products?: string[];
  kinds?: AccessRequestKind[];
}

/** One request as the reviewer and the requester see it. */
export async function accessRequestView(s: ServerContext, q: Queryable, r: AccessRequest, caller?: Caller): Promise<AccessRequestWire> {
  return (await accessRequestViews(s, q, [r], await pendingSiblings(q, s, [r]), caller))[0]!;
}

/** Many at once: seats, group memberships and same-person groups in one read each. */
async function accessRequestViews(s: ServerContext, q: Queryable, rows: AccessRequest[], siblings: Map<string, AccessRequest[]>, caller?: Caller): Promise<AccessRequestWire[]> {
  if (rows.length === 0) return [];
  const seats = await billableSeats(q);
  const members = [...new Set(rows.map((r) => memberOf(s, r)))];
  const held = await groupMembershipsOf(q, members);
  const personKeys = [...new Set(rows.map((r) => accessRequestPersonKey(s.ix, r)))];
  const bars = await barsOf(q, personKeys);
  const heldBy = new Map<string, string[]>();
  for (const h of held) heldBy.set(h.member, [...(heldBy.get(h.member) ?? []), `${h.site}/${h.product}`]);

  return rows.map((r) => {
    const requester = s.ix.usersById.get(r.requestedBy);
    const site = s.ix.sitesById.get(r.site);
    const p = s.ix.productsBySiteKey.get(`${r.site}/${r.product}`);
    const seatsNow = seats.get(`${r.site}/${r.product}`) ?? p?.billableSeats ?? 0;
    const forUser = 'userId' in r.for ? s.ix.usersById.get(r.for.userId) : s.ix.usersByEmail.get(normalizeEmail(r.for.email));
    const member = memberOf(s, r);
    const products = [...new Set([...(forUser?.products ?? []), ...(heldBy.get(member) ?? [])])].sort();
    const hasIt = products.includes(`${r.site}/${r.product}`);
    const group = siblings.get(r.id) ?? [];
    const pending = r.state === 'pending';
    // The same rule the decision enforces: a reviewer of the site who neither asked nor is asked for.
    const denyBars = pending && [r, ...group].some((x) => x.self && !x.requesterOnSite);
    const barredSince = bars.get(accessRequestPersonKey(s.ix, r));
    const mayDecide = pending && caller?.kind === 'admin' && mayReviewAccessRequests(s.ix, caller.id, r.site) && forUser?.id !== caller.id && ![r, ...group].some((x) => x.requestedBy === caller.id);
    return {
      ...r,
      siteUrl: site?.url ?? '',
      productName: productName(r.product, p),
      kind: accessRequestKind(s.ix, r),
      requester: {
        id: r.requestedBy,
        name: requester?.name ?? r.requestedBy,
        email: requester?.email ?? '',
        emailVerified: requester?.emailVerified ?? false,
        onSite: r.requesterOnSite,
        sites: requester?.sites ?? [],
      },
      forUser: forUser ? { id: forUser.id, name: forUser.name, email: forUser.email } : 'email' in r.for ? { email: r.for.email } : undefined,
      person: {
        key: accessRequestPersonKey(s.ix, r),
        name: forUser?.name,
        email: forUser?.email ?? ('email' in r.for ? r.for.email : ''),
        hasAccount: forUser !== undefined,
        emailVerified: forUser?.emailVerified,
        onSite: forUser?.sites.includes(r.site) ?? false,
        sites: (forUser?.sites ?? []).map((id) => ({ id, url: s.ix.sitesById.get(id)?.url ?? '' })),
        products: products.map((key) => {
          const [pSite, pKey] = key.split('/') as [string, string];
          return { site: pSite, siteUrl: s.ix.sitesById.get(pSite)?.url ?? '', product: pKey, productName: productName(pKey, s.ix.productsBySiteKey.get(key)) };
        }),
        hasThisProduct: hasIt,
        barredSince,
      },
      seatsNow,
      seatsAfterApproval: pending && !hasIt ? seatsNow + 1 : seatsNow,
      billable: p?.licensed ?? false,
      mayDecide,
      denyBars,
      ...(denyBars || barredSince ? { barRule: barRule(s.ix.world.organization.name) } : {}),
      samePerson: group.map((x) => ({
        id: x.id,
        requestedBy: x.requestedBy,
        requesterName: s.ix.usersById.get(x.requestedBy)?.name ?? x.requestedBy,
        self: x.self,
        requesterOnSite: x.requesterOnSite,
        createdAt: x.createdAt,
      })),
    };
  });
}

const memberOf = (s: ServerContext, r: AccessRequest): string => {
  const forUser = 'userId' in r.for ? r.for.userId : s.ix.usersByEmail.get(normalizeEmail(r.for.email))?.id;
  return groupMember(forUser ? { userId: forUser } : { email: 'email' in r.for ? r.for.email : '' });
};

/** For each pending request, the other pending requests for the same person, site and product. */
async function pendingSiblings(q: Queryable, s: ServerContext, rows: AccessRequest[]): Promise<Map<string, AccessRequest[]>> {
  const pending = rows.filter((r) => r.state === 'pending');
  const out = new Map<string, AccessRequest[]>();
  if (pending.length === 0) return out;
  const all = await accessRequestsInState(q, ['pending']);
  const byGroup = new Map<string, AccessRequest[]>();
  const groupKey = (r: AccessRequest) => `${accessRequestPersonKey(s.ix, r)}\u0000${r.site}\u0000${r.product}`;
  for (const r of all) byGroup.set(groupKey(r), [...(byGroup.get(groupKey(r)) ?? []), r]);
  for (const r of pending)
    out.set(
      r.id,
      (byGroup.get(groupKey(r)) ?? []).filter((x) => x.id !== r.id),
    );
  return out;
}

/** Requests the caller reviews (org admins; site / user-access admins of the site) or made, filtered. */
export async function reviewableAccessRequests(s: ServerContext, caller: Caller, states: string[], filter: AccessRequestFilter = {}): Promise<AccessRequestWire[]> {
  if (caller.kind !== 'admin') throw problem('forbidden', 'Only reviewers list product access requests.');
  const rows = (await accessRequestsInState(s.db, states)).filter(
    (r) =>
      (r.requestedBy === caller.id || mayReviewAccessRequests(s.ix, caller.id, r.site)) &&
      (!filter.sites?.length || filter.sites.includes(r.site)) &&
      (!filter.products?.length || filter.products.includes(r.product)) &&
      (!filter.kinds?.length || filter.kinds.includes(accessRequestKind(s.ix, r))),
  );
  return accessRequestViews(s, s.db, rows, await pendingSiblings(s.db, s, rows), caller);
}
