// Typed fetch client for the Access API, usable in a browser service worker (no Node imports).
// Refusals become AccessApiError carrying the problem's stable type and, for grants, the causes.
import type { z } from 'zod';
import type * as W from './schemas';
import { PROBLEM_BASE } from './problems';

export class AccessApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: W.ProblemWire & Record<string, unknown>,
  ) {
    super(problem.detail ?? problem.title);
    this.name = 'AccessApiError';
  }
  /** The problem kind without the base URI, e.g. `not-eligible`. */
  get kind(): string {
    return this.problem.type.startsWith(PROBLEM_BASE) ? this.problem.type.slice(PROBLEM_BASE.length) : this.problem.type;
  }
}

export interface CallOptions {
  idempotencyKey?: string;
  ifMatch?: string;
  signal?: AbortSignal;
}

type Out<S extends z.ZodType> = z.infer<S>;
type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export function createAccessClient(baseUrl: string, token: string, fetchImpl: FetchLike = (i, init) => fetch(i, init)) {
  const base = baseUrl.replace(/\/+$/, '');
  const enc = encodeURIComponent;

  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown, o: CallOptions = {}, extra: Record<string, string> = {}): Promise<{ data: T; etag: string | null; status: number }> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json', ...extra };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method === 'POST') headers['idempotency-key'] = o.idempotencyKey ?? crypto.randomUUID();
    if (o.ifMatch) headers['if-match'] = o.ifMatch;
    const res = await fetchImpl(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: o.signal });
    if (res.status === 304) return { data: undefined as T, etag: res.headers.get('etag'), status: 304 };
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const p = (json && typeof json === 'object' ? json : { type: 'about:blank', title: `HTTP ${res.status}`, status: res.status }) as W.ProblemWire & Record<string, unknown>;
      throw new AccessApiError(res.status, p);
    }
    return { data: json as T, etag: res.headers.get('etag'), status: res.status };
  }
  /** A conditional GET: `data` is `undefined` when the answer is unchanged since `etag` (304). */
  async function ifChanged<T>(path: string, etag: string | undefined, o?: CallOptions): Promise<{ data: T | undefined; etag: string | null }> {
    const r = await call<T>('GET', path, undefined, o, etag ? { 'if-none-match': etag } : {});
    return { data: r.status === 304 ? undefined : r.data, etag: r.etag };
  }
  const get = async <S extends z.ZodType>(path: string, o?: CallOptions) => (await call<Out<S>>('GET', path, undefined, o)).data;
  const post = async <S extends z.ZodType>(path: string, body: unknown = {}, o?: CallOptions) => (await call<Out<S>>('POST', path, body, o)).data;

  return {
    me: (o?: CallOptions) => get<typeof W.Me>('/v1/me', o),
    /** The request form's consent box: eligibility for a ticket not yet created on `site` (id or address) for `product`. */
    newTicketEligibility: (site: string, product: string, o?: CallOptions) => get<typeof W.Eligibility>(`/v1/eligibility?${new URLSearchParams({ site, product })}`, o),
    /** Raise a ticket as the caller; `grantDataAccess` is the consent box (403 not-eligible with causes, nothing created, when the caller may not grant). */
    createTicket: (input: W.TicketInput, o?: CallOptions) => post<typeof W.TicketCreated>('/v1/tickets', input, o),
    ticket: (key: string, o?: CallOptions) => get<typeof W.Ticket>(`/v1/tickets/${enc(key)}`, o),
    eligibility: (key: string, o?: CallOptions) => get<typeof W.Eligibility>(`/v1/tickets/${enc(key)}/eligibility`, o),
    ticketGrants: (key: string, o?: CallOptions) => get<typeof W.GrantList>(`/v1/tickets/${enc(key)}/grants`, o),
    grant: (key: string, o?: CallOptions) => post<typeof W.GrantCreated>(`/v1/tickets/${enc(key)}/grants`, {}, o),
    grantAiConversations: (key: string, conversations: string[], o?: CallOptions) => post<typeof W.GrantCreated>(`/v1/tickets/${enc(key)}/ai-grants`, { conversations }, o),
    ask: (key: string, adminId: string, message?: string, o?: CallOptions) => post<typeof W.Ask>(`/v1/tickets/${enc(key)}/ask`, message ? { adminId, message } : { adminId }, o),
    requestAccess: (key: string, o?: CallOptions) => post<typeof W.GrantCreated>(`/v1/tickets/${enc(key)}/request-access`, {}, o),
    closeTicket: (key: string, o?: CallOptions) => post<typeof W.EmptyBody>(`/v1/tickets/${enc(key)}/close`, {}, o),
    activity: (key: string, o?: CallOptions) => get<typeof W.AuditPage>(`/v1/tickets/${enc(key)}/activity`, o),
    grants: (state: W.GrantWire['state'] | W.GrantWire['state'][] = 'active', o?: CallOptions) => get<typeof W.GrantList>(`/v1/grants?state=${enc([state].flat().join(','))}`, o),
    getGrant: async (id: string, o?: CallOptions) => {
      const r = await call<W.GrantWire>('GET', `/v1/grants/${enc(id)}`, undefined, o);
      return { grant: r.data, etag: r.etag };
    },
    revoke: (id: string, o?: CallOptions) => post<typeof W.GrantCreated>(`/v1/grants/${enc(id)}/revoke`, {}, o),
    guardDecision: (id: string, decision: 'approve' | 'deny', o?: CallOptions) => post<typeof W.GrantCreated>(`/v1/grants/${enc(id)}/guard-decision`, { decision }, o),
    supportRequests: (o?: CallOptions) => get<typeof W.SupportRequestList>('/v1/support-requests', o),
    bulkGrant: (tickets: string[], o?: CallOptions) => post<typeof W.BulkGrantResult>('/v1/support-requests/bulk-grant', { tickets }, o),
    checkAccess: (input: W.AccessCheckInput, o?: CallOptions) => post<typeof W.AccessDecision>('/v1/access/check', input, o),
    /** `undefined` when unchanged since `etag` (304). */
    inbox: async (etag?: string, o?: CallOptions) => {
      const r = await ifChanged<z.infer<typeof W.Inbox>>('/v1/inbox', etag, o);
      return { items: r.data?.items, etag: r.etag };
    },
    /** The poll's grant list: `list` is `undefined` when unchanged since `etag` (304). */
    grantsIfChanged: async (states: W.GrantWire['state'][], etag?: string, o?: CallOptions) => {
      const r = await ifChanged<z.infer<typeof W.GrantList>>(`/v1/grants?state=${enc(states.join(','))}`, etag, o);
      return { list: r.data, etag: r.etag };
    },
    /** A ticket's Support activity: `page` is `undefined` when unchanged since `etag` (304). */
    activityIfChanged: async (key: string, etag?: string, o?: CallOptions) => {
      const r = await ifChanged<z.infer<typeof W.AuditPage>>(`/v1/tickets/${enc(key)}/activity`, etag, o);
      return { page: r.data, etag: r.etag };
    },
    requestProductAccess: (input: W.AccessRequestInput, o?: CallOptions) => post<typeof W.AccessRequest>('/v1/access-requests', input, o),
    /** Requests I review or made; `filter` lists are ANDed (any of the sites, any of the products…). */
    accessRequests: (state: z.infer<typeof W.AccessRequestState> = 'pending', filter: { site?: string[]; product?: string[]; kind?: W.AccessRequestKindWire[] } = {}, o?: CallOptions) => {
      const p = new URLSearchParams({ state });
      for (const [k, v] of Object.entries(filter)) if (v?.length) p.set(k, v.join(','));
      return get<typeof W.AccessRequestList>(`/v1/access-requests?${p}`, o);
    },
    bulkDecideAccessRequests: (ids: string[], decision: 'approve' | 'deny', message?: string, o?: CallOptions) => post<typeof W.AccessRequestBulkResult>('/v1/access-requests/bulk-decision', message ? { ids, decision, message } : { ids, decision }, o),
    /** For the request-access controls: `site` is a site id or the site's address. */
    accessRequestContext: (site: string, product: string, o?: CallOptions) => get<typeof W.AccessRequestContext>(`/v1/access-requests/context?${new URLSearchParams({ site, product })}`, o),
    /** My requests (made by me or for me): `list` is `undefined` when unchanged since `etag` (304). */
    myAccessRequests: async (etag?: string, o?: CallOptions) => {
      const r = await ifChanged<z.infer<typeof W.MyAccessRequestList>>('/v1/me/access-requests', etag, o);
      return { list: r.data, etag: r.etag };
    },
    approveAccessRequest: (id: string, o?: CallOptions) => post<typeof W.AccessRequest>(`/v1/access-requests/${enc(id)}/approve`, {}, o),
    denyAccessRequest: (id: string, message?: string, o?: CallOptions) => post<typeof W.AccessRequest>(`/v1/access-requests/${enc(id)}/deny`, message ? { message } : {}, o),
    audit: (q: { actor?: string; ticket?: string; from?: string; to?: string; cursor?: string; limit?: number } = {}, o?: CallOptions) => {
      const p = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
      return get<typeof W.AuditPage>(`/v1/audit?${p}`, o);
    },
    verifyAudit: (o?: CallOptions) => get<typeof W.AuditVerify>('/v1/audit/verify', o),
  };
}

export type AccessClient = ReturnType<typeof createAccessClient>;
