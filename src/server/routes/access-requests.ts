// Reviewers' routes for product access requests: create, list, read, approve or deny one, and
// decide many at once (each in its own transaction). The requester's own routes are in requester.ts.
import { Hono } from 'hono';
import { ROUTES } from '../../api/contract';
import * as W from '../../api/schemas';
import { problemType, type ProblemKind } from '../../api/problems';
import { createAccessRequest, decideAccessRequestById } from '../access-service';
import type { ServerContext } from '../context';
import { etagOf } from '../grants-service';
import { callerOf, jsonBody, pathParam, validate, withEtag, type Env, on } from '../http';
import { problem, asProblem } from '../problems';
import { recordRefusal } from '../refusals';
import { accessRequestById } from '../store';
import { accessRequestView, reviewableAccessRequests } from '../views';

export function accessRequestRoutes(s: ServerContext): Hono<Env> {
  const r = new Hono<Env>();

  on(r, ROUTES.requestProductAccess, async (c) => {
    const body = await jsonBody(c, ROUTES.requestProductAccess.body);
    // The same ask while one is pending is that request again: 200 with it, not a second one.
    const { request: req, created } = await createAccessRequest(s, callerOf(c), body.site, body.product, body.for);
    withEtag(c, etagOf('access-request', req.id, req.version));
    c.header('Location', `/v1/access-requests/${req.id}`);
    return c.json(await accessRequestView(s, s.db, req, callerOf(c)), created ? 201 : 200);
  });

  on(r, ROUTES.accessRequests, async (c) => {
    const q = validate(W.AccessRequestQuery, c.req.query());
    const states = q.state ?? ['pending'];
    if (states.length === 0) throw problem('bad-request', 'state must be pending, approved or denied.');
    return c.json({ requests: await reviewableAccessRequests(s, callerOf(c), states, { sites: q.site, products: q.product, kinds: q.kind }) });
  });

  on(r, ROUTES.bulkDecideAccessRequests, async (c) => {
    const caller = callerOf(c);
    if (caller.kind !== 'admin') throw problem('forbidden', 'Only reviewers decide product access requests.');
    const body = await jsonBody(c, ROUTES.bulkDecideAccessRequests.body);
    const results: W.AccessRequestBulkRowWire[] = [];
    const decidedHere = new Set<string>();
    // Each request in its own transaction: one refusal (not a reviewer of that site, already
    // decided) leaves the others decided, and each row says what happened to it.
    for (const id of [...new Set(body.ids)]) {
      try {
        const req = await decideAccessRequestById(s, caller, id, body.decision, body.message);
        decidedHere.add(req.id);
        results.push({ id, ok: true, status: 200, state: req.state });
      } catch (e) {
        const p = asProblem(e) as { status: number; kind: string; detail?: string; extra?: { code?: string } } | undefined;
        if (p === undefined || p.status >= 500) throw e;
        // Decided a moment ago with another request of this batch for the same person: done.
        const now = p.kind === 'illegal-transition' ? await accessRequestById(s.db, id) : undefined;
        if (now?.decidedWith && decidedHere.has(now.decidedWith)) results.push({ id, ok: true, status: 200, state: now.state, decidedWith: now.decidedWith });
        else {
          results.push({ id, ok: false, status: p.status, type: problemType(p.kind as ProblemKind), code: p.extra?.code, reason: p.detail });
          // The answer is a 200, so the write path's refusal step does not see this row: record it here, once.
          const req = await accessRequestById(s.db, id);
          await recordRefusal(
            s,
            caller,
            body.decision === 'approve' ? 'access_request.approve' : 'access_request.deny',
            { ticket: null, resource: { type: 'access_request', id, ...(req ? { site: req.site, product: req.product } : {}) } },
            { status: p.status, kind: p.kind ?? 'refused', detail: p.detail, extra: p.extra },
          );
        }
      }
    }
    return c.json({ results });
  });

  on(r, ROUTES.accessRequest, async (c) => {
    const caller = callerOf(c);
    if (caller.kind !== 'admin') throw problem('forbidden', 'Product access requests are read by users of the org.');
    const req = await accessRequestById(s.db, pathParam(c, 'id'));
    const visible = req && (req.requestedBy === caller.id || (await reviewableAccessRequests(s, caller, [req.state])).some((x) => x.id === req.id));
    if (!req || !visible) throw problem('not-found', 'No such access request.');
    withEtag(c, etagOf('access-request', req.id, req.version));
    return c.json(await accessRequestView(s, s.db, req, caller));
  });

  for (const [decision, def] of [
    ['approve', ROUTES.approveAccessRequest],
    ['deny', ROUTES.denyAccessRequest],
  ] as const) {
    on(r, def, async (c) => {
      const body = await jsonBody(c, def.body);
      const req = await decideAccessRequestById(s, callerOf(c), pathParam(c, 'id'), decision, 'message' in body ? body.message : undefined, c.req.header('if-match'));
      withEtag(c, etagOf('access-request', req.id, req.version));
      return c.json(await accessRequestView(s, s.db, req, callerOf(c)));
    });
  }

  return r;
}
