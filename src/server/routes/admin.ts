// Caller-centred routes: me, inbox (ETag), product access requests, audit (list, verify, stream)
// and the per-admin event stream.
import { Hono } from 'hono';
import * as W from '../../api/schemas';
import { createAccessRequest, decideAccessRequestById } from '../access-service';
import { listAudit, verifyAudit, type AuditRecord } from '../audit';
import type { ServerContext } from '../context';
import { eventById, eventsFor, eventTag, latestEventFor, type ChangeEvent } from '../events';
import { etagOf } from '../grants-service';
import { callerOf, conditionalJson, jsonBody, pathParam, validate, withEtag, type Env } from '../http';
import { problem } from '../problems';
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
    const req = await createAccessRequest(s, callerOf(c), body.site, body.product, body.for);
    withEtag(c, etagOf('access-request', req.id, req.version));
    c.header('Location', `/v1/access-requests/${req.id}`);
    return c.json(await accessRequestView(s, s.db, req), 201);
  });

  r.get('/access-requests', async (c) => {
    const q = c.req.query('state') ?? 'pending';
    const states = q.split(',').filter((x) => (W.AccessRequestState.options as readonly string[]).includes(x));
    if (states.length === 0) throw problem('bad-request', 'state must be pending, approved or denied.');
    return c.json({ requests: await reviewableAccessRequests(s, callerOf(c), states) });
  });

  r.get('/access-requests/:id', async (c) => {
    const caller = callerOf(c);
    if (caller.kind !== 'admin') throw problem('forbidden', 'Product access requests are read by users of the org.');
    const req = await accessRequestById(s.db, pathParam(c, 'id'));
    const visible = req && (req.requestedBy === caller.id || (await reviewableAccessRequests(s, caller, [req.state])).some((x) => x.id === req.id));
    if (!req || !visible) throw problem('not-found', 'No such access request.');
    withEtag(c, etagOf('access-request', req.id, req.version));
    return c.json(await accessRequestView(s, s.db, req));
  });

  for (const decision of ['approve', 'deny'] as const) {
    r.post(`/access-requests/:id/${decision}`, async (c) => {
      const body = await jsonBody(c, decision === 'deny' ? W.AccessRequestDenyBody : W.EmptyBody);
      const req = await decideAccessRequestById(s, callerOf(c), pathParam(c, 'id'), decision, (body as { message?: string }).message, c.req.header('if-match'));
      withEtag(c, etagOf('access-request', req.id, req.version));
      return c.json(await accessRequestView(s, s.db, req));
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
    const rows = await listAudit(s.db, { actor: engineersOnly ? undefined : q.actor, engineersOnly, ticket: q.ticket, from: q.from, to: q.to, before: q.cursor ? Number(q.cursor) : undefined, limit, order: 'desc' });
    return c.json({ entries: rows.map((row) => auditWire(s, row)), nextCursor: rows.length === limit ? String(rows[rows.length - 1]!.seq) : null });
  });

  r.get('/audit/verify', async (c) => {
    orgAdminOnly(c);
    return c.json(await verifyAudit(s.db));
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
