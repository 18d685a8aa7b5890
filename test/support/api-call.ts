// Tests call the Access API through its contract (src/api/contract.ts, src/api/scim-contract.ts):
// a call names a route, and its method and path come from the route's definition, with the path
// parameters typed from its template. The answer stays raw (status, content type, headers, parsed
// JSON or text), so a test can assert on refusals and problem details as well as on success.
// `send` is the raw form for what the contract cannot express on purpose: a wrong method, an
// unknown or malformed path, a path encoded by hand.
import { fillPath, type PathParams, type RouteDef, type ROUTES } from '../../src/api/contract';
import type { SCIM_ROUTES } from '../../src/api/scim-contract';

/** Query parameters: an object (undefined values left out) or a query string without its `?`. */
export type Query = Record<string, string | number | boolean | undefined> | string;

export interface CallOptions {
  /** Appended to the path as `?…`. */
  query?: Query;
  /** Extra request headers; they override the defaults (authorization, content-type). */
  headers?: Record<string, string>;
  /** Aborts the request; over HTTP the default is a 10 s timeout (what the load tests always had). */
  signal?: AbortSignal;
}

type Routes = typeof ROUTES & typeof SCIM_ROUTES;
type HasParams<P extends string> = P extends `${string}{${string}}${string}` ? true : false;
type SendsBody<M extends string> = M extends 'get' | 'delete' ? false : true;

/** What follows the route in a call: its path parameters when its path has any, a body for POST, PUT and PATCH, then options. */
export type CallArgs<R extends RouteDef> = [
  ...(HasParams<R['path']> extends true ? [params: PathParams<R['path']>] : []),
  ...(SendsBody<R['method']> extends true ? [body?: unknown, options?: CallOptions] : [options?: CallOptions]),
];

/** The routes that answer with server-sent events (never read whole with callApi: they stay open). */
export type StreamRoute = typeof ROUTES.events | typeof ROUTES.auditStream;

/** A route of the contract: the Access API's or SCIM's. */
export type ContractRoute = Routes[keyof Routes];

/** One call of a contract route: the route, then its CallArgs. Tables of calls are typed row by row with it. */
export type RouteCall = { [K in keyof Routes]: [route: Routes[K], ...CallArgs<Routes[K]>] }[keyof Routes];

/** Calls a row of a table of calls, or a route typed by it (listed last, so a type error names the route's own arguments). */
export interface Caller {
  (token: string | null, ...call: RouteCall): Promise<Answer>;
  <R extends ContractRoute>(token: string | null, route: R, ...args: CallArgs<R>): Promise<Answer>;
}

/** An answer as it came: `json` is the parsed body, or its text when it is not JSON, or undefined when empty. */
export interface Answer<T = any> {
  status: number;
  /** The content-type header ('' when absent). */
  type: string;
  headers: Headers;
  json: T;
  text: string;
}

/**
 * Where calls go: an API's base URL (or an object with `base`, like a started process), or anything
 * with Hono's `request(path, init)` (an app, answered without a socket).
 */
export type Target = string | { base: string } | { request(path: string, init: RequestInit): Response | Promise<Response> };

const hasParams = (route: RouteDef) => /\{\w+\}/.test(route.path);
const sendsBody = (route: RouteDef) => route.method !== 'get' && route.method !== 'delete';

function queryString(query: Query | undefined): string {
  if (query === undefined) return '';
  const q = typeof query === 'string' ? query : new URLSearchParams(Object.entries(query).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]]))).toString();
  return q ? `?${q}` : '';
}

/**
 * The path of a route, parameters filled in (URI-encoded, as the extension's client does) and the
 * query appended: `pathOf(ROUTES.grant, { key: 'PS-1' })` → `/v1/tickets/PS-1/grants`.
 */
export function pathOf<R extends RouteDef>(
  route: R,
  ...[params, query]: HasParams<R['path']> extends true ? [params: PathParams<R['path']>, query?: Query] : [params?: Record<string, never>, query?: Query]
): string {
  return fillPath(route.path, (params ?? {}) as Record<string, string>) + queryString(query);
}

/**
 * One request, raw: `method` and `path` (with any query) exactly as given. A string body is sent as
 * it is (malformed JSON, other media types); anything else as JSON. `token` null sends no
 * authorization. Use `callApi` for every route of the contract; this is for what it cannot express.
 */
export async function send(target: Target, token: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Answer> {
  const init: RequestInit = {
    method,
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  };
  const res =
    typeof target === 'object' && 'request' in target
      ? await target.request(path, { ...init, signal })
      : await fetch(`${typeof target === 'string' ? target : target.base}${path}`, { ...init, signal: signal ?? AbortSignal.timeout(10_000) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, json, text };
}

/** The request a call makes (method, path with its query, body, options), for a test that sends it raw with `send`. */
export function requestOf([route, ...args]: RouteCall): { method: string; path: string; body: unknown; options: CallOptions } {
  const def = route as RouteDef;
  const rest = args as unknown[];
  let i = 0;
  const params = hasParams(def) ? (rest[i++] as Record<string, string>) : {};
  const body = sendsBody(def) ? rest[i++] : undefined;
  const options = (rest[i] ?? {}) as CallOptions;
  return { method: def.method.toUpperCase(), path: fillPath(def.path, params) + queryString(options.query), body, options };
}

/** A call as a person reads it, for test names and messages: `POST /v1/tickets/PS-1/grants`. */
export function describeCall(...call: RouteCall): string {
  const r = requestOf(call);
  return `${r.method} ${r.path}`;
}

/**
 * Calls a contract route: `callApi(target, 'alice-token', ROUTES.grant, { key: 'PS-1' }, {}, { headers })`,
 * `callApi(target, 'alice-token', ROUTES.audit, { query: { actor: 'sam' } })`. Method and path come from
 * the route; the arguments after it are its path parameters (when its path has any), a body (POST,
 * PUT, PATCH) and options (query, headers, signal). Never throws on a refusal: the answer is raw.
 */
export function callApi<T = any>(target: Target, token: string | null, ...call: RouteCall): Promise<Answer<T>>;
export function callApi<T = any, R extends ContractRoute = ContractRoute>(target: Target, token: string | null, route: R, ...args: CallArgs<R>): Promise<Answer<T>>;
export function callApi(target: Target, token: string | null, ...call: RouteCall): Promise<Answer> {
  const r = requestOf(call);
  return send(target, token, r.method, r.path, r.body, r.options.headers, r.options.signal);
}

/**
 * callApi over HTTP with the answer's parsed body as `body`, the form the end-to-end tests read:
 * `apiCall(w.api, 'alice-token', ROUTES.grant, { key: 'PS-101' })`.
 */
export function apiCall<T = any>(api: { base: string }, token: string, ...call: RouteCall): Promise<{ status: number; body: T }>;
export function apiCall<T = any, R extends ContractRoute = ContractRoute>(api: { base: string }, token: string, route: R, ...args: CallArgs<R>): Promise<{ status: number; body: T }>;
export async function apiCall(api: { base: string }, token: string, ...call: RouteCall): Promise<{ status: number; body: unknown }> {
  const answer = await callApi(api.base, token, ...call);
  return { status: answer.status, body: answer.json };
}
