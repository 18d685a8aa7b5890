// Handlers behind the admin console frames and the popup: each calls the Access API and shapes the
// answer for display. Decisions stay with the API; refusals come back with the API's own causes.
import { productName } from '../core/scope';
import { loadSettings } from '../shared-ext/settings';
import { changed, inboxLink, readCache, syncDb, syncNow, type InboxItem } from './inbox-sync';
import type { AccessRequestView, AuditRowView, BulkGrantRow, CauseView, GrantView, SupportRequestView } from '../console/views';

export class ApiProblem extends Error {
  constructor(readonly status: number, readonly title: string, readonly detail?: string, readonly causes: CauseView[] = []) {
    super(detail ?? title);
    this.name = 'ApiProblem';
  }
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One API call with the stored token; problem+json refusals become ApiProblem. */
export async function api<T = Json>(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<T> {
  const settings = await loadSettings();
  if (!settings.token) throw new ApiProblem(401, 'Not signed in', 'Add your Access API token in Access Companion options.');
  let res: Response;
  try {
    res = await fetch(`${settings.apiBaseUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${settings.token}`, accept: 'application/json', ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    throw new ApiProblem(0, 'Offline', `Can't reach the Access API at ${settings.apiBaseUrl}.`);
  }
  if (res.status === 204) return undefined as T;
  const body = (await res.json().catch(() => ({}))) as Json;
  if (!res.ok) throw new ApiProblem(res.status, body.title ?? `HTTP ${res.status}`, body.detail, Array.isArray(body.causes) ? body.causes : []);
  return body as T;
}

const host = (url: string | undefined, fallback: string) => {
  try { return url ? new URL(url).host : fallback; } catch { return fallback; }
};

interface Ticket { key: string; title?: string; site: string; siteUrl?: string; product: string; engineer: string; status: string }
const ticketCache = new Map<string, Promise<Ticket>>();
function ticket(key: string): Promise<Ticket> {
  let t = ticketCache.get(key);
  if (!t) {
    t = api<Ticket>(`/v1/tickets/${encodeURIComponent(key)}`);
    ticketCache.set(key, t);
    t.catch(() => ticketCache.delete(key));
  }
  return t;
}

export async function getMe(): Promise<{ id: string; name: string; kind: string; org: { id: string; name: string } }> {
  return api('/v1/me');
}

export async function getSupportRequests(): Promise<SupportRequestView[]> {
  const body = await api<Json>('/v1/support-requests');
  const rows: Json[] = body.requests ?? body.items ?? body.supportRequests ?? [];
  return Promise.all(rows.map(async (row) => {
    const key: string = typeof row.ticket === 'string' ? row.ticket : row.ticket?.key ?? row.key;
    const t: Json = typeof row.ticket === 'object' ? row.ticket : { ...(await ticket(key)), ...row };
    const el: Json = row.eligibility ?? await api(`/v1/tickets/${encodeURIComponent(key)}/eligibility`);
    return {
      ticket: key,
      title: t.title ?? '',
      site: t.site,
      siteHost: host(t.siteUrl ?? el.scope?.siteUrl, t.site),
      product: t.productName ?? productName(t.product),
      engineer: t.engineerName ?? t.engineer ?? '',
      requestedAt: row.requestedAt ?? row.createdAt,
      allowed: Boolean(el.allowed),
      via: el.via ?? null,
      causes: el.causes ?? [],
      guardApprovalRequired: Boolean(el.guardApprovalRequired),
      scopeSummary: el.scope?.summary ?? '',
    } satisfies SupportRequestView;
  }));
}

export async function bulkGrant(tickets: string[]): Promise<BulkGrantRow[]> {
  const body = await api<Json>('/v1/support-requests/bulk-grant', { method: 'POST', body: { tickets } });
  const rows: Json[] = body.results ?? body.items ?? [];
  return rows.map((r) => ({
    ticket: r.ticket,
    ok: r.ok ?? (r.status ? r.status < 300 : r.state !== undefined && !r.causes?.length),
    id: r.id ?? r.grant?.id,
    state: r.state ?? r.grant?.state,
    causes: r.causes ?? r.problem?.causes ?? [],
    reason: r.reason ?? r.problem?.detail ?? r.detail ?? r.title,
  }));
}

export async function toGrantView(g: Json): Promise<GrantView> {
  const t = await ticket(g.ticket).catch(() => undefined);
  return {
    id: g.id, kind: g.kind ?? 'data', ticket: g.ticket, title: t?.title, product: g.productName ?? productName(g.product), site: g.site,
    siteHost: host(g.siteUrl ?? t?.siteUrl, g.site), engineer: g.engineerName ?? g.engineer, state: g.state,
    grantedBy: g.grantedBy, grantedAt: g.grantedAt, requestedAt: g.requestedAt,
  };
}

export async function listGrants(states: string[]): Promise<GrantView[]> {
  const lists = await Promise.all(states.map((s) => api<Json>(`/v1/grants?state=${encodeURIComponent(s)}`)));
  const seen = new Set<string>();
  const grants = lists.flatMap((l) => (l.grants ?? []) as Json[]).filter((g) => states.includes(g.state) && !seen.has(g.id) && seen.add(g.id));
  return Promise.all(grants.map(toGrantView));
}

export async function revokeGrant(id: string): Promise<{ state: string }> {
  return api(`/v1/grants/${encodeURIComponent(id)}/revoke`, { method: 'POST', body: {} });
}

export async function guardDecision(id: string, decision: 'approve' | 'deny'): Promise<{ state: string }> {
  return api(`/v1/grants/${encodeURIComponent(id)}/guard-decision`, { method: 'POST', body: { decision } });
}

export async function listAccessRequests(): Promise<AccessRequestView[]> {
  const body = await api<Json>('/v1/access-requests');
  const rows: Json[] = body.requests ?? body.items ?? body.accessRequests ?? [];
  return rows.map((r) => {
    const requester: Json = typeof r.requester === 'object' && r.requester ? r.requester : { id: r.requestedBy, name: r.requesterName ?? r.requestedBy, email: r.requesterEmail ?? '' };
    const forUser: Json | undefined = typeof r.forUser === 'object' ? r.forUser : undefined;
    const label = r.self ? requester.name : forUser?.name ?? r.for?.email ?? r.for?.userId ?? '';
    const onSite: boolean = requester.onSite ?? r.requesterOnSite ?? false;
    const product: Json = typeof r.productInfo === 'object' ? r.productInfo : {};
    return {
      id: r.id, site: r.site, siteHost: host(r.siteUrl, r.site), product: r.product, productName: r.productName ?? product.name ?? productName(r.product),
      state: r.state, createdAt: r.createdAt,
      requester: { id: requester.id, name: requester.name ?? requester.id, email: requester.email ?? '', emailVerified: requester.emailVerified, onSite },
      forWhom: { self: Boolean(r.self), label: label || requester.name, email: forUser?.email ?? r.for?.email },
      seatsNow: r.seatsNow ?? r.billableSeats ?? product.billableSeats,
      seatsAfter: r.seatsAfterApproval ?? r.seatsAfter ?? (r.billableSeats ?? product.billableSeats) + 1,
      denyBars: r.denyBars ?? (Boolean(r.self) && !onSite),
      message: r.message,
    };
  });
}

export async function approveAccessRequest(id: string): Promise<Json> {
  return api(`/v1/access-requests/${encodeURIComponent(id)}/approve`, { method: 'POST', body: {} });
}

export async function denyAccessRequest(id: string, message?: string): Promise<Json> {
  return api(`/v1/access-requests/${encodeURIComponent(id)}/deny`, { method: 'POST', body: message ? { message } : {} });
}

/** Support's actions, optionally limited to one ticket's grant window (first grant → revocation or now). */
export async function getAudit(supportOnly: boolean, ticketKey?: string): Promise<{ rows: AuditRowView[]; window?: { from?: string; to?: string } }> {
  const q = new URLSearchParams();
  let window: { from?: string; to?: string } | undefined;
  if (supportOnly) q.set('actor', 'support');
  if (ticketKey) {
    q.set('ticket', ticketKey);
    const grants = ((await api<Json>(`/v1/tickets/${encodeURIComponent(ticketKey)}/grants`)).grants ?? []) as Json[];
    const starts = grants.map((g) => g.grantedAt).filter(Boolean).sort();
    const ends = grants.map((g) => g.revokedAt).filter(Boolean).sort();
    const open = grants.some((g) => g.state === 'active' || g.state === 'pending_guard_approval');
    window = { from: starts[0], to: open ? undefined : ends.at(-1) };
    if (window.from) q.set('from', window.from);
    if (window.to) q.set('to', window.to);
  }
  const body = await api<Json>(`/v1/audit?${q}`);
  const rows: Json[] = body.entries ?? body.items ?? body.rows ?? [];
  return {
    window,
    rows: rows.map((r) => ({
      id: String(r.id ?? r.seq), at: r.at ?? r.time ?? r.createdAt, actor: r.actorName ?? r.actor, actorKind: r.actorKind ?? r.actorType,
      action: r.action, resource: typeof r.resource === 'object' ? [r.resource.type, r.resource.id].filter(Boolean).join(' ') : r.resource ?? '', ticket: r.ticket,
    })),
  };
}

// ---- message routing (console frames, popup, options) ----

async function popupState(fresh: boolean) {
  if (fresh) await syncNow();
  const [grants, inbox] = await Promise.all([readCache<GrantView[]>('grants'), readCache<InboxItem[]>('inbox')]);
  const db = await syncDb();
  const last = (await db.get('meta', 'lastSync'))?.value as { at: number; problem?: string } | undefined;
  const settings = await loadSettings();
  return {
    signedIn: settings.token !== '',
    apiBaseUrl: settings.apiBaseUrl,
    grants: grants ? { value: grants.value.filter((g) => g.state === 'active' || g.state === 'pending_guard_approval'), fetchedAt: grants.fetchedAt } : undefined,
    inbox: inbox ? { value: await Promise.all(inbox.value.map(async (i) => ({ ...i, link: await inboxLink(i) }))), fetchedAt: inbox.fetchedAt } : undefined,
    problem: last?.problem,
    lastTriedAt: last?.at,
  };
}
export type PopupState = Awaited<ReturnType<typeof popupState>>;

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const HANDLERS: Record<string, (m: Msg) => Promise<unknown>> = {
  getMe: () => getMe(),
  getSupportRequests: () => getSupportRequests(),
  bulkGrant: async (m) => { const out = await bulkGrant(m.tickets); void changed(); return out; },
  listGrants: (m) => listGrants(m.states),
  revokeGrant: async (m) => { const out = await revokeGrant(m.id); void changed(); return out; },
  guardDecision: async (m) => { const out = await guardDecision(m.id, m.decision); void changed(); return out; },
  listAccessRequests: () => listAccessRequests(),
  approveAccessRequest: async (m) => { const out = await approveAccessRequest(m.id); void changed(); return out; },
  denyAccessRequest: async (m) => { const out = await denyAccessRequest(m.id, m.message); void changed(); return out; },
  getAudit: (m) => getAudit(Boolean(m.supportOnly), m.ticket),
  getPopupState: (m) => popupState(Boolean(m.fresh)),
};

/** Only our own extension pages (popup, options, frames) may call these. */
function fromOurPages(sender: chrome.runtime.MessageSender): boolean {
  return sender.id === chrome.runtime.id && typeof sender.url === 'string' && sender.url.startsWith(chrome.runtime.getURL(''));
}

export function registerConsoleHandlers(): void {
  chrome.runtime.onMessage.addListener((message: Msg, sender, sendResponse) => {
    const handler = typeof message?.type === 'string' && Object.hasOwn(HANDLERS, message.type) ? HANDLERS[message.type] : undefined;
    if (!handler) return false;
    if (!fromOurPages(sender)) { sendResponse({ ok: false, error: { title: 'Not allowed' } }); return false; }
    handler(message).then(
      (value) => sendResponse({ ok: true, value }),
      (error: unknown) => sendResponse({ ok: false, error: error instanceof ApiProblem ? { title: error.title, detail: error.detail, status: error.status, causes: error.causes } : { title: String(error) } }),
    );
    return true;
  });
}
