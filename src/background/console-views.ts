// The API's answers shaped for display in the console frames and the popup (src/shared-ext/views.ts):
// grants with their ticket's title and product, product-access requests with what a reviewer needs.
// Shared by the message handlers and the poll, which caches grant views for the popup.
import type { AccessRequestWire, GrantWire, TicketWire } from '../api/schemas';
import { productName } from '../api/vocabulary';
import { accessClient } from './api';
import { displayText, personName } from '../shared-ext/format';
import type { AccessRequestView, GrantView } from '../shared-ext/views';

export const host = (url: string | undefined, fallback: string) => {
  try {
    return url ? new URL(url).host : fallback;
  } catch {
    return fallback;
  }
};

const client = async () => (await accessClient()).client;

/** Tickets change rarely while a page is open; one lookup per key per worker life, failures retried. */
const ticketCache = new Map<string, Promise<TicketWire>>();
export function cachedTicket(key: string): Promise<TicketWire> {
  let t = ticketCache.get(key);
  if (!t) {
    t = client().then((c) => c.ticket(key));
    ticketCache.set(key, t);
    t.catch(() => ticketCache.delete(key));
  }
  return t;
}

/** A grant as the console and popup show it; `people` maps user ids to names (the API's `people`). Names and the ticket's title as displayText shows them. */
export async function toGrantView(g: GrantWire, people: Record<string, string> = {}): Promise<GrantView & { revokeReason?: string; guardDecidedBy?: string }> {
  const t = await cachedTicket(g.ticket).catch(() => undefined);
  return {
    id: g.id,
    kind: g.kind,
    ticket: g.ticket,
    title: t ? displayText(t.title) : undefined,
    product: displayText(t?.productName ?? productName(g.product)),
    site: g.site,
    siteHost: host(t?.siteUrl, g.site),
    engineer: personName(g.engineer, people),
    state: g.state,
    grantedBy: g.grantedBy,
    grantedByName: g.grantedBy ? personName(g.grantedBy, people) : undefined,
    ...(g.grantedByNoLongerCan ? { grantedByNoLongerCan: true } : {}),
    grantedAt: g.grantedAt,
    requestedAt: g.requestedAt,
    revokeReason: g.revokeReason,
    guardDecidedBy: g.guardDecidedBy,
    guardDecidedByName: g.guardDecidedBy ? personName(g.guardDecidedBy, people) : undefined,
    ...(g.guardMessage ? { guardMessage: displayText(g.guardMessage) } : {}),
    ...(g.kind === 'ai_conversations' ? { conversations: g.conversations ?? [] } : {}),
  };
}

/** A product-access request with what its reviewer needs to decide (who, on the site or not, seats); names and messages as displayText shows them. */
export function toAccessRequestView(r: AccessRequestWire): AccessRequestView {
  const label = displayText(r.self ? r.requester.name : (r.forUser?.name ?? r.forUser?.email ?? ('email' in r.for ? r.for.email : r.for.userId)));
  return {
    id: r.id,
    site: r.site,
    siteHost: host(r.siteUrl, r.site),
    product: r.product,
    productName: displayText(r.productName),
    state: r.state,
    createdAt: r.createdAt,
    decidedAt: r.decidedAt,
    kind: r.kind,
    requester: { id: r.requester.id, name: displayText(r.requester.name), email: displayText(r.requester.email), emailVerified: r.requester.emailVerified, onSite: r.requester.onSite },
    forWhom: { self: r.self, label, email: r.forUser?.email === undefined ? undefined : displayText(r.forUser.email) },
    person: {
      key: r.person.key,
      email: displayText(r.person.email),
      hasAccount: r.person.hasAccount,
      emailVerified: r.person.emailVerified,
      onSite: r.person.onSite,
      siteHosts: r.person.sites.map((x) => host(x.url, x.id)),
      products: r.person.products.map((x) => `${displayText(x.productName)} on ${host(x.siteUrl, x.site)}`),
      hasThisProduct: r.person.hasThisProduct,
      barredSince: r.person.barredSince,
    },
    seatsNow: r.seatsNow,
    seatsAfter: r.seatsAfterApproval,
    billable: r.billable,
    mayDecide: r.mayDecide,
    denyBars: r.denyBars,
    barRule: r.barRule,
    samePerson: r.samePerson.map((x) => ({ id: x.id, requesterName: displayText(x.requesterName), self: x.self })),
    decidedWith: r.decidedWith,
    message: r.message === undefined ? undefined : displayText(r.message),
  };
}
