// The caller's own: who I am (/me) and what waits on me (/inbox, with an ETag).
import { Hono } from 'hono';
import { ROUTES } from '../../api/contract';
import type { ServerContext } from '../context';
import { callerOf, conditionalJson, on, type Env } from '../http';
import { inbox, me } from '../views';

export function meRoutes(s: ServerContext): Hono<Env> {
  const r = new Hono<Env>();

  on(r, ROUTES.me, (c) => c.json(me(s, callerOf(c))));

  on(r, ROUTES.inbox, async (c) => conditionalJson(c, 'inbox', { items: await inbox(s, callerOf(c)) }));

  return r;
}
