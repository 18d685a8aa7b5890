// The audit log for org admins (and audit_read keys): its pages, a verification, the signed heads
// with the public key that verifies them, and the live stream of new rows and signed heads.
import { Hono } from 'hono';
import { ROUTES } from '../../api/contract';
import * as W from '../../api/schemas';
import { hashAt } from './chain';
import { checkpointOf } from './checkpoints';
import { countAudit, listAudit, listSignedHeads, type AuditRecord } from './trail';
import { verifyAuditTrail, type TrailVerdict } from './verify';
import { auditWire, requestsNamedBy } from './views';
import type { ServerContext } from '../context';
import type { Env } from '../http/request';
import { HttpProblem } from '../http/problems';
import { route, WHO } from '../http/route';
import { credentialLive } from '../http/middleware';
import { openStream, type StreamSource } from '../inbox/streams';
import { mayReadAudit } from '../grants/views';

export function auditRoutes(_s: ServerContext): Hono<Env> {
  const r = new Hono<Env>();
  const who = WHO.when(mayReadAudit, 'The audit log is for org admins (and API keys with the audit_read scope).');

  route(r, ROUTES.audit, { who, query: W.AuditQuery }, async (c, { s, query: { limit = 100, cursor, ...filter } }) => {
    // One more row than asked tells whether a next page exists, so the last page has no dead "next".
    const rows = await listAudit(s.db, { ...filter, before: cursor ? Number(cursor) : undefined, limit: limit + 1, order: 'desc' });
    const [page, requests] = [rows.slice(0, limit), await requestsNamedBy(s.db, rows.slice(0, limit))];
    return c.json({ entries: page.map((row) => auditWire(s, row, requests)), nextCursor: rows.length > limit ? String(page.at(-1)!.seq) : null, total: await countAudit(s.db, filter) });
  });

  // One verify at a time per process: requests arriving while one runs share its verdict. Against this
  // server's key (an independent check runs `npm run audit:verify` with a copy of it), and the rows it
  // saw committed, taken before the verify reads the head so a row committed meanwhile is no cut.
  let running: Promise<TrailVerdict> | undefined;
  route(r, ROUTES.verifyAudit, { who }, async (c, { s }) => {
    running ??= verifyAuditTrail(s.db, { publicKey: s.trail.key.publicKey, seenHead: s.trail.seenHead(), org: s.trail.org }).finally(() => (running = undefined));
    return c.json(await running);
  });

  route(r, ROUTES.auditStream, { who }, async (c, { s, caller }) => {
    const source: StreamSource<AuditRecord & { id: number }> = {
      tail: s.auditTail,
      replay: async (after) => (await listAudit(s.db, { after, limit: 500, order: 'asc' })).map((row) => ({ ...row, id: row.seq })),
      head: async () => s.auditTail.lastId,
      tagAt: async (seq) => (await hashAt(s.db, seq))?.slice(0, 16),
      tag: (row) => row.hash.slice(0, 16),
      render: (row) => ({ event: 'audit', data: JSON.stringify(auditWire(s, row)) }),
      // Signed heads go out as their own event type without an SSE id, so Last-Event-ID stays an
      // audit row's; a client that was away pages the ones it missed from /v1/audit/checkpoints.
      sideEvents: (write) => s.checkpointTail.subscribe((cps) => cps.forEach(({ id: _id, ...cp }) => write({ event: 'checkpoint', data: JSON.stringify(cp) }))),
    };
    return openStream(c, source, s.streams, caller, () => credentialLive(s, caller));
  });

  route(r, ROUTES.auditCheckpoints, { who, query: W.AuditCheckpointQuery }, async (c, { s, query: q }) => {
    const [limit, { publicPem: publicKey, keyId }] = [q.limit ?? 100, s.trail.key];
    const checkpoints = (await listSignedHeads(s.db, q.cursor ? Number(q.cursor) : 0, limit)).map((note) => {
      try {
        return checkpointOf(note);
      } catch (e) {
        // A stored note no append wrote: said as what it is, not as a failure of ours.
        throw new HttpProblem('db-unavailable', `A stored signed head cannot be read (${(e as Error).message}): the trail was changed outside the API; run npm run audit:verify.`, {}, 503);
      }
    });
    return c.json<W.AuditCheckpointPageWire>({ checkpoints, nextCursor: checkpoints.length === limit ? String(checkpoints.at(-1)!.seq) : null, publicKey, keyId });
  });

  route(r, ROUTES.auditPublicKey, { who }, (c, { s }) => c.body(s.trail.key.publicPem, 200, { 'content-type': 'application/x-pem-file' }));

  return r;
}
