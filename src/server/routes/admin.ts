// Caller-centred routes: me, inbox (ETag), product access requests, audit (list, verify, stream)
// and the per-admin event stream.
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import * as W from '../../api/schemas';
import { createAccessRequest, decideAccessRequestById } from '../access-service';
import { listAudit, verifyAudit, type AuditRecord } from '../audit';
import type { ServerContext } from '../context';
import { eventsFor, type ChangeEvent } from '../events';
import { etagOf } from '../grants-service';
import { callerOf, conditionalJson, jsonBody, pathParam, validate, withEtag, type Env } from '../http';
import { problem } from '../problems';
import { problemType, type ProblemKind } from '../../api/problems';
import { accessRequestById } from '../store';
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
        else results.push({ id, ok: false, status: p.status, type: problemType(p.kind as ProblemKind), code: p.extra?.code, reason: p.detail });
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
    const rows = await listAudit(s.db, { actor: engineersOnly ? undefined : q.actor, engineersOnly, ticket: q.ticket, from: q.from, to: q.to, before: q.cursor ? Number(q.cursor) : undefined, limit, order: 'desc' });
    return c.json({ entries: rows.map((row) => auditWire(s, row)), nextCursor: rows.length === limit ? String(rows[rows.length - 1]!.seq) : null });
  });

  r.get('/audit/verify', async (c) => {
    orgAdminOnly(c);
    return c.json(await verifyAudit(s.db));
  });

  r.get('/audit/stream', async (c) => {
    orgAdminOnly(c);
    const from = lastEventId(c.req.header('last-event-id'));
    return streamSSE(c, async (stream) => {
      await follow(stream, s.auditTail, from ?? s.auditTail.lastId, async (after) => (await listAudit(s.db, { after, limit: 500, order: 'asc' })).map((row) => ({ ...row, id: row.seq })), (row: AuditRecord & { id: number }) => ({
        id: String(row.seq),
        event: 'audit',
        data: JSON.stringify(auditWire(s, row)),
      }));
    });
  });

  r.get('/events', async (c) => {
    const caller = callerOf(c);
    if (caller.kind !== 'admin') throw problem('forbidden', 'The event stream is for admins.');
    const from = lastEventId(c.req.header('last-event-id'));
    return streamSSE(c, async (stream) => {
      const start = from ?? (Number((await s.db.query<{ max: string | number | null }>('SELECT max(id) AS max FROM events'))[0]?.max ?? 0));
      await follow(
        stream,
        { subscribe: (fn) => s.events.subscribe((rows) => fn(rows.filter((e) => e.audience.includes(caller.id)))) },
        start,
        (after) => eventsFor(s.db, caller.id, after),
        (e: ChangeEvent) => ({ id: String(e.id), event: e.type, data: JSON.stringify({ id: e.id, type: e.type, at: e.at, ticket: e.ticket, data: e.data }) }),
      );
    });
  });

  return r;
}

function lastEventId(h: string | undefined): number | undefined {
  return h && /^\d{1,15}$/.test(h.trim()) ? Number(h.trim()) : undefined;
}

type SSE = Parameters<Parameters<typeof streamSSE>[1]>[0];

/**
 * Replay rows after `from` from the database, then follow the live tail, never sending an id
 * twice or out of order: live rows are buffered while the replay runs.
 */
async function follow<T extends { id: number }>(
  stream: SSE,
  tail: { subscribe(fn: (rows: T[]) => void): () => void },
  from: number,
  replay: (after: number) => Promise<T[]>,
  render: (row: T) => { id: string; event: string; data: string },
): Promise<void> {
  let sent = from;
  let buffer: T[] | undefined = [];
  let wake: (() => void) | undefined;
  const pending: T[] = [];
  const off = tail.subscribe((rows) => {
    if (buffer) buffer.push(...rows);
    else pending.push(...rows);
    wake?.();
  });
  stream.onAbort(() => {
    off();
    wake?.();
  });
  try {
    // Tell the client where it starts, even before any event: a client that reconnects with this
    // as Last-Event-ID is replayed what happened while it was away, even if nothing came before.
    await stream.write(`: connected\nid: ${from}\n\n`);
    for (;;) {
      const rows = await replay(sent);
      for (const row of rows) {
        await stream.writeSSE(render(row));
        sent = row.id;
      }
      if (rows.length < 500) break;
    }
    pending.push(...buffer);
    buffer = undefined;
    while (!stream.aborted && !stream.closed) {
      while (pending.length > 0) {
        const row = pending.shift()!;
        if (row.id <= sent) continue;
        await stream.writeSSE(render(row));
        sent = row.id;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 15_000);
      });
      wake = undefined;
      if (pending.length === 0 && !stream.aborted) await stream.write(': keep-alive\n\n');
    }
  } finally {
    off();
  }
}
