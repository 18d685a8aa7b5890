// The caller's own: who I am (/me) and what waits on me (/inbox, with an ETag).
import { Hono } from 'hono';
import type { ServerContext } from '../context';
import { callerOf, conditionalJson, type Env } from '../http';
import { inbox, me } from '../views';

export function meRoutes(s: ServerContext): Hono<Env> {
  const r = new Hono<Env>();

  r.get('/me', (c) => c.json(me(s, callerOf(c))));

  r.get('/inbox', async (c) => conditionalJson(c, 'inbox', { items: await inbox(s, callerOf(c)) }));

  return r;
}
