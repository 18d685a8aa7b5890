// Read models: who am I, tickets, visible grants, outstanding Support requests, access request
// listing with requester details, and the inbox of everything waiting on the caller.
import {
  accessRequestPersonKey,
  accessRequestReviewers,
  accessRequestSubject,
  changeWords,
  consentEligibility,
  grantEligibility,
  mayDecideGuard,
  mayReadTicket,
  productName,
  qualifiedAdmins,
  siteLabel,
  type AccessRequest,
  type Grant,
  type Ticket,
} from '../core/index';
import type { InboxItemWire, MeWire, SupportRequestWire, TicketWire } from '../api/schemas';
import type { Caller } from './auth';
import type { ServerContext } from './context';
import type { Queryable } from './db/index';
import { openAsksFor } from './asks-store';
import { changeRequestsInStates } from './change-requests-store';
import { ticketAudience } from './grants-service';
import { problem } from './problems';
import { accessRequestsInState, currentTicket, currentTickets, grantsInStates, grantsOfEngineer, withTicket } from './store';

export function me(s: ServerContext, caller: Caller): MeWire {
  const org = s.ix.world.organization;
  const orgWire = { id: org.id, name: org.name, userManagement: org.userManagement };
  if (caller.kind === 'engineer') {
    const e = s.ix.engineersById.get(caller.id)!;
    return { kind: 'engineer', id: e.id, name: e.name ?? e.email, email: e.email, org: orgWire, roles: [], sites: [] };
  }
  const u = s.ix.usersById.get(caller.id)!;
  const roles = (s.ix.rolesByUser.get(u.id) ?? []).map(({ role, site, product, products, pendingSync }) => ({ role, site, product, products, pendingSync }));
  const orgWide = roles.some((r) => r.role === 'org_admin');
  const siteIds = new Set(orgWide ? s.ix.world.sites.map((x) => x.id) : [...u.sites, ...roles.map((r) => r.site).filter((x): x is string => !!x)]);
  const sites = s.ix.world.sites.filter((x) => siteIds.has(x.id)).map(({ id, url, status }) => ({ id, url, status }));
  return { kind: 'admin', id: u.id, name: u.name, email: u.email, org: orgWire, roles, sites };
}

export const isAdmin = (s: ServerContext, caller: Caller): boolean => caller.kind === 'admin' && (s.ix.rolesByUser.get(caller.id)?.length ?? 0) > 0;
export const isOrgAdmin = (s: ServerContext, caller: Caller): boolean => caller.kind === 'admin' && s.ix.orgAdmins.some((h) => h.userId === caller.id);
/** The audit log, its checkpoints and stream: org admins, and API keys with the audit_read scope. */
export const mayReadAudit = (s: ServerContext, caller: Caller): boolean => (caller.kind === 'key' ? caller.key.scopes.includes('audit_read') : isOrgAdmin(s, caller));

/**
 * The ticket, if the caller has a stake in it (core's ticketStake: org admins, admins who could
 * grant, the reporter, Guard admins of a restricted site, the assigned engineer). An org user
 * without a stake gets 403 (eligibility already tells any org user the ticket exists); an engineer
 * gets 404 for tickets not assigned to them, as for unknown ones.
 */
export async function readableTicket(s: ServerContext, q: Queryable, caller: Caller, key: string): Promise<Ticket> {
  if (caller.kind === 'key') throw problem('forbidden', 'Tickets are not read with an API key.');
  const t = await currentTicket(q, s.ix, key);
  if (!t || (caller.kind === 'engineer' && t.engineer !== caller.id)) throw problem('not-found', `No ticket "${key}" that you can see.`);
  if (!mayReadTicket(s.ix, t, caller))
    throw problem('forbidden', `Ticket ${key}'s grants and Support activity are shown to its reporter, org admins, the admins who can grant for it and, on a Guard-restricted site, Guard admins.`, {
      code: 'no_stake',
    });
  return t;
}

/** A grant is read by its engineer, by whoever decided on it, and by those with a stake in its ticket. */
export async function mayReadGrant(s: ServerContext, caller: Caller, g: Grant): Promise<boolean> {
  if (caller.kind === 'engineer') return g.engineer === caller.id;
  if (caller.kind === 'key') return false;
  if ([g.grantedBy, g.revokedBy, g.guardDecidedBy].includes(caller.id)) return true;
  const t = await currentTicket(s.db, s.ix, g.ticket);
  return !!t && mayReadTicket(s.ix, t, caller);
}

export function ticketWire(s: ServerContext, t: Ticket): TicketWire {
  const site = s.ix.sitesById.get(t.site);
  return {
    key: t.key,
    title: t.title ?? t.key,
    site: t.site,
    siteUrl: site?.url ?? '',
    product: t.product,
    productName: productName(t.product, s.ix.productsBySiteKey.get(`${t.site}/${t.product}`)),
    status: t.status,
    ...(t.description ? { description: t.description } : {}),
    reporter: t.reporter,
    engineer: t.engineer,
    dataAccessRequested: t.dataAccessRequested ?? false,
    aiConversationsRequested: t.aiConversationsRequested ?? [],
    // On a Guard-restricted site, who will decide a grant (the panel names them while it waits).
    guardAdmins: s.ix.restrictedSites.has(t.site) ? guardAdminsOf(s) : [],
  };
}

const guardAdminsCache = new WeakMap<object, { userId: string; name: string }[]>();

/** The world's roles are fixed for a process's life, so the list is built once. */
function guardAdminsOf(s: ServerContext): { userId: string; name: string }[] {
  const cached = guardAdminsCache.get(s.ix);
  if (cached) return cached;
  const out: { userId: string; name: string }[] = [];
  for (const [userId, roles] of s.ix.rolesByUser) {
    if (mayDecideGuard(s.ix, userId) && roles.length) out.push({ userId, name: s.ix.usersById.get(userId)?.name ?? userId });
  }
  out.sort((a, b) => a.name.localeCompare(b.name));
  guardAdminsCache.set(s.ix, out);
  return out;
}

/** Grants the caller can act on or follow: tickets they could grant, Guard holds, their own. */
export async function visibleGrants(s: ServerContext, caller: Caller, states: string[]): Promise<Grant[]> {
  if (caller.kind === 'engineer') return grantsOfEngineer(s.db, caller.id, states);
  const guard = mayDecideGuard(s.ix, caller.id);
  const all = await grantsInStates(s.db, states);
  const audience = new Map<string, boolean>();
  // World tickets and tickets raised through the API alike (one read for the raised ones).
  const tickets = await currentTickets(
    s.db,
    s.ix,
    all.map((g) => g.ticket),
  );
  return all.filter((g) => {
    if (g.grantedBy === caller.id || g.revokedBy === caller.id) return true;
    if (guard && g.state === 'pending_guard_approval') return true;
    let mine = audience.get(g.ticket);
    if (mine === undefined) {
      const t = tickets.get(g.ticket);
      mine = !!t && ticketAudience(s, t).includes(caller.id);
      audience.set(g.ticket, mine);
    }
    return mine;
  });
}

export async function supportRequests(s: ServerContext, caller: Caller): Promise<SupportRequestWire[]> {
  const out: SupportRequestWire[] = [];
  const requested = (await grantsInStates(s.db, ['requested'])).filter((g) => g.kind === 'data');
  const tickets = await currentTickets(
    s.db,
    s.ix,
    requested.map((g) => g.ticket),
  );
  for (const g of requested) {
    const t = tickets.get(g.ticket);
    if (t?.status !== 'open') continue;
    const ix = withTicket(s.ix, t);
    if (!qualifiedAdmins(ix, t.key).some((a) => a.userId === caller.id)) continue;
    const w = ticketWire(s, t);
    out.push({
      grantId: g.id,
      ticket: t.key,
      title: w.title,
      site: t.site,
      siteUrl: w.siteUrl,
      product: t.product,
      engineer: t.engineer,
      engineerName: s.ix.engineersById.get(t.engineer)?.name ?? s.ix.engineersById.get(t.engineer)?.email ?? t.engineer,
      requestedAt: g.requestedAt,
      eligibility: grantEligibility(ix, caller.id, t.key),
    });
  }
  return out;
}

export { accessRequestView, reviewableAccessRequests } from './access-request-views';

export async function inbox(s: ServerContext, caller: Caller): Promise<InboxItemWire[]> {
  if (caller.kind !== 'admin') return [];
  const items: InboxItemWire[] = [];
  for (const r of await supportRequests(s, caller)) {
    items.push({
      id: `support_request:${r.grantId}`,
      kind: 'support_request',
      title: `Support asks for data access on ${r.ticket}`,
      ticket: r.ticket,
      createdAt: r.requestedAt ?? '',
      link: `/settings/support-access?ticket=${encodeURIComponent(r.ticket)}`,
    });
  }
  if (mayDecideGuard(s.ix, caller.id)) {
    for (const g of await grantsInStates(s.db, ['pending_guard_approval'])) {
      if (g.grantedBy === caller.id) continue;
      items.push({
        id: `guard_approval:${g.id}`,
        kind: 'guard_approval',
        title: `Guard approval needed for ${g.ticket}`,
        ticket: g.ticket,
        createdAt: g.grantedAt ?? '',
        link: `/security/support-access-requests?grant=${encodeURIComponent(g.id)}`,
      });
    }
  }
  const pendingRequests = await accessRequestsInState(s.db, ['pending']);
  // One decision covers a person's pending requests: if I asked for this person, I decide none of them.
  const groupOf = (r: AccessRequest) => `${accessRequestPersonKey(s.ix, r)}\u0000${r.site}\u0000${r.product}`;
  const askedByMe = new Set(pendingRequests.filter((r) => r.requestedBy === caller.id).map(groupOf));
  for (const r of pendingRequests) {
    if (askedByMe.has(groupOf(r)) || !accessRequestReviewers(s.ix, r.site).includes(caller.id)) continue;
    if (accessRequestSubject(s.ix, r) === caller.id) continue;
    const who = s.ix.usersById.get(r.requestedBy)?.name ?? r.requestedBy;
    // For whom, always: two requests for one product read alike otherwise.
    const subject = accessRequestSubject(s.ix, r);
    const forWhom = r.self ? 'themself' : subject ? (s.ix.usersById.get(subject)?.name ?? subject) : 'email' in r.for ? r.for.email : r.for.userId;
    items.push({
      id: `access_request:${r.id}`,
      kind: 'access_request',
      title: `${who} requests ${productName(r.product, s.ix.productsBySiteKey.get(`${r.site}/${r.product}`))} on ${siteLabel(s.ix.sitesById.get(r.site), r.site)} for ${forWhom}`,
      createdAt: r.createdAt,
      link: `/access-requests?id=${encodeURIComponent(r.id)}`,
    });
  }
  items.push(...(await changeRequestItems(s, caller.id)));
  const asks = await openAsksFor(s.db, caller.id);
  for (const a of asks) {
    const from = s.ix.usersById.get(a.from_id)?.name ?? a.from_id;
    items.push({
      id: `ask:${a.id}`,
      kind: 'ask',
      title: `${from} asks you to grant data access on ${a.ticket}`,
      ticket: a.ticket,
      createdAt: a.created_at,
      link: `/tickets/${encodeURIComponent(a.ticket)}`,
    });
  }
  return items.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? -1 : 1));
}

/** Changes Support asks consent for that the caller may approve, and those waiting on the caller's Guard decision. */
async function changeRequestItems(s: ServerContext, userId: string): Promise<InboxItemWire[]> {
  const waiting = await changeRequestsInStates(s.db, ['pending', 'pending_guard_approval']);
  if (waiting.length === 0) return [];
  const tickets = await currentTickets(
    s.db,
    s.ix,
    waiting.map((c) => c.ticket),
  );
  const guard = mayDecideGuard(s.ix, userId);
  const out: InboxItemWire[] = [];
  for (const c of waiting) {
    const t = tickets.get(c.ticket);
    if (t?.status !== 'open') continue;
    const what = changeWords(c.action, c.resource);
    const link = `/tickets/${encodeURIComponent(c.ticket)}?changeRequest=${encodeURIComponent(c.id)}`;
    if (c.state === 'pending' && consentEligibility(withTicket(s.ix, t), userId, t.key).allowed) {
      out.push({ id: `change_request:${c.id}`, kind: 'change_request', title: `Support asks to ${what} (${c.ticket})`, ticket: c.ticket, createdAt: c.createdAt, link });
    } else if (c.state === 'pending_guard_approval' && guard && c.approvedBy !== userId) {
      out.push({
        id: `change_guard_approval:${c.id}`,
        kind: 'change_guard_approval',
        title: `Guard approval needed to ${what} (${c.ticket})`,
        ticket: c.ticket,
        createdAt: c.approvedAt ?? c.createdAt,
        link,
      });
    }
  }
  return out;
}

/** Display names of everyone a list of grants mentions (engineers, granters, deciders), by id. */
export function peopleOf(s: ServerContext, grants: Grant[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const g of grants) {
    for (const id of [g.engineer, g.grantedBy, g.guardDecidedBy, g.revokedBy]) {
      if (!id || out[id]) continue;
      const name = s.ix.usersById.get(id)?.name ?? s.ix.engineersById.get(id)?.name ?? s.ix.engineersById.get(id)?.email;
      if (name) out[id] = name;
    }
  }
  return out;
}
