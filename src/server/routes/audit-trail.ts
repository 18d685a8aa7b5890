// Signed checkpoints of the audit chain and the public key that verifies them (org admins, like the
// audit log itself). Verifiers page through these and keep their own copy outside the database.
import { Hono } from 'hono';
import { ROUTES } from '../../api/contract';
import * as W from '../../api/schemas';
import { listCheckpoints } from '../audit-checkpoints';
import type { ServerContext } from '../context';
import { callerOf, validate, type Env, on } from '../http';
import { problem } from '../problems';
import { mayReadAudit } from '../views';

export function auditTrailRoutes(s: ServerContext): Hono<Env> {
  const r = new Hono<Env>();
  const orgAdminOnly = (c: Parameters<typeof callerOf>[0]) => {
    if (!mayReadAudit(s, callerOf(c))) throw problem('forbidden', 'The audit log is for org admins (and API keys with the audit_read scope).');
  };
  const key = s.checkpointer?.key;

  on(r, ROUTES.auditCheckpoints, async (c) => {
    orgAdminOnly(c);
    const q = validate(W.AuditCheckpointQuery, c.req.query());
    const limit = q.limit ?? 100;
    const rows = await listCheckpoints(s.db, q.cursor ? Number(q.cursor) : 0, limit);
    const page: W.AuditCheckpointPageWire = { checkpoints: rows, nextCursor: rows.length === limit ? String(rows.at(-1)!.seq) : null, publicKey: key?.publicPem ?? null, keyId: key?.keyId ?? null };
    return c.json(page);
  });

  on(r, ROUTES.auditPublicKey, (c) => {
    orgAdminOnly(c);
    if (!key) throw problem('not-found', 'This API was started without an audit signing key (--audit-key), so it signs no checkpoints.');
    return c.body(key.publicPem, 200, { 'content-type': 'application/x-pem-file' });
  });

  return r;
}
