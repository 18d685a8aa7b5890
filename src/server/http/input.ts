// What a request carries and how its input is validated: the caller, schema-validated JSON bodies,
// path parameters. Apart from request.ts so that the route pipeline (route.ts) can use them.
import type { Context } from 'hono';
import type { z } from 'zod';
import { MAX_ID_LENGTH } from '../../api/vocabulary';
import type { Caller } from './auth';
import { HttpProblem, problem } from './problems';

/** `rawBody`: the body as the route pipeline read it (route.ts); the app's context is `server` (route.ts). */
export type Env = { Variables: { caller: Caller; rawBody: string } };

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
