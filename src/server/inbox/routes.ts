// The caller's own: who I am (/me) and what waits on me (/inbox, with an ETag).
import { Hono } from 'hono';
import { ROUTES } from '../../api/contract';
import type { ServerContext } from '../context';
import { conditionalJson, type Env } from '../http/request';
import { route } from '../http/route';
import { inbox, me } from '../grants/views';

export function meRoutes(_s: ServerContext): Hono<Env> {
  const r = new Hono<Env>();

  route(r, ROUTES.me, {}, (c, { s, caller }) => c.json(me(s, caller)));

  route(r, ROUTES.inbox, {}, async (c, { s, caller }) => conditionalJson(c, 'inbox', { items: await inbox(s, caller) }));

  return r;
}
