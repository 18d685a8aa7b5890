// Reviewers' routes for product access requests: create, list, read, approve or deny one, and
// decide many at once (each in its own transaction). The requester's own routes are in requester.ts.
import { Hono } from 'hono';
import { ROUTES } from '../../api/contract';
import * as W from '../../api/schemas';
import { problemType, type ProblemKind } from '../../api/problems';
import { createAccessRequest, decideAccessRequestById } from './service';
import type { ServerContext } from '../context';
import { etagOf } from '../grants/service';
import { withEtag, type Env } from '../http/request';
import { route, WHO } from '../http/route';
import { problem, asProblem, ruleProblem, type HttpProblem } from '../http/problems';
import { mayReviewAccessRequests, RuleError } from '../../core/index';
import type { Caller } from '../http/auth';
import { recordRefusal, TARGET, type RefusalName } from '../http/refusals';
import { accessRequestById } from '../grants/repository';
import { accessRequestView, reviewableAccessRequests } from '../grants/views';

/** Handlers use the context the pipeline hands them (`s`, journal-aware under an Idempotency-Key). */
export function accessRequestRoutes(_s: ServerContext): Hono<Env> {
  const r = new Hono<Env>();

  // Authority (route.ts): a decision is a reviewer's of the request's site (the service's and the rule's own refusals).
  const reviewerRefusal = async (s: ServerContext, caller: Caller, id: string): Promise<HttpProblem | undefined> => {
    if (caller.kind !== 'admin') return problem('forbidden', 'Only reviewers decide product access requests.');
    const req = await accessRequestById(s.db, id);
    if (!req || mayReviewAccessRequests(s.ix, caller.id, req.site)) return undefined;
    return ruleProblem(new RuleError('not_reviewer', 'Only org admins and admins of the site review its access requests.'));
  };
  // A fresh batch is decided row by row; its stored answer is sent again only to a reviewer of every request it says they decided.
  const bulkReviewing = async (s: ServerContext, caller: Caller, { replaying, stored }: { replaying: boolean; stored?: unknown }): Promise<HttpProblem | undefined> => {
    if (!replaying) return undefined;
    for (const id of new Set(((stored as { results?: W.AccessRequestBulkRowWire[] } | undefined)?.results ?? []).filter((row) => row.ok).map((row) => row.id))) {
      const refused = await reviewerRefusal(s, caller, id);
      if (refused) return refused;
    }
    return undefined;
  };

  route(r, ROUTES.requestProductAccess, { refusal: { action: 'access_request.create', target: TARGET.product } }, async (c, { s, caller, body }) => {
    // The same ask while one is pending is that request again: 200 with it, not a second one.
    const { request: req, created } = await createAccessRequest(s, caller, body.site, body.product, body.for);
    withEtag(c, etagOf('access-request', req.id, req.version));
    c.header('Location', `/v1/access-requests/${req.id}`);
    return c.json(await accessRequestView(s, s.db, req, caller), created ? 201 : 200);
  });

  route(r, ROUTES.accessRequests, { query: W.AccessRequestQuery }, async (c, { s, caller, query: q }) => {
    const states = q.state ?? ['pending'];
    if (states.length === 0) throw problem('bad-request', 'state must be pending, approved or denied.');
    return c.json({ requests: await reviewableAccessRequests(s, caller, states, { sites: q.site, products: q.product, kinds: q.kind }) });
  });

  // A refused batch as a whole (bad body, not a reviewer); each refused row of a 200 answer is recorded here.
  const bulkRefusal: RefusalName = { action: (b) => (b.decision === 'approve' ? 'access_request.approve' : b.decision === 'deny' ? 'access_request.deny' : 'request.refused') };
  route(r, ROUTES.bulkDecideAccessRequests, { who: WHO.people('Only reviewers decide product access requests.'), refusal: bulkRefusal, authority: bulkReviewing }, async (c, { s, caller, body }) => {
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

  route(r, ROUTES.accessRequest, { who: WHO.people('Product access requests are read by users of the org.') }, async (c, { s, caller, params }) => {
    const req = await accessRequestById(s.db, params.id);
    const visible = req && (req.requestedBy === caller.id || (await reviewableAccessRequests(s, caller, [req.state])).some((x) => x.id === req.id));
    if (!req || !visible) throw problem('not-found', 'No such access request.');
    withEtag(c, etagOf('access-request', req.id, req.version));
    return c.json(await accessRequestView(s, s.db, req, caller));
  });

  for (const [decision, def] of [
    ['approve', ROUTES.approveAccessRequest],
    ['deny', ROUTES.denyAccessRequest],
  ] as const) {
    const refusal: RefusalName = { action: decision === 'approve' ? 'access_request.approve' : 'access_request.deny', target: TARGET.accessRequest };
    route(r, def, { refusal, authority: (s, caller, { params }) => reviewerRefusal(s, caller, params.id!) }, async (c, { s, caller, body, params }) => {
      const req = await decideAccessRequestById(s, caller, params.id, decision, 'message' in body ? body.message : undefined, c.req.header('if-match'));
      withEtag(c, etagOf('access-request', req.id, req.version));
      return c.json(await accessRequestView(s, s.db, req, caller));
    });
  }

  return r;
}
