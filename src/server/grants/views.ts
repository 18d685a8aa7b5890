// Read models: who am I, tickets, visible grants, outstanding Support requests, access request
// listing with requester details, and the inbox of everything waiting on the caller.
import {
  accessRequestPersonKey,
  accessRequestReviewers,
  accessRequestSubject,
  changeWords,
  consentEligibility,
  conversationIds,
  conversationsById,
  grantEligibility,
  mayDecideGuard,
  mayReadTicket,
  productName,
  productOnSite,
  qualifiedAdmins,
  type AccessRequest,
  type Grant,
  type Ticket,
  type WorldIndex,
} from '../../core/index';
import type { AiConversationWire, InboxItemWire, MeWire, SupportRequestWire, TicketWire } from '../../api/schemas';
import type { Caller } from '../http/auth';
import type { ServerContext } from '../context';
import type { Queryable } from '../db/index';
import { openAsks } from './asks-repository';
import { holdsGrantingRole } from '../directory/effects';
import { shortList } from '../directory/grantors';
import { changeRequestsInStates } from './change-requests-repository';
import { ticketAudience } from './service';
import { grantRefusal } from './rules';
import { problem } from '../http/problems';
import { accessRequestsInState, currentTicket, currentTickets, grantsInStates, grantsOfEngineer, withTicket } from './repository';

export function me(s: ServerContext, caller: Caller): MeWire {
  const org = s.ix.world.organization;
  const orgWire = { id: org.id, name: org.name, userManagement: org.userManagement };
  if (caller.kind === 'engineer') {
    const e = s.ix.engineersById.get(caller.id)!;
    return { kind: 'engineer', id: e.id, name: e.name ?? e.email, email: e.email, org: orgWire, roles: [], sites: [], capabilities: [] };
  }
  const u = s.ix.usersById.get(caller.id)!;
  const roles = (s.ix.rolesByUser.get(u.id) ?? []).map(({ role, site, product, products, pendingSync }) => ({ role, site, product, products, pendingSync }));
  const orgWide = roles.some((r) => r.role === 'org_admin');
  const siteIds = new Set(orgWide ? s.ix.world.sites.map((x) => x.id) : [...u.sites, ...roles.map((r) => r.site).filter((x): x is string => !!x)]);
  const sites = s.ix.world.sites.filter((x) => siteIds.has(x.id)).map(({ id, url, status }) => ({ id, url, status }));
  const groups = (s.ix.rolesByUser.get(u.id) ?? []).map((r) => (r.group ? (s.ix.groupsById.get(r.group)?.name ?? r.group) : null));
  return { kind: 'admin', id: u.id, name: u.name, email: u.email, org: orgWire, roles, sites, capabilities: capabilitiesOf(s, caller), lastSyncedAt: u.lastSyncedAt ?? null, roleGroups: groups };
}

/** What /v1/me says I may do, each by the predicate its routes check (mayReadAudit, isOrgAdmin, mayDecideGuard). */
function capabilitiesOf(s: ServerContext, caller: Caller): MeWire['capabilities'] {
  const out: MeWire['capabilities'] = [];
  if (mayReadAudit(s, caller)) out.push('read_audit');
  if (isOrgAdmin(s, caller)) out.push('manage_api_keys');
  if (caller.kind === 'admin' && mayDecideGuard(s.ix, caller.id)) out.push('decide_guard');
  return out;
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
    aiConversationsRequested: conversationIds(t),
    aiConversations: aiConversationsWire(s, t),
    // On a Guard-restricted site, who will decide a grant (the panel names them while it waits).
    guardAdmins: s.ix.restrictedSites.has(t.site) ? s.guardDeciders() : [],
  };
}

/** The conversations a ticket asks for, in order, with what the vendor knows of each (title, owner and the owner's name). */
export function aiConversationsWire(s: ServerContext, t: Ticket): AiConversationWire[] {
  return [...conversationsById(t).values()].map((c) => {
    const ownerName = c.owner ? s.ix.usersById.get(c.owner)?.name : undefined;
    return { id: c.id, ...(c.title ? { title: c.title } : {}), ...(c.owner ? { owner: c.owner } : {}), ...(ownerName ? { ownerName } : {}) };
  });
}

/** Who may decide Guard holds, by name (ServerContext.guardDeciders keeps the list: the world's roles are fixed for a process's life). */
export function guardDecidersOf(ix: WorldIndex): { userId: string; name: string }[] {
  const out: { userId: string; name: string }[] = [];
  for (const [userId, roles] of ix.rolesByUser) {
    if (mayDecideGuard(ix, userId) && roles.length) out.push({ userId, name: ix.usersById.get(userId)?.name ?? userId });
  }
  out.sort((a, b) => a.name.localeCompare(b.name));
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
      eligibility: shortList(grantEligibility(ix, caller.id, t.key)),
      // `g` is the ticket's one live data grant (requested): nothing else can be granted over it.
      actions: grantRefusal(s, caller, t, [g]) ? [] : ['grant'],
    });
  }
  return out;
}

export { accessRequestView, reviewableAccessRequests } from '../access-requests/views';

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
      title: `${who} requests ${productOnSite(s.ix, r.site, r.product)} for ${forWhom}`,
      createdAt: r.createdAt,
      link: `/access-requests?id=${encodeURIComponent(r.id)}`,
    });
  }
  items.push(...(await changeRequestItems(s, caller.id)));
  // An ask waits on whoever it was sent to while they can still grant for its ticket; once they
  // cannot (deactivated, removed, demoted) it goes to everyone who can, and leaves their inbox.
  const asks = await openAsks(s.db);
  const tickets = await currentTickets(
    s.db,
    s.ix,
    asks.map((a) => a.ticket),
  );
  for (const a of asks) {
    const t = tickets.get(a.ticket);
    if (!t || !holdsGrantingRole(s.ix, caller.id, t.site, t.product)) continue;
    const addresseeCan = holdsGrantingRole(s.ix, a.admin_id, t.site, t.product);
    if (a.admin_id === caller.id ? !addresseeCan : addresseeCan) continue;
    const from = s.ix.usersById.get(a.from_id)?.name ?? a.from_id;
    const to = s.ix.usersById.get(a.admin_id)?.name ?? a.admin_id;
    items.push({
      id: `ask:${a.id}`,
      kind: 'ask',
      title: a.admin_id === caller.id ? `${from} asks you to grant data access on ${a.ticket}` : `${from} asked ${to}, who can no longer grant, for data access on ${a.ticket}`,
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
