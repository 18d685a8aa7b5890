// Every refusal on a write route is on record, by one mechanism: the route pipeline (route.ts)
// calls auditRefusal when a write (any non-GET request an identified caller makes to a declared
// route) is answered with a 4xx problem (but 401 and 429: see auditRefusal), which appends exactly
// one audit row with outcome `refused`, the caller, the target and the problem's code, in a
// transaction of its own (the refused change rolled back). Under an Idempotency-Key that
// transaction goes through the key's journal like any other of the request, so a retry replays it
// instead of writing it twice, and a replayed stored answer writes nothing. How each route's
// refusals are named (`RefusalName`) is declared with the route; the targets routes share are here.
import type { Context } from 'hono';
import { honoPath, type RouteDef } from '../../api/contract';
import { isStorableText } from '../../api/schemas';
import type { AuditAction } from '../../api/vocabulary';
import type { Caller } from './auth';
import { keyAttribution } from '../identity/api-key-credential';
import type { ServerContext } from '../context';
import type { Env } from './input';
import type { HttpProblem } from './problems';
import { accessRequestById, currentTicket, grantById } from '../grants/repository';
import { changeRequestById } from '../grants/change-requests-repository';

/** Who and what a refused write was about. */
export interface RefusalTarget {
  ticket: string | null;
  resource: unknown;
}

/** How a write route's refusals are named in the audit log: the action the route would have done, and its target. */
export interface RefusalName {
  /** The action, or how the body names it. */
  action: AuditAction | ((body: Record<string, unknown>) => AuditAction);
  target?: (s: ServerContext, params: Record<string, string>, body: Record<string, unknown>) => Promise<RefusalTarget>;
}

/** Targets the write routes share: the ticket, grant, access request or change request of the path. */
export const TARGET = {
  /** `{key}`: the ticket when it exists, else the key as a resource. */
  ticket: async (s: ServerContext, p: Record<string, string>): Promise<RefusalTarget> =>
    (await currentTicket(s.db, s.ix, p.key!)) ? { ticket: p.key!, resource: null } : { ticket: null, resource: { type: 'ticket', id: p.key } },
  grant: async (s: ServerContext, p: Record<string, string>): Promise<RefusalTarget> => {
    const g = await grantById(s.db, p.id!);
    return { ticket: g?.ticket ?? null, resource: { type: 'grant', id: p.id, ...(g ? { kind: g.kind } : {}) } };
  },
  accessRequest: async (s: ServerContext, p: Record<string, string>): Promise<RefusalTarget> => {
    const r = await accessRequestById(s.db, p.id!);
    return { ticket: null, resource: { type: 'access_request', id: p.id, ...(r ? { site: r.site, product: r.product } : {}) } };
  },
  changeRequest: async (s: ServerContext, p: Record<string, string>): Promise<RefusalTarget> => {
    const c = await changeRequestById(s.db, p.id!);
    return { ticket: c?.ticket ?? null, resource: { type: 'change_request', id: p.id } };
  },
  /** The body's site and product (a refused request names no ticket or record yet). */
  product: async (_s: ServerContext, _p: Record<string, string>, b: Record<string, unknown>): Promise<RefusalTarget> => ({
    ticket: null,
    resource: { type: 'product', site: clientText(b.site), product: clientText(b.product) },
  }),
} as const;

/** A client's string as the store can hold it: short, and never a NUL or lone surrogate (a 400 must still be recorded). */
export const clientText = (v: unknown): string | undefined => (typeof v === 'string' ? storable(v.slice(0, 200)) : undefined);
const storable = (v: string): string => (isStorableText(v) ? v : [...v].map((ch) => (isStorableText(ch) ? ch : '\uFFFD')).join(''));

/** How a refusal on a write route that names none is recorded (with its route in the detail). */
const UNNAMED: RefusalName = { action: 'request.refused' };

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
    code: typeof extra.code === 'string' ? clientText(extra.code) : refusal.kind,
    status: refusal.status,
    reason: refusal.detail === undefined ? undefined : storable(refusal.detail.slice(0, 500)),
    ...(causes ? { causes } : {}),
    ...(route ? { route } : {}),
  };
  // A key's refusal names the key (its id as actor, its name in the detail), not the engineer it acts as.
  const byKey = keyAttribution(caller);
  const actor = byKey ? { actor: byKey.actor, actorKind: byKey.actorKind } : { actor: caller.id, actorKind: caller.kind };
  await s.db.transaction((tx) =>
    s.trail.append(tx, { ...actor, action, ticket: target.ticket, resource: target.resource, outcome: 'refused', detail: byKey ? { ...detail, ...byKey.detail } : detail }, s.now()),
  );
}

/**
 * Records the refusal `refusal` (or the 4xx problem answer `res`) of a request to the declared
 * route `def`, named by `name`, through `s.db` (journal-aware under an Idempotency-Key). Nothing is
 * recorded for a read (GET, HEAD, OPTIONS), a 401 or a 429:
 * - 429s are about volume, not the request: recording each would let a flood write the log;
 * - 401s (a bad or missing token) have no authenticated caller to charge a row to; they are charged
 *   to the failed-authentication brake instead (throttle.ts). Recording them would let anyone,
 *   holding no token at all, write the audit trail as fast as they can send requests.
 */
export async function auditRefusal(c: Context<Env>, s: ServerContext, def: RouteDef, name: RefusalName | undefined, refusal?: HttpProblem, res?: Response): Promise<void> {
  const status = refusal?.status ?? res?.status ?? 0;
  if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS' || status < 400 || status >= 500 || status === 429 || status === 401) return;
  const caller = c.get('caller');
  // A body refused for its size is never read.
  const body = status === 413 ? {} : bodyObject(c);
  const params = Object.fromEntries(Object.entries(c.req.param() as Record<string, string>).map(([k, v]) => [k, clientText(v) ?? '']));
  const target = name?.target ? await name.target(s, params, body) : { ticket: null, resource: null };
  const action = (name ?? UNNAMED).action;
  await recordRefusal(
    s,
    caller,
    typeof action === 'function' ? action(body) : action,
    target,
    refusal ?? (await problemOf(res!, status)),
    name ? undefined : `${def.method.toUpperCase()} ${honoPath(def.path)}`,
  );
}

/** The request body as an object, if it was one (the pipeline read it first). */
function bodyObject(c: Context<Env>): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(c.get('rawBody') ?? '');
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A 4xx answered without a thrown problem (none today): read its body. */
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

/**
 * A write (any method but GET, HEAD and OPTIONS) by an authenticated caller that no route answers: a
 * path nothing is declared on (404) or a method its route does not take (405). Nothing was done, but
 * something was attempted under a credential, so it is on record like any refused write: one
 * `request.refused` row naming the method and path (the path cut to 200 characters; the body is
 * never read, nor kept). The per-token rate limit runs before it, so a flood of these costs the log
 * no more than a flood of any other refused write. Unauthenticated requests (401, charged to the
 * failed-authentication brake) and reads are not recorded.
 */
export async function auditUnroutedWrite(c: Context<Env>, s: ServerContext, refusal: HttpProblem | { status: number; kind: string; detail?: string }): Promise<void> {
  const caller = c.get('caller');
  const method = c.req.method;
  if (!caller || method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return;
  await recordRefusal(s, caller, 'request.refused', { ticket: null, resource: null }, refusal, `${clientText(method) ?? ''} ${clientText(c.req.path) ?? ''}`);
}
