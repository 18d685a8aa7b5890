// A route is declared once, beside its handler: `route(r, ROUTES.x, policy, handler)`. The contract
// entry (src/api/contract.ts) gives its method, path, body schema and API-key scope; the policy says
// who may call it, how its refusals are named in the audit trail and whether an Idempotency-Key
// replays it. One pipeline runs every declared route, in this order:
//
//   API-key scope → body read (size limit) → Idempotency-Key claim (routes declared `journaled`)
//   → who may call → body, path parameters and query validated → the caller's authority over what
//   the request names → handler → the answer kept
//
// A stored success found at the claim is sent again only after the same `who` and `authority` a fresh
// request by this caller meets now pass (authentication ran before the pipeline; the key is bound
// to the principal that claimed it: idempotency.ts); otherwise that refusal is the answer.
// A refusal on a write (a 4xx problem but 401 and 429; GET, HEAD and OPTIONS never) anywhere on
// the way leaves exactly one `refused` audit row, written through the key's journal once the key is
// claimed (a retry replays it instead of writing it twice) and never for a replayed stored answer.
// Routes and services only throw; none audits its own refusals (but the per-row refusals of a bulk
// answer, which is a 200: recordRefusal in refusals.ts).
//
// The policy is kept on the registered handler (`policyOf`), so the route table is the one place
// that says what each route is: the refusal test walks it, and no table elsewhere repeats it.
//
// A route written with the old `on(r, ROUTES.x, async (c) => …)` (http/request.ts) still runs
// through this pipeline with the default policy, but its writes are not journaled. To convert it:
//   route(r, ROUTES.x, { who: WHO.people('…'), refusal: { action: 'grant.create', target: TARGET.ticket } },
//     async (c, { s, caller, body, params, query }) => …)
// and drop from the handler what the pipeline now does: `callerOf(c)` → `caller`, `jsonBody(c,
// ROUTES.x.body)` → `body`, `pathParam(c, 'key')` → `params.key`, `validate(Q, c.req.query())` →
// `query` with `query: Q` in the policy, a kind or role check at the top → `who`. Use the `s` the
// handler is given (journal-aware under an Idempotency-Key), never the one the route file was
// built with (name that one `_s`). A decision that must be taken afresh, or an answer that must not
// be stored, says `replay: 'never'`.
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { matchedRoutes } from 'hono/route';
import { COMPOSED_HANDLER } from 'hono/utils/constants';
import type { z } from 'zod';
import { honoPath, type PathParams, type RouteDef } from '../../api/contract';
import type { ServerContext } from '../context';
import type { Caller } from './auth';
import { claimIdempotencyKey, type KeyClaim } from './idempotency';
import { errorProblem, HttpProblem, problem, problemResponse } from './problems';
import { auditRefusal, type RefusalName } from './refusals';
import { jsonBody, pathParam, validate, type Env } from './input';

declare module 'hono' {
  /** The app's context, set for every request in front of the routes (app.ts). */
  interface ContextVariableMap {
    server: ServerContext;
  }
}

/**
 * Who may call a route, checked before its body is read for meaning: `may` false → 403 `forbidden`
 * with `refused` as its detail. People and machine callers by kind: see WHO.
 */
export interface Who<C extends Caller = Caller> {
  may: ((s: ServerContext, caller: Caller) => caller is C) | ((s: ServerContext, caller: Caller) => boolean);
  refused: string;
}

/**
 * What a route is besides its contract entry.
 * - `who`: who may call it (default: any authenticated caller; services still decide per resource).
 * - `refusal`: how a refused write is named in the audit trail (the action it would have done, and
 *   its target). A write route without one is still audited, as `request.refused` with its route in
 *   the detail; the route-table test insists that each write route has one.
 * - `replay`: for a POST, `journaled` (the default) runs it once per Idempotency-Key, its
 *   transactions journaled (the handler's `s.db` is journal-aware); `never` ignores the header
 *   (decisions that must be taken afresh, answers that must not be stored).
 * - `query`: the zod schema of its query string; the handler gets it parsed.
 */
export interface RoutePolicy<Q extends z.ZodType | undefined = undefined, C extends Caller = Caller> {
  who?: Who<C>;
  /**
   * The caller's authority over what this request names (their role over its ticket, grant or
   * request), as the refusal a fresh request by them would get for lack of it now; undefined when
   * they hold it. Never the resource's state (a grant since revoked, a ticket closed). Asked on
   * every run of the handler, including a retry that took over a crashed runner's key (whose
   * committed transactions are replayed, not decided again), and before a stored answer is sent
   * again: a replayed answer never outlives the authority it was given on. `replaying`: a stored
   * answer is about to be sent, `stored` its body as JSON (a bulk route, whose fresh answer decides
   * per row, asks only then, about the rows that answer says were done).
   */
  authority?: (
    s: ServerContext,
    caller: Caller,
    input: { params: Record<string, string>; body: unknown; replaying: boolean; stored?: unknown },
  ) => Promise<HttpProblem | undefined> | HttpProblem | undefined;
  refusal?: RefusalName;
  replay?: 'journaled' | 'never';
  query?: Q;
  /** Answered without a credential (publicRoute): set by it, never by hand. */
  public?: true;
}

type BodyOf<D extends RouteDef> = D['body'] extends z.ZodType ? z.infer<D['body']> : undefined;
type QueryOf<Q> = Q extends z.ZodType ? z.infer<Q> : undefined;

/** What the pipeline hands a route's handler, validated. */
export interface RouteInput<D extends RouteDef, Q, C extends Caller = Caller> {
  /**
   * The server, for this request: under a claimed Idempotency-Key its `db` journals each
   * transaction under the key. Use this one, never the context the route file was built with.
   */
  s: ServerContext;
  /** Narrowed by `who` when it names a kind (WHO.people: a person of the org). */
  caller: C;
  body: BodyOf<D>;
  params: PathParams<D['path']> & Record<string, string>;
  query: QueryOf<Q>;
}

export type RouteHandler<D extends RouteDef, Q, C extends Caller = Caller> = (c: Context<Env>, input: RouteInput<D, Q, C>) => Response | Promise<Response>;

/** A registered handler, carrying its declaration. */
type Declared = ((c: Context<Env>) => Promise<Response>) & { declared: { def: RouteDef; policy: RoutePolicy<z.ZodType | undefined, Caller> } };

type PersonCaller = Extract<Caller, { kind: 'admin' }>;

/** A stored answer about to be sent again: its body as JSON (undefined when it has none). */
type Replay = { answer: unknown };

/** Callers by kind, for `who`. */
export const WHO = {
  /** People of the customer org (not Support, not machine keys). */
  people: (refused: string): Who<PersonCaller> => ({ may: (_s: ServerContext, c: Caller): c is PersonCaller => c.kind === 'admin', refused }),
  /** Any caller for whom `may` holds. */
  when: (may: Who['may'], refused: string): Who => ({ may, refused }),
} as const;

/**
 * Registers `handler` for the contract route `def` on `r` (a sub-app mounted at `prefix`, `/v1`),
 * under `policy` (see RoutePolicy). The handler gets the request's server context, caller, and the
 * body (`def.body`), path parameters and query (`policy.query`) already validated.
 */
export function route<D extends RouteDef, Q extends z.ZodType | undefined = undefined, C extends Caller = Caller>(
  r: Hono<Env>,
  def: D,
  policy: RoutePolicy<Q, C>,
  handler: RouteHandler<D, Q, C>,
  prefix = '/v1',
): void {
  const names = [...def.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  // `replaying`: a stored answer is about to be sent instead of running the handler; it is sent
  // only if this caller may make the request now (`who`, then `authority`), and undefined is returned.
  const run = async (c: Context<Env>, s: ServerContext, caller: Caller, stored: Replay | undefined): Promise<Response | undefined> => {
    const replaying = stored !== undefined;
    if (policy.who && !policy.who.may(s, caller)) throw problem('forbidden', policy.who.refused);
    let input: { body: BodyOf<D>; params: RouteInput<D, Q, C>['params']; query: QueryOf<Q> };
    try {
      input = {
        body: (def.body ? await jsonBody(c, def.body) : undefined) as BodyOf<D>,
        params: Object.fromEntries(names.map((n) => [n, pathParam(c, n)])) as RouteInput<D, Q, C>['params'],
        query: (policy.query ? validate(policy.query, c.req.query()) : undefined) as QueryOf<Q>,
      };
    } catch (e) {
      // The stored answer to input that does not validate is that refusal: nothing to re-decide.
      if (replaying) return undefined;
      throw e;
    }
    const refused = await policy.authority?.(s, caller, { params: input.params, body: input.body, replaying, stored: stored?.answer });
    if (refused) throw refused;
    if (replaying) return undefined;
    return handler(c, { s, caller: caller as C, ...input });
  };
  const declared = (async (c: Context<Env>) => {
    const caller = c.get('caller');
    // Every declared route sits behind authentication (app.ts); sign-in is a publicRoute.
    if (!caller) throw new HttpProblem('unauthenticated', 'Send Authorization: Bearer <token>.');
    return pipeline(c, c.get('server'), def, policy as RoutePolicy<z.ZodType | undefined, Caller>, (c2, s2, stored) => run(c2, s2, c2.get('caller'), stored));
  }) as Declared;
  declared.declared = { def, policy: policy as RoutePolicy<z.ZodType | undefined, Caller> };
  r.on(def.method.toUpperCase(), honoPath(def.path, prefix), declared);
}

/**
 * Registers a route answered without an API credential (sign-in: how one is made). No pipeline:
 * nobody to hold to a key scope or charge a refusal to; the handler reads and checks its own input
 * and sets its own body limit.
 */
export function publicRoute(r: Hono<Env>, def: RouteDef, handler: (c: Context<Env>) => Response | Promise<Response>, prefix = '/v1'): void {
  const declared = (async (c: Context<Env>) => handler(c)) as Declared;
  declared.declared = { def, policy: { public: true } };
  r.on(def.method.toUpperCase(), honoPath(def.path, prefix), declared);
}

/**
 * Registers a route that runs a pipeline of its own instead of this one (SCIM: its own credential
 * check, limits and error schema, RFC 7644). It is declared all the same, so the route table names
 * its refusals (`policyOf`) and its own refusal recorder reads them back (`declarationOf`).
 */
export function ownPipelineRoute(r: Hono<Env>, def: RouteDef, policy: RoutePolicy, handler: (c: Context<Env>) => Response | Promise<Response>, prefix: string): void {
  const declared = (async (c: Context<Env>) => handler(c)) as Declared;
  declared.declared = { def, policy: policy as RoutePolicy<z.ZodType | undefined, Caller> };
  r.on(def.method.toUpperCase(), honoPath(def.path, prefix), declared);
}

/**
 * The declaration of the route `c` was matched to (after it ran, e.g. in a middleware's tail) and
 * its path parameters, or undefined when no declared route matched.
 */
export function declarationOf(c: Context<Env>): { declared: Declared['declared']; params: Record<string, string> } | undefined {
  const found = matchedRoutes(c).find((x) => declaredOf(x.handler));
  if (!found) return undefined;
  const names: string[] = [];
  const pattern = new RegExp(
    `^${found.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\/:(\w+)/g, (_m, n: string) => {
      names.push(n);
      return '/([^/]+)';
    })}$`,
  );
  const m = pattern.exec(c.req.path);
  const params = Object.fromEntries(names.map((n, i) => [n, safeDecode(m?.[i + 1] ?? '')]));
  return { declared: declaredOf(found.handler)!, params };
}

/** A handler's declaration, also through the wrapper Hono puts around a sub-app's handlers when that sub-app has its own error handler (SCIM's). */
function declaredOf(handler: unknown): Declared['declared'] | undefined {
  const h = handler as Partial<Declared> & { [COMPOSED_HANDLER]?: Partial<Declared> };
  return h.declared ?? h[COMPOSED_HANDLER]?.declared;
}

const safeDecode = (v: string): string => {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
};

/**
 * The route's declaration: its contract entry and policy, or undefined for a handler not
 * registered by `route` (healthz, openapi.json).
 */
export function policyOf(app: Hono<Env>, method: string, path: string): Declared['declared'] | undefined {
  const found = app.routes.find((x) => x.method === method && x.path === path && declaredOf(x.handler));
  return found ? declaredOf(found.handler) : undefined;
}

/** Everything but the handler's own checks: see the file comment for the order. */
async function pipeline(
  c: Context<Env>,
  base: ServerContext,
  def: RouteDef,
  policy: RoutePolicy<z.ZodType | undefined, Caller>,
  run: (c: Context<Env>, s: ServerContext, stored: Replay | undefined) => Promise<Response | undefined>,
): Promise<Response> {
  let claim: KeyClaim | undefined;
  let res: Response;
  let recorded = false;
  try {
    admitKey(c, base, def);
    const raw = await readBody(c, base.http.bodyLimitBytes);
    const journaled = def.method === 'post' && policy.replay !== 'never';
    const claimed = journaled ? await claimIdempotencyKey(base, c, raw) : undefined;
    if (claimed instanceof Response) {
      // A stored success is sent again only to a caller who may make the request now; otherwise the
      // refusal a fresh request would get (recorded below, not kept under the key). A stored refusal
      // gives nothing and is sent again as it is. Sent again, nothing is recorded twice.
      if (claimed.status < 400)
        await run(c, base, {
          answer: await claimed
            .clone()
            .json()
            .catch(() => undefined),
        });
      return claimed;
    }
    claim = claimed;
    res = (await run(c, claim ? { ...base, db: claim.db } : base, undefined))!;
  } catch (e) {
    const refusal = errorProblem(e);
    if (!refusal || refusal.status >= 500) {
      await claim?.release();
      throw e;
    }
    res = problemResponse(c, refusal);
    recorded = true;
    try {
      await auditRefusal(c, claim ? { ...base, db: claim.db } : base, def, policy.refusal, refusal);
    } catch (failure) {
      await claim?.release();
      throw failure;
    }
  }
  // A 4xx a handler answered without throwing (none today) is a refusal all the same.
  if (!recorded && res.status >= 400 && res.status < 500) await auditRefusal(c, claim ? { ...base, db: claim.db } : base, def, policy.refusal, undefined, res);
  await claim?.settle(res);
  return res;
}

/**
 * An API key may call only the routes its scopes name (the contract's `keyScope`): 403
 * `key_scope` otherwise. On the access check an `access_check` key acts as the engineer it was
 * bound to, keeping the key so the audit row names it. People's tokens are not affected.
 */
function admitKey(c: Context<Env>, s: ServerContext, def: RouteDef): void {
  const caller = c.get('caller');
  if (caller.kind !== 'key') return;
  const scope = def.keyScope;
  const name = `${def.method.toUpperCase()} ${honoPath(def.path)}`;
  if (!scope || !caller.key.scopes.includes(scope)) throw problem('forbidden', `This API key's scopes (${caller.key.scopes.join(', ')}) do not cover ${name}.`, { code: 'key_scope' });
  if (scope === 'access_check') {
    const engineer = caller.key.engineer;
    if (!engineer || !s.ix.engineersById.has(engineer)) throw problem('forbidden', 'The engineer this key checks as is no longer in the directory.', { code: 'key_engineer_gone' });
    c.set('caller', { kind: 'engineer', id: engineer, tokenHash: caller.tokenHash, key: caller.key });
  }
}

/** The body as text, at most `limit` bytes (413 past it; Hono's bodyLimit counts); kept as `rawBody`. */
async function readBody(c: Context<Env>, limit: number): Promise<string> {
  const tooLarge = () => new HttpProblem('payload-too-large', `Keep request bodies under ${limit} bytes.`);
  // A body framed by Content-Length alone (what clients send over a socket): its size is known up
  // front, and the HTTP parser reads no more than that. It is read without touching `raw.body`,
  // whose first use makes the Node server build a whole web Request with a stream (~0.2 ms a request).
  const length = c.req.header('content-length');
  if (length !== undefined && c.req.header('transfer-encoding') === undefined && /^\d{1,15}$/.test(length)) {
    if (Number(length) > limit) throw tooLarge();
    const raw = Number(length) === 0 ? '' : await c.req.text();
    // An in-process Request is not framed by a parser: its header could say less than it holds.
    if (Buffer.byteLength(raw) > limit) throw tooLarge();
    c.set('rawBody', raw);
    return raw;
  }
  // No route reads a GET's body, and asking for one would build the web Request all the same.
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return '';
  // Anything else (chunked, or an in-process Request with a stream): counted as it is read.
  if (!c.req.raw.body) return '';
  await bodyLimit({
    maxSize: limit,
    onError: () => {
      throw tooLarge();
    },
  })(c, async () => {});
  const raw = await c.req.text();
  c.set('rawBody', raw);
  return raw;
}
