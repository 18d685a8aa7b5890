// The audit log for org admins: one page of it, a verification of the chain, and the live stream of
// new rows and signed checkpoints. Checkpoints and the public key are in audit-trail.ts.
import { Hono } from 'hono';
import { ROUTES } from '../../api/contract';
import * as W from '../../api/schemas';
import { auditHashAt, countAudit, listAudit, type AuditRecord } from '../audit';
import { verifyAuditTrail, type TrailVerdict } from '../audit-verify';
import { auditWire, requestsNamedBy } from '../audit-views';
import type { ServerContext } from '../context';
import { callerOf, validate, type Env, on } from '../http';
import { problem } from '../problems';
import { credentialLive } from '../middleware';
import { openStream } from '../streams';
import { mayReadAudit } from '../views';

export function auditRoutes(s: ServerContext): Hono<Env> {
  const r = new Hono<Env>();

  const orgAdminOnly = (c: Parameters<typeof callerOf>[0]) => {
    if (!mayReadAudit(s, callerOf(c))) throw problem('forbidden', 'The audit log is for org admins (and API keys with the audit_read scope).');
  };

  on(r, ROUTES.audit, async (c) => {
    orgAdminOnly(c);
    const q = validate(W.AuditQuery, c.req.query());
    const limit = q.limit ?? 100;
    const engineersOnly = q.actor === 'support';
    const filter = { actor: engineersOnly ? undefined : q.actor, engineersOnly, ticket: q.ticket, from: q.from, to: q.to };
    // One more row than asked tells whether a next page exists, so the last page has no dead "next".
    const rows = await listAudit(s.db, { ...filter, before: q.cursor ? Number(q.cursor) : undefined, limit: limit + 1, order: 'desc' });
    const page = rows.slice(0, limit);
    const requests = await requestsNamedBy(s.db, page);
    return c.json({ entries: page.map((row) => auditWire(s, row, requests)), nextCursor: rows.length > limit ? String(page[page.length - 1]!.seq) : null, total: await countAudit(s.db, filter) });
  });

  // One verify at a time per process: a full verify hashes on a worker thread per core for
  // seconds, so requests arriving while one runs share its verdict (of the head it read first)
  // instead of each starting its own set of workers.
  let running: Promise<TrailVerdict> | undefined;
  on(r, ROUTES.verifyAudit, async (c) => {
    orgAdminOnly(c);
    // With this server's key the stored checkpoints are checked too (a truncated or recomputed
    // chain fails here); an independent check uses `npm run audit:verify` with a copy of the key.
    running ??= verifyAuditTrail(s.db, { publicKey: s.checkpointer?.key.publicKey }).finally(() => {
      running = undefined;
    });
    return c.json(await running);
  });

  on(r, ROUTES.auditStream, async (c) => {
    orgAdminOnly(c);
    const caller = callerOf(c);
    return openStream<AuditRecord & { id: number }>(
      c,
      {
        tail: s.auditTail,
        replay: async (after) => (await listAudit(s.db, { after, limit: 500, order: 'asc' })).map((row) => ({ ...row, id: row.seq })),
        head: async () => s.auditTail.lastId,
        tagAt: async (seq) => (await auditHashAt(s.db, seq))?.slice(0, 16),
        tag: (row) => row.hash.slice(0, 16),
        render: (row) => ({ event: 'audit', data: JSON.stringify(auditWire(s, row)) }),
        // Signed checkpoints go out as their own event type without an SSE id, so Last-Event-ID stays
        // an audit row's; a client that was away pages the ones it missed from /v1/audit/checkpoints.
        sideEvents: (write) =>
          s.checkpointTail.subscribe((cps) => {
            for (const { id: _id, ...cp } of cps) write({ event: 'checkpoint', data: JSON.stringify(cp) });
          }),
      },
      s.streams,
      caller,
      () => credentialLive(s, caller),
    );
  });

  return r;
}
