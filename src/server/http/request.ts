// Request plumbing shared by the routes: ETags, and (from input.ts) the caller and validated input.
import { createHash } from 'node:crypto';
import type { Context, Handler, Hono } from 'hono';
import type { RouteDef } from '../../api/contract';
import { route } from './route';
import type { Env } from './input';

export { callerOf, type Env, jsonBody, pathParam, validate } from './input';

export function withEtag(c: Context<Env>, etag: string): void {
  c.header('ETag', etag);
}

/**
 * A list the extension polls: tagged by its content, so an unchanged answer is a bodiless 304
 * (the 30 s poll then costs the API one query and the network nothing).
 */
export function conditionalJson(c: Context<Env>, tag: string, body: unknown): Response {
  const text = JSON.stringify(body);
  const etag = `"${tag}-${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
  const seen = (c.req.header('if-none-match') ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
  c.header('ETag', etag);
  c.header('Cache-Control', 'private, no-cache');
  if (seen.includes(etag)) return c.body(null, 304);
  return c.body(text, 200, { 'Content-Type': 'application/json' });
}

/**
 * The old form of `route` (route.ts), kept so that routes written against it still compile:
 * registers `handler` for a route of the contract on `r` under the same pipeline with the default
 * policy: any authenticated caller; a refused write recorded as `request.refused` with its route in
 * the detail; a POST under an Idempotency-Key answered once and its answer replayed, but its
 * transactions NOT journaled (the handler writes through a context of its own, not a journal-aware
 * one), so a retry after a crash mid-request runs it again. Convert it: see route.ts.
 * @deprecated declare the route with `route(r, def, policy, (c, { s, caller, body, params }) => …)`.
 */
export function on(r: Hono<Env>, def: RouteDef, handler: Handler<Env>, prefix = '/v1'): void {
  route(r, def, {}, (c) => handler(c, async () => {}) as Response | Promise<Response>, prefix);
}
