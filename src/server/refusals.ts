// Every refusal on a write route is on record, by one mechanism: this middleware sits on the write
// path of every route, and when a write (any non-GET request an identified caller makes to a route
// of the app) is answered with a 4xx problem (but 401 and 429: see auditRefusals), it appends exactly one audit row with outcome
// `refused`, the caller, the target and the problem's code, in a transaction of its own (the
// refused change rolled back). Routes and services only throw; none audits its own refusals.
// Under an Idempotency-Key the row is journaled like any other transaction of the request, so a
// retry replays it instead of writing it twice, and a replayed stored answer writes nothing.
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { ROUTES, routeKey } from '../api/contract';
import { isStorableText } from '../api/schemas';
import type { AuditAction } from '../api/vocabulary';
import type { Caller } from './auth';
import { appendAudit } from './audit';
import { keyAttribution } from './api-key-credential';
import type { ServerContext } from './context';
import type { Env } from './http';
import { asProblem, type HttpProblem } from './problems';
import { accessRequestById, currentTicket, grantById } from './store';
import { changeRequestById } from './change-requests-store';

/** Who and what a refused write was about. */
export interface RefusalTarget {
  ticket: string | null;
  resource: unknown;
}

/** How a write route's refusals are named in the audit log: the action the route would have done. */
interface WriteRoute {
  /** The action, or how the body names it. */
  action: AuditAction | ((body: Record<string, unknown>) => AuditAction);
  target?: (s: ServerContext, params: Record<string, string>, body: Record<string, unknown>) => Promise<RefusalTarget>;
}

const ticketParam = async (s: ServerContext, p: Record<string, string>): Promise<RefusalTarget> =>
  (await currentTicket(s.db, s.ix, p.key!)) ? { ticket: p.key!, resource: null } : { ticket: null, resource: { type: 'ticket', id: p.key } };
const grantParam = async (s: ServerContext, p: Record<string, string>): Promise<RefusalTarget> => {
  const g = await grantById(s.db, p.id!);
  return { ticket: g?.ticket ?? null, resource: { type: 'grant', id: p.id, ...(g ? { kind: g.kind } : {}) } };
};
const accessRequestParam = async (s: ServerContext, p: Record<string, string>): Promise<RefusalTarget> => {
  const r = await accessRequestById(s.db, p.id!);
  return { ticket: null, resource: { type: 'access_request', id: p.id, ...(r ? { site: r.site, product: r.product } : {}) } };
};
const changeRequestParam = async (s: ServerContext, p: Record<string, string>): Promise<RefusalTarget> => {
  const c = await changeRequestById(s.db, p.id!);
  return { ticket: c?.ticket ?? null, resource: { type: 'change_request', id: p.id } };
};
/** A client's string as the store can hold it: short, and never a NUL or lone surrogate (a 400 must still be recorded). */
const text = (v: unknown): string | undefined => (typeof v === 'string' ? storable(v.slice(0, 200)) : undefined);
const storable = (v: string): string => (isStorableText(v) ? v : [...v].map((ch) => (isStorableText(ch) ? ch : '\uFFFD')).join(''));

/**
 * The app's write routes by `METHOD path`. A write route missing here is still audited, as
 * `request.refused` with its route in the detail; the route-table test insists that each has a name.
 */
export const WRITE_ROUTES: Record<string, WriteRoute> = {
  // Refused whole (a ticked consent box its reporter may not give, an unknown site): no ticket exists, so the target is the product.
  [routeKey(ROUTES.createTicket)]: { action: 'ticket.create', target: async (_s, _p, b) => ({ ticket: null, resource: { type: 'product', site: text(b.site), product: text(b.product) } }) },
  [routeKey(ROUTES.grant)]: { action: 'grant.create', target: ticketParam },
  [routeKey(ROUTES.grantAiConversations)]: { action: 'ai_grant.create', target: ticketParam },
  [routeKey(ROUTES.ask)]: { action: 'grant.ask', target: ticketParam },
  [routeKey(ROUTES.requestAccess)]: { action: 'support_request.create', target: ticketParam },
  [routeKey(ROUTES.closeTicket)]: { action: 'ticket.close', target: ticketParam },
  [routeKey(ROUTES.revoke)]: { action: 'grant.revoke', target: grantParam },
  [routeKey(ROUTES.guardDecision)]: {
    action: (b) => (b.decision === 'approve' ? 'grant.guard_approve' : b.decision === 'deny' ? 'grant.guard_deny' : 'request.refused'),
    target: grantParam,
  },
  [routeKey(ROUTES.bulkGrant)]: { action: 'grant.bulk_create' },
  [routeKey(ROUTES.checkAccess)]: {
    // A refused change is on record as a change, whatever made it refused (a 400 included).
    action: (b) => (typeof b.action !== 'string' || b.action === 'read' ? 'access.check' : b.action === 'change_permissions' ? 'access.change_permissions' : 'access.change'),
    target: async (s, _p, b) => {
      const ticket = text(b.ticket);
      return { ticket: ticket && (await currentTicket(s.db, s.ix, ticket)) ? ticket : null, resource: null };
    },
  },
  [routeKey(ROUTES.requestProductAccess)]: {
    action: 'access_request.create',
    target: async (_s, _p, b) => ({ ticket: null, resource: { type: 'product', site: text(b.site), product: text(b.product) } }),
  },
  [routeKey(ROUTES.createChangeRequest)]: { action: 'change_request.create', target: ticketParam },
  [routeKey(ROUTES.approveChangeRequest)]: { action: 'change_request.approve', target: changeRequestParam },
  [routeKey(ROUTES.declineChangeRequest)]: { action: 'change_request.decline', target: changeRequestParam },
  [routeKey(ROUTES.guardDecideChangeRequest)]: {
    action: (b) => (b.decision === 'approve' ? 'change_request.guard_approve' : b.decision === 'deny' ? 'change_request.guard_deny' : 'request.refused'),
    target: changeRequestParam,
  },
  [routeKey(ROUTES.approveAccessRequest)]: { action: 'access_request.approve', target: accessRequestParam },
  [routeKey(ROUTES.denyAccessRequest)]: { action: 'access_request.deny', target: accessRequestParam },
  [routeKey(ROUTES.signOut)]: { action: 'auth.sign_out' },
  [routeKey(ROUTES.createApiKey)]: { action: 'api_key.create', target: async (_s, _p, b) => ({ ticket: null, resource: { type: 'api_key', name: text(b.name) } }) },
  [routeKey(ROUTES.deleteApiKey)]: { action: 'api_key.delete', target: async (_s, p) => ({ ticket: null, resource: { type: 'api_key', id: p.id } }) },
  // A refused batch as a whole (bad body, not a reviewer); each refused row of a 200 answer is recorded by the route.
  [routeKey(ROUTES.bulkDecideAccessRequests)]: { action: (b) => (b.decision === 'approve' ? 'access_request.approve' : b.decision === 'deny' ? 'access_request.deny' : 'request.refused') },
};

/** How a refusal on a write route missing from WRITE_ROUTES is recorded (with its route in the detail). */
const UNNAMED: WriteRoute = { action: 'request.refused' };

/** The audit row of one refusal; also used for the per-row refusals of a bulk answer. */
export async function recordRefusal(
  s: ServerContext,
  caller: Caller,
  action: AuditAction,
  target: RefusalTarget,
  refusal: HttpProblem | { status: number; kind: string; detail?: string; extra?: Record<string, unknown> },
  route?: string,
): Promise<void> {
  const extra = refusal.extra ?? {};
  const causes = Array.isArray(extra.causes) ? (extra.causes as Array<{ code?: unknown }>).map((c) => c.code) : undefined;
  const detail = {
    code: typeof extra.code === 'string' ? text(extra.code) : refusal.kind,
    status: refusal.status,
    reason: refusal.detail === undefined ? undefined : storable(refusal.detail.slice(0, 500)),
    ...(causes ? { causes } : {}),
    ...(route ? { route } : {}),
  };
  // A key's refusal names the key (its id as actor, its name in the detail), not the engineer it acts as.
  const byKey = keyAttribution(caller);
  const actor = byKey ? { actor: byKey.actor, actorKind: byKey.actorKind } : { actor: caller.id, actorKind: caller.kind };
  await s.db.transaction((tx) =>
    appendAudit(tx, { ...actor, action, ticket: target.ticket, resource: target.resource, outcome: 'refused', detail: byKey ? { ...detail, ...byKey.detail } : detail }, s.now()),
  );
}

/**
 * The route whose handler answers this request (`{ method, path }`, path as declared, e.g.
 * `/v1/grants/:id/revoke`), or undefined when none does. Hono matches on the percent-decoded
 * path, so decisions about a route must use this, never the raw URL (`/v1/access/%63heck` is the
 * access check).
 */
export function handlerRoute(c: Context<Env>): { method: string; path: string } | undefined {
  // Hono answers HEAD with the GET handler: the route that answers a HEAD is the GET one (the
  // key-scope check looked for a HEAD route, found none and let a key of any scope through).
  const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
  return matchedRoutes(c).find((r) => r.method === method);
}

/**
 * Middleware: a write answered with a 4xx leaves one `refused` audit row (see the file comment).
 * Mounted twice, one mechanism: inside the idempotency layer, where a route's refusal is journaled
 * under the request's key, and outside it (right after authentication), for what the layers in
 * between refuse themselves (413 body too large, a malformed or reused Idempotency-Key, a retry
 * while the first is in flight). A request's refusal is recorded once (the inner mark), and a
 * replayed stored answer is not recorded again.
 */
export function auditRefusals(s: ServerContext): MiddlewareHandler<Env> {
  return async (c, next) => {
    await next(); // Hono answers a thrown problem through onError; c.error keeps it
    const status = c.res.status;
    // 429s are about volume, not the request: recording each would let a flood write the log.
    // 401s (a bad or missing token) have no authenticated caller to charge a row to; they are
    // charged to the failed-authentication brake instead (throttle.ts). Recording them would let
    // anyone, holding no token at all, write the audit trail as fast as they can send requests.
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS' || status < 400 || status >= 500 || status === 429 || status === 401) return;
    if (c.get('refusalRecorded') || c.res.headers.get('idempotent-replayed') === 'true') return;
    const caller = c.get('caller');
    const route = handlerRoute(c);
    if (!caller || !route) return; // no such route: nothing was attempted
    c.set('refusalRecorded', true);
    const name = `${route.method} ${route.path}`;
    // A body refused for its size is never read.
    const body = status === 413 ? {} : await bodyObject(c);
    const spec = WRITE_ROUTES[name];
    const target = spec?.target ? await spec.target(s, paramsOf(route.path, c.req.path), body) : { ticket: null, resource: null };
    const err = asProblem(c.error);
    const refusal = err ?? (await problemOf(c.res, status));
    const action = (spec ?? UNNAMED).action;
    await recordRefusal(s, caller, typeof action === 'function' ? action(body) : action, target, refusal, spec ? undefined : name);
  };
}

/** The request body as an object, if it was one (the handler read it first; Hono keeps it). */
async function bodyObject(c: Context<Env>): Promise<Record<string, unknown>> {
  try {
    const v: unknown = JSON.parse(c.get('rawBody') ?? (await c.req.text()));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A 4xx answered without a thrown problem (none today): read its problem body. */
async function problemOf(res: Response, status: number): Promise<{ status: number; kind: string; detail?: string; extra?: Record<string, unknown> }> {
  let body: Record<string, unknown> = {};
  try {
    body = (await res.clone().json()) as Record<string, unknown>;
  } catch {
    // not a problem body
  }
  const kind = typeof body.type === 'string' ? body.type.replace(/^.*\//, '') : `http-${status}`;
  return { status, kind, detail: typeof body.detail === 'string' ? body.detail : undefined, extra: body };
}

/** Path parameters of `pattern` (":name" segments) in `path`. */
function paramsOf(pattern: string, path: string): Record<string, string> {
  const names: string[] = [];
  const re = new RegExp(
    `^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_m, n: string) => {
      names.push(n);
      return '([^/]+)';
    })}/?$`,
  );
  const m = re.exec(path);
  const out: Record<string, string> = {};
  names.forEach((n, i) => {
    const v = m?.[i + 1];
    if (v !== undefined) out[n] = text(safeDecode(v))!;
  });
  return out;
}

function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}
