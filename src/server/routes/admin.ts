// Caller-centred routes: me, inbox (ETag), product access requests, audit (list, verify, stream)
// and the per-admin event stream.
import { Hono } from 'hono';
import * as W from '../../api/schemas';
import { createAccessRequest, decideAccessRequestById } from '../access-service';
import { countAudit, listAudit, type AuditRecord } from '../audit';
import { verifyAuditTrail } from '../audit-verify';
import type { ServerContext } from '../context';
import { eventById, eventsFor, eventTag, latestEventFor, type ChangeEvent } from '../events';
import { etagOf } from '../grants-service';
import { callerOf, conditionalJson, jsonBody, pathParam, validate, withEtag, type Env } from '../http';
import { problem } from '../problems';
import { problemType, type ProblemKind } from '../../api/problems';
import { recordRefusal } from '../refusals';
import { accessRequestById } from '../store';
import { openStream } from '../streams';
import { accessRequestView, inbox, isOrgAdmin, me, reviewableAccessRequests } from '../views';
import { auditWire } from './tickets';

export function adminRoutes(s: ServerContext): Hono<Env> {
  const r = new Hono<Env>();

  r.get('/me', (c) => c.json(me(s, callerOf(c))));

  r.get('/inbox', async (c) => conditionalJson(c, 'inbox', { items: await inbox(s, callerOf(c)) }));

  // ---- product access requests ----

  r.post('/access-requests', async (c) => {
    const body = await jsonBody(c, W.AccessRequestCreateBody);
    // The same ask while one is pending is that request again: 200 with it, not a second one.
    const { request: req, created } = await createAccessRequest(s, callerOf(c), body.site, body.product, body.for);
    withEtag(c, etagOf('access-request', req.id, req.version));
    c.header('Location', `/v1/access-requests/${req.id}`);
    return c.json(await accessRequestView(s, s.db, req, callerOf(c)), created ? 201 : 200);
  });

  r.get('/access-requests', async (c) => {
    const q = validate(W.AccessRequestQuery, c.req.query());
    const states = q.state ?? ['pending'];
    if (states.length === 0) throw problem('bad-request', 'state must be pending, approved or denied.');
    return c.json({ requests: await reviewableAccessRequests(s, callerOf(c), states, { sites: q.site, products: q.product, kinds: q.kind }) });
  });

  r.post('/access-requests/bulk-decision', async (c) => {
    const caller = callerOf(c);
    if (caller.kind !== 'admin') throw problem('forbidden', 'Only reviewers decide product access requests.');
    const body = await jsonBody(c, W.AccessRequestBulkBody);
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
        const p = e as { status?: number; kind?: string; detail?: string; extra?: { code?: string } };
        if (p.status === undefined || p.status >= 500) throw e;
        // Decided a moment ago with another request of this batch for the same person: done.
        const now = p.kind === 'illegal-transition' ? await accessRequestById(s.db, id) : undefined;
        if (now?.decidedWith && decidedHere.has(now.decidedWith)) results.push({ id, ok: true, status: 200, state: now.state, decidedWith: now.decidedWith });
        else {
          results.push({ id, ok: false, status: p.status, type: problemType(p.kind as ProblemKind), code: p.extra?.code, reason: p.detail });
          // The answer is a 200, so the write path's refusal step does not see this row: record it here, once.
          const req = await accessRequestById(s.db, id);
          await recordRefusal(s, caller, body.decision === 'approve' ? 'access_request.approve' : 'access_request.deny', { ticket: null, resource: { type: 'access_request', id, ...(req ? { site: req.site, product: req.product } : {}) } }, { status: p.status, kind: p.kind ?? 'refused', detail: p.detail, extra: p.extra });
        }
      }
    }
    return c.json({ results });
  });

  r.get('/access-requests/:id', async (c) => {
    const caller = callerOf(c);
    if (caller.kind !== 'admin') throw problem('forbidden', 'Product access requests are read by users of the org.');
    const req = await accessRequestById(s.db, pathParam(c, 'id'));
    const visible = req && (req.requestedBy === caller.id || (await reviewableAccessRequests(s, caller, [req.state])).some((x) => x.id === req.id));
    if (!req || !visible) throw problem('not-found', 'No such access request.');
    withEtag(c, etagOf('access-request', req.id, req.version));
    return c.json(await accessRequestView(s, s.db, req, caller));
  });

  for (const decision of ['approve', 'deny'] as const) {
    r.post(`/access-requests/:id/${decision}`, async (c) => {
      const body = await jsonBody(c, decision === 'deny' ? W.AccessRequestDenyBody : W.EmptyBody);
      const req = await decideAccessRequestById(s, callerOf(c), pathParam(c, 'id'), decision, (body as { message?: string }).message, c.req.header('if-match'));
      withEtag(c, etagOf('access-request', req.id, req.version));
      return c.json(await accessRequestView(s, s.db, req, callerOf(c)));
    });
  }

  // ---- audit ----

  const orgAdminOnly = (c: Parameters<typeof callerOf>[0]) => {
    if (!isOrgAdmin(s, callerOf(c))) throw problem('forbidden', 'The audit log is for org admins.');
  };

  r.get('/audit', async (c) => {
    orgAdminOnly(c);
    const q = validate(W.AuditQuery, c.req.query());
    const limit = q.limit ?? 100;
    const engineersOnly = q.actor === 'support';
    const filter = { actor: engineersOnly ? undefined : q.actor, engineersOnly, ticket: q.ticket, from: q.from, to: q.to };
    // One more row than asked tells whether a next page exists, so the last page has no dead "next".
    const rows = await listAudit(s.db, { ...filter, before: q.cursor ? Number(q.cursor) : undefined, limit: limit + 1, order: 'desc' });
    const page = rows.slice(0, limit);
    return c.json({ entries: page.map((row) => auditWire(s, row)), nextCursor: rows.length > limit ? String(page[page.length - 1]!.seq) : null, total: await countAudit(s.db, filter) });
  });

  r.get('/audit/verify', async (c) => {
    orgAdminOnly(c);
    // With this server's key the stored checkpoints are checked too (a truncated or recomputed
    // chain fails here); an independent check uses `npm run audit:verify` with a copy of the key.
    return c.json(await verifyAuditTrail(s.db, { publicKey: s.checkpointer?.key.publicKey }));
  });

  r.get('/audit/stream', async (c) => {
    orgAdminOnly(c);
    return openStream<AuditRecord & { id: number }>(c, {
      tail: s.auditTail,
      replay: async (after) => (await listAudit(s.db, { after, limit: 500, order: 'asc' })).map((row) => ({ ...row, id: row.seq })),
      head: async () => s.auditTail.lastId,
      tagAt: async (seq) => (await s.db.query<{ hash: string }>('SELECT hash FROM audit WHERE seq = $1', [seq]))[0]?.hash.slice(0, 16),
      tag: (row) => row.hash.slice(0, 16),
      render: (row) => ({ event: 'audit', data: JSON.stringify(auditWire(s, row)) }),
      // Signed checkpoints go out as their own event type without an SSE id, so Last-Event-ID stays
      // an audit row's; a client that was away pages the ones it missed from /v1/audit/checkpoints.
      sideEvents: (write) => s.checkpointTail.subscribe((cps) => {
        for (const { id: _id, ...cp } of cps) write({ event: 'checkpoint', data: JSON.stringify(cp) });
      }),
    });
  });

  r.get('/events', async (c) => {
    const caller = callerOf(c);
    if (caller.kind !== 'admin') throw problem('forbidden', 'The event stream is for admins.');
    return openStream<ChangeEvent>(c, {
      tail: { subscribe: (fn) => s.events.subscribe((rows) => fn(rows.filter((e) => e.audience.includes(caller.id)))) },
      replay: (after) => eventsFor(s.db, caller.id, after),
      // The caller's own newest event: ids (and their tags) name only rows addressed to them.
      head: async () => (await latestEventFor(s.db, caller.id))?.id ?? 0,
      tagAt: async (id) => {
        const e = await eventById(s.db, id);
        return e && e.audience.includes(caller.id) ? eventTag(e) : undefined;
      },
      tag: eventTag,
      render: (e) => ({ event: e.type, data: JSON.stringify({ id: e.id, type: e.type, at: e.at, ticket: e.ticket, data: e.data }) }),
    });
  });

  return r;
}
