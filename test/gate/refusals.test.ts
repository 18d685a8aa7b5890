// Refusals on record (THREATS.md, README "Everything is on record"): every refused write (a 4xx
// answer on a write route, except 429) is a problem+json answer and writes exactly one `refused`
// audit row naming the caller, read back through GET /v1/audit?actor=.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Deployment, deploy } from './deployments';
import { auditLog, call, callOnce, onEachBackend } from './harness';

interface Refused {
  what: string;
  actor: string;
  method?: string;
  path: string | (() => string);
  body?: unknown;
  headers?: Record<string, string>;
  /** On a connection of its own (the server may answer before reading the body). */
  once?: boolean;
}

onEachBackend(
  (backend) => `every refused write leaves exactly one refused audit row, ${backend === 'postgres' ? 'two replicas on PostgreSQL' : 'PGlite'}`,
  (backend) => {
    let d: Deployment;
    let pendingGuard: string;
    let accessRequest: string;
    beforeAll(async () => {
      d = await deploy(backend);
      const g = await call(d.a.base, 'alice-token', 'POST', '/v1/tickets/EU-2/grants', {});
      expect(g.json.state).toBe('pending_guard_approval');
      pendingGuard = g.json.id;
      const r = await call(d.a.base, 'rita-token', 'POST', '/v1/access-requests', { site: 'acme-main', product: 'confluence' });
      expect(r.status).toBe(201);
      accessRequest = r.json.id;
      // A used key, for the reuse case below.
      expect((await call(d.a.base, 'alice-token', 'POST', '/v1/tickets/GATE-14/grants', {}, { 'idempotency-key': 'gate-used-key' })).status).toBe(201);
    });
    afterAll(async () => {
      await d?.close();
    });

    const cases: Refused[] = [
      { what: 'a grant on another site than the admin’s', actor: 'bob', path: '/v1/tickets/EU-1/grants', body: {} },
      { what: 'a grant by someone with no admin role', actor: 'rita', path: '/v1/tickets/GATE-10/grants', body: {} },
      { what: 'a grant on a ticket that does not exist', actor: 'alice', path: '/v1/tickets/NOPE-999/grants', body: {} },
      { what: 'a grant with a body that is not JSON', actor: 'alice', path: '/v1/tickets/GATE-11/grants', body: '{"unfinished' },
      { what: 'a grant whose body is too large', actor: 'alice', path: '/v1/tickets/GATE-12/grants', body: { note: 'x'.repeat(2_000_000) }, once: true },
      { what: 'a grant with a malformed Idempotency-Key', actor: 'alice', path: '/v1/tickets/GATE-13/grants', body: {}, headers: { 'idempotency-key': 'k'.repeat(500) } },
      { what: 'another request under a used Idempotency-Key', actor: 'alice', path: '/v1/tickets/GATE-15/grants', body: {}, headers: { 'idempotency-key': 'gate-used-key' } },
      { what: 'a revoke of a grant that does not exist', actor: 'alice', path: '/v1/grants/no-such-grant/revoke', body: {} },
      { what: 'a Guard decision that is neither approve nor deny', actor: 'gus', path: () => `/v1/grants/${pendingGuard}/guard-decision`, body: { decision: 'maybe' } },
      { what: 'a Guard decision by someone who is not a Guard admin', actor: 'bob', path: () => `/v1/grants/${pendingGuard}/guard-decision`, body: { decision: 'approve' } },
      { what: 'an access check whose action is not a string', actor: 'sam', path: '/v1/access/check', body: { ticket: 'GATE-16', resource: { type: 'page' }, action: 5 } },
      { what: 'an access request for a product the site does not have', actor: 'rita', path: '/v1/access-requests', body: { site: 'acme-main', product: 'no-such-product' } },
      { what: 'an approval by someone who may not review', actor: 'bob', path: () => `/v1/access-requests/${accessRequest}/approve`, body: {} },
      { what: 'a denial by someone who may not review', actor: 'cara', path: () => `/v1/access-requests/${accessRequest}/deny`, body: { message: 'no' } },
    ];

    for (const c of cases) {
      it(`${c.what}: one refused row naming ${c.actor}`, async () => {
        const refusedRows = async () => (await auditLog(d.a.base, `&actor=${c.actor}`)).filter((e) => e.outcome === 'refused' && e.actor === c.actor).length;
        const before = await refusedRows();
        const path = typeof c.path === 'function' ? c.path() : c.path;
        const a = await (c.once ? callOnce : call)(d.b.base, `${c.actor}-token`, c.method ?? 'POST', path, c.body, c.headers);
        expect(a.status, JSON.stringify(a.json)).toBeGreaterThanOrEqual(400);
        expect(a.status).toBeLessThan(500);
        expect(a.status).not.toBe(429);
        expect(a.type).toContain('application/problem+json');
        expect((await refusedRows()) - before).toBe(1);
      });
    }
  },
);
