// Routes for the person asking for product access: what the request-access controls need for a
// product on a site, and the caller's own requests. Mounted before the reviewers' routes, whose
// `/access-requests/:id` would otherwise take `/access-requests/context`.
import { Hono } from 'hono';
import { ROUTES } from '../../api/contract';
import * as W from '../../api/schemas';
import type { ServerContext } from '../context';
import { conditionalJson, type Env } from '../http/request';
import { route } from '../http/route';
import { accessRequestContext, myAccessRequests } from './requester-views';

export function requesterRoutes(_s: ServerContext): Hono<Env> {
  const r = new Hono<Env>();

  route(r, ROUTES.accessRequestContext, { query: W.AccessRequestContextQuery }, async (c, { s, caller, query }) => c.json(await accessRequestContext(s, caller, query.site, query.product)));

  // Polled by the extension every 30 s: an unchanged list is a bodiless 304.
  route(r, ROUTES.myAccessRequests, {}, async (c, { s, caller }) => conditionalJson(c, 'my-access-requests', { requests: await myAccessRequests(s, caller) }));

  return r;
}
