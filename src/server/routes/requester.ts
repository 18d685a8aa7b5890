// Routes for the person asking for product access: what the request-access controls need for a
// product on a site, and the caller's own requests. Mounted before the reviewers' routes, whose
// `/access-requests/:id` would otherwise take `/access-requests/context`.
import { Hono } from 'hono';
import { ROUTES } from '../../api/contract';
import * as W from '../../api/schemas';
import type { ServerContext } from '../context';
import { callerOf, conditionalJson, validate, on, type Env } from '../http';
import { accessRequestContext, myAccessRequests } from '../requester-views';

export function requesterRoutes(s: ServerContext): Hono<Env> {
  const r = new Hono<Env>();

  on(r, ROUTES.accessRequestContext, async (c) => {
    const q = validate(W.AccessRequestContextQuery, c.req.query());
    return c.json(await accessRequestContext(s, callerOf(c), q.site, q.product));
  });

  // Polled by the extension every 30 s: an unchanged list is a bodiless 304.
  on(r, ROUTES.myAccessRequests, async (c) => conditionalJson(c, 'my-access-requests', { requests: await myAccessRequests(s, callerOf(c)) }));

  return r;
}
