// Request plumbing shared by the routes: the caller, schema-validated JSON bodies, ETags.
import { createHash } from 'node:crypto';
import type { Context, Handler, Hono } from 'hono';
import { honoPath, type RouteDef } from '../api/contract';
import type { z } from 'zod';
import { MAX_ID_LENGTH } from '../api/vocabulary';
import type { Caller } from './auth';
import { HttpProblem, problem } from './problems';

/** `refusalRecorded`: this request's refusal is on record already (refusals.ts). */
export type Env = { Variables: { caller: Caller; rawBody: string; refusalRecorded: boolean } };

export const callerOf = (c: Context<Env>): Caller => c.get('caller');

/** The body as JSON validated by `schema`; an empty body counts as `{}`. */
export async function jsonBody<S extends z.ZodType>(c: Context<Env>, schema: S): Promise<z.infer<S>> {
  const text = c.get('rawBody') ?? (await c.req.text());
  let value: unknown = {};
  if (text.trim() !== '') {
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/([\w.+-]*\+)?json\b/i.test(type.trim())) throw new HttpProblem('unsupported-media-type', 'Send the body as application/json.');
    try {
      value = JSON.parse(text);
    } catch {
      throw problem('invalid-json', 'The body is not valid JSON.');
    }
  }
  return validate(schema, value);
}

export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const errors = r.error.issues.slice(0, 10).map((i) => ({ path: i.path.map(String).join('.').slice(0, 200), message: i.message.slice(0, 300) }));
    throw problem('bad-request', errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; '), { errors });
  }
  return r.data;
}

export function pathParam(c: Context<Env>, name: string): string {
  const v = c.req.param(name) ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what an id must not hold.
  if (v.length === 0 || v.length > MAX_ID_LENGTH || /[\x00-\x1f\x7f]/.test(v)) throw problem('not-found', `No such ${name}.`);
  return v;
}

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
 * Registers `handler` for a route of the contract (src/api/contract.ts) on `r`, a sub-app mounted
 * at `prefix` (`/v1`): the method and path come from the definition, never from a string here.
 */
export function on(r: Hono<Env>, def: RouteDef, handler: Handler<Env>, prefix = '/v1'): void {
  r.on(def.method.toUpperCase(), honoPath(def.path, prefix), handler);
}
