// Typed fetch client for the Access API, usable in a browser service worker (no Node imports).
// Refusals become AccessApiError carrying the problem's stable type and, for grants, the causes.
import type { z } from 'zod';
import { fillPath, ROUTES, type PathParams, type RouteDef } from './contract';
import * as W from './schemas';
import type { ApiKeyInput } from './api-key-schemas';
import type { RoleAssignmentInput } from './directory-schemas';
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

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;
/** Query parameters; undefined values are left out. */
type Query = Record<string, string | number | undefined>;
type GetDef<P extends string, S extends z.ZodType> = RouteDef<'get', P, null, S>;
type PostDef<P extends string, B extends z.ZodType, S extends z.ZodType> = RouteDef<'post', P, B, S>;

/**
 * The Access API's typed client. Every call is built from the contract (contract.ts): path,
 * method, body type and answer schema; an answer is parsed by its schema (a 2xx the schema does
 * not accept is an AccessApiError with status 502, never silently mistyped data). Refusals become
 * AccessApiError with the problem's type and causes. POSTs carry an Idempotency-Key (a fresh one
 * unless `o.idempotencyKey`).
 */
export function createAccessClient(baseUrl: string, token: string, fetchImpl: FetchLike = (i, init) => fetch(i, init)) {
  const base = baseUrl.replace(/\/+$/, '');

  async function send(
    def: RouteDef,
    params: Record<string, string>,
    query: Query | undefined,
    body: unknown,
    o: CallOptions = {},
    extra: Record<string, string> = {},
  ): Promise<{ json: unknown; etag: string | null; status: number }> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json', ...extra };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (def.method === 'post') headers['idempotency-key'] = o.idempotencyKey ?? crypto.randomUUID();
    if (o.ifMatch) headers['if-match'] = o.ifMatch;
    const q = new URLSearchParams(Object.entries(query ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])));
    const url = `${base}${fillPath(def.path, params)}${q.size ? `?${q}` : ''}`;
    const res = await fetchImpl(url, { method: def.method.toUpperCase(), headers, body: body === undefined ? undefined : JSON.stringify(body), signal: o.signal });
    if (res.status === 304 || res.status === 204) return { json: undefined, etag: res.headers.get('etag'), status: 304 };
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const p = W.Problem.passthrough().safeParse(json);
      throw new AccessApiError(res.status, p.success ? p.data : { type: 'about:blank', title: `HTTP ${res.status}`, status: res.status });
    }
    return { json, etag: res.headers.get('etag'), status: res.status };
  }

  /** The answer as its schema reads it; a 2xx it does not accept is a 502 AccessApiError. */
  function answer<S extends z.ZodType>(def: RouteDef<'get' | 'post' | 'delete', string, z.ZodType | null, S>, json: unknown): z.output<S> {
    const r = def.ok.safeParse(json);
    if (!r.success)
      throw new AccessApiError(502, {
        type: 'about:blank',
        title: `The Access API answered ${def.method.toUpperCase()} ${def.path} in a shape this extension does not understand`,
        status: 502,
        detail: r.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; '),
      });
    return r.data;
  }

  const get = async <P extends string, S extends z.ZodType>(def: GetDef<P, S>, params: PathParams<P> & Record<string, string>, o?: CallOptions, query?: Query) =>
    answer(def, (await send(def, params, query, undefined, o)).json);
  const post = async <P extends string, B extends z.ZodType, S extends z.ZodType>(def: PostDef<P, B, S>, params: PathParams<P> & Record<string, string>, body: z.input<B>, o?: CallOptions) =>
    answer(def, (await send(def, params, undefined, body, o)).json);
  /** A conditional GET: `data` is `undefined` when the answer is unchanged since `etag` (304). */
  const ifChanged = async <P extends string, S extends z.ZodType>(def: GetDef<P, S>, params: PathParams<P> & Record<string, string>, etag: string | undefined, o?: CallOptions, query?: Query) => {
    const r = await send(def, params, query, undefined, o, etag ? { 'if-none-match': etag } : {});
    return { data: r.status === 304 ? undefined : answer(def, r.json), etag: r.etag };
  };
  const none = {};

  return {
    me: (o?: CallOptions) => get(ROUTES.me, none, o),
    /** The org's OpenID Connect provider (no credentials needed; 404 when the org has none). */
    authConfig: (o?: CallOptions) => get(ROUTES.authConfig, none, o),
    /** With the provider's ID token as this client's token: a session for the person it names. */
    createSession: (body: z.input<typeof W.SessionCreateBody>, o?: CallOptions) => post(ROUTES.createSession, none, body, o),
    /** Ends the session this client's token is (ended false for a personal access token). */
    signOut: (o?: CallOptions) => post(ROUTES.signOut, none, {}, o),
    /** The request form's consent box: eligibility for a ticket not yet created on `site` (id or address) for `product`. */
    newTicketEligibility: (site: string, product: string, o?: CallOptions) => get(ROUTES.newTicketEligibility, none, o, { site, product }),
    /** Raise a ticket as the caller; `grantDataAccess` is the consent box (403 not-eligible with causes, nothing created, when the caller may not grant). */
    createTicket: (input: W.TicketInput, o?: CallOptions) => post(ROUTES.createTicket, none, input, o),
    ticket: (key: string, o?: CallOptions) => get(ROUTES.ticket, { key }, o),
    eligibility: (key: string, o?: CallOptions) => get(ROUTES.eligibility, { key }, o),
    /** The ticket panel's one read: eligibility, the ticket's record, grants, changes and activity (with a stake), my open asks and the actions allowed to me. */
    ticketView: (key: string, o?: CallOptions) => get(ROUTES.ticketView, { key }, o),
    /** The view answer, conditionally: `view` is `undefined` when unchanged since `etag` (304). */
    ticketViewIfChanged: async (key: string, etag?: string, o?: CallOptions) => {
      const r = await ifChanged(ROUTES.ticketView, { key }, etag, o);
      return { view: r.data, etag: r.etag };
    },
    ticketGrants: (key: string, o?: CallOptions) => get(ROUTES.ticketGrants, { key }, o),
    grant: (key: string, o?: CallOptions) => post(ROUTES.grant, { key }, {}, o),
    grantAiConversations: (key: string, conversations: string[], o?: CallOptions) => post(ROUTES.grantAiConversations, { key }, { conversations }, o),
    ask: (key: string, adminId: string, message?: string, o?: CallOptions) => post(ROUTES.ask, { key }, message ? { adminId, message } : { adminId }, o),
    requestAccess: (key: string, o?: CallOptions) => post(ROUTES.requestAccess, { key }, {}, o),
    closeTicket: (key: string, o?: CallOptions) => post(ROUTES.closeTicket, { key }, {}, o),
    activity: (key: string, o?: CallOptions) => get(ROUTES.activity, { key }, o),
    grants: (state: W.GrantWire['state'] | W.GrantWire['state'][] = 'active', o?: CallOptions) => get(ROUTES.grants, none, o, { state: [state].flat().join(',') }),
    getGrant: async (id: string, o?: CallOptions) => {
      const r = await send(ROUTES.getGrant, { id }, undefined, undefined, o);
      return { grant: answer(ROUTES.getGrant, r.json), etag: r.etag };
    },
    revoke: (id: string, o?: CallOptions) => post(ROUTES.revoke, { id }, {}, o),
    guardDecision: (id: string, decision: 'approve' | 'deny', o?: CallOptions, message?: string) => post(ROUTES.guardDecision, { id }, message ? { decision, message } : { decision }, o),
    supportRequests: (o?: CallOptions) => get(ROUTES.supportRequests, none, o),
    bulkGrant: (tickets: string[], o?: CallOptions) => post(ROUTES.bulkGrant, none, { tickets }, o),
    checkAccess: (input: W.AccessCheckInput, o?: CallOptions) => post(ROUTES.checkAccess, none, input, o),
    /** Support (the ticket's engineer) asks for consent to one change. */
    createChangeRequest: (key: string, input: W.ChangeRequestCreateInput, o?: CallOptions) => post(ROUTES.createChangeRequest, { key }, input, o),
    changeRequests: (key: string, o?: CallOptions) => get(ROUTES.ticketChangeRequests, { key }, o),
    changeRequest: (id: string, o?: CallOptions) => get(ROUTES.changeRequest, { id }, o),
    approveChangeRequest: (id: string, o?: CallOptions) => post(ROUTES.approveChangeRequest, { id }, {}, o),
    declineChangeRequest: (id: string, message?: string, o?: CallOptions) => post(ROUTES.declineChangeRequest, { id }, message ? { message } : {}, o),
    guardDecideChangeRequest: (id: string, decision: 'approve' | 'deny', o?: CallOptions) => post(ROUTES.guardDecideChangeRequest, { id }, { decision }, o),
    /** `undefined` when unchanged since `etag` (304). */
    inbox: async (etag?: string, o?: CallOptions) => {
      const r = await ifChanged(ROUTES.inbox, none, etag, o);
      return { items: r.data?.items, etag: r.etag };
    },
    /** The poll's grant list: `list` is `undefined` when unchanged since `etag` (304). */
    grantsIfChanged: async (states: W.GrantWire['state'][], etag?: string, o?: CallOptions) => {
      const r = await ifChanged(ROUTES.grants, none, etag, o, { state: states.join(',') });
      return { list: r.data, etag: r.etag };
    },
    /** A ticket's Support activity: `page` is `undefined` when unchanged since `etag` (304). */
    activityIfChanged: async (key: string, etag?: string, o?: CallOptions) => {
      const r = await ifChanged(ROUTES.activity, { key }, etag, o);
      return { page: r.data, etag: r.etag };
    },
    requestProductAccess: (input: W.AccessRequestInput, o?: CallOptions) => post(ROUTES.requestProductAccess, none, input, o),
    /** Requests I review or made; `filter` lists are ANDed (any of the sites, any of the products…). */
    accessRequests: (state: z.infer<typeof W.AccessRequestState> = 'pending', filter: { site?: string[]; product?: string[]; kind?: W.AccessRequestKindWire[] } = {}, o?: CallOptions) =>
      get(ROUTES.accessRequests, none, o, { state, ...Object.fromEntries(Object.entries(filter).flatMap(([k, v]) => (v?.length ? [[k, v.join(',')]] : []))) }),
    bulkDecideAccessRequests: (ids: string[], decision: 'approve' | 'deny', message?: string, o?: CallOptions) =>
      post(ROUTES.bulkDecideAccessRequests, none, message ? { ids, decision, message } : { ids, decision }, o),
    /** For the request-access controls: `site` is a site id or the site's address. */
    accessRequestContext: (site: string, product: string, o?: CallOptions) => get(ROUTES.accessRequestContext, none, o, { site, product }),
    /** My requests (made by me or for me): `list` is `undefined` when unchanged since `etag` (304). */
    myAccessRequests: async (etag?: string, o?: CallOptions) => {
      const r = await ifChanged(ROUTES.myAccessRequests, none, etag, o);
      return { list: r.data, etag: r.etag };
    },
    approveAccessRequest: (id: string, o?: CallOptions) => post(ROUTES.approveAccessRequest, { id }, {}, o),
    denyAccessRequest: (id: string, message?: string, o?: CallOptions) => post(ROUTES.denyAccessRequest, { id }, message ? { message } : {}, o),
    audit: (q: { actor?: string; ticket?: string; from?: string; to?: string; cursor?: string; limit?: number } = {}, o?: CallOptions) => get(ROUTES.audit, none, o, q),
    verifyAudit: (o?: CallOptions) => get(ROUTES.verifyAudit, none, o),
    /** Signed checkpoints after row `cursor` (oldest first), with the key that verifies them. */
    auditCheckpoints: (q: { cursor?: string; limit?: number } = {}, o?: CallOptions) => get(ROUTES.auditCheckpoints, none, o, q),
    /** The org's experience, sites and products by name (org admins). */
    directorySites: (o?: CallOptions) => get(ROUTES.directorySites, none, o),
    /** Who may grant for `product` on `site` now and through which role or group, most relevant first, at most `limit` (org admins). */
    grantors: (site: string, product: string, limit?: number, o?: CallOptions) => get(ROUTES.grantors, none, o, { site, product, limit }),
    /** People and groups whose name, email or id contains `q` (org admins; at most 20 of each). */
    directoryLookup: (q: string, o?: CallOptions) => get(ROUTES.directoryLookup, none, o, { q }),
    /** Live grants whose granter can no longer grant (demoted, removed or deactivated), each with `grantedByNoLongerCan: true`, and the names of those in them (org admins). */
    flaggedGrants: (o?: CallOptions) => get(ROUTES.flaggedGrants, none, o),
    /** The org's role assignments (org admins); `user` or `group` narrows them. */
    roleAssignments: (q: { user?: string; group?: string } = {}, o?: CallOptions) => get(ROUTES.roleAssignments, none, o, q),
    createRoleAssignment: (input: RoleAssignmentInput, o?: CallOptions) => post(ROUTES.createRoleAssignment, none, input, o),
    /** 204; the next decision in every API process no longer sees it. */
    deleteRoleAssignment: async (id: string, o?: CallOptions): Promise<void> => {
      await send(ROUTES.deleteRoleAssignment, { id }, undefined, undefined, o);
    },
    /** The org's API keys (no secrets) and the engineers an access_check key may check as (org admins). */
    apiKeys: (o?: CallOptions) => get(ROUTES.apiKeys, none, o),
    /** A new key with its secret: the only time the secret is ever shown. */
    createApiKey: (input: ApiKeyInput, o?: CallOptions) => post(ROUTES.createApiKey, none, input, o),
    /** 204; the key is refused from its next use. */
    deleteApiKey: async (id: string, o?: CallOptions): Promise<void> => {
      await send(ROUTES.deleteApiKey, { id }, undefined, undefined, o);
    },
  };
}

export type AccessClient = ReturnType<typeof createAccessClient>;
