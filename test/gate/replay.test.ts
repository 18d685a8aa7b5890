// Replay (THREATS.md): a stored answer must not outlive the facts it was decided on. An access
// check sent again with the same Idempotency-Key after a revoke is decided anew, also through a
// %-encoded path; a replayed grant does not bring access back.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Deployment, deploy } from './deployments';
import { call, check, onEachBackend } from './harness';

onEachBackend(
  (backend) => `Idempotency-Key replay after a revoke, ${backend === 'postgres' ? 'two replicas on PostgreSQL' : 'PGlite'}`,
  (backend) => {
    let d: Deployment;
    beforeAll(async () => {
      d = await deploy(backend);
    });
    afterAll(async () => {
      await d?.close();
    });

    it('a check replayed with its Idempotency-Key after the revoke is acknowledged says not allowed, by any path spelling', async () => {
      const body = { ticket: 'GATE-7', resource: { type: 'page', id: 'p7' } };
      const key = { 'idempotency-key': 'gate-replay-check-7' };
      const g = await call(d.a.base, 'alice-token', 'POST', '/v1/tickets/GATE-7/grants', {});
      expect(g.status).toBe(201);
      const before = await call(d.b.base, 'sam-token', 'POST', '/v1/access/check', body, key);
      expect(before.json.allowed).toBe(true);
      expect((await call(d.a.base, 'alice-token', 'POST', `/v1/grants/${g.json.id}/revoke`, {})).status).toBe(200);
      for (const base of [d.a.base, d.b.base]) {
        for (const path of ['/v1/access/check', '/v1/access/%63heck', '/v1/%61ccess/check', '/v1/access/check?']) {
          const again = await call(base, 'sam-token', 'POST', path, body, key);
          expect(again.json?.allowed, `${path}: ${again.status} ${JSON.stringify(again.json)}`).not.toBe(true);
        }
      }
    });

    it('a grant replayed with its Idempotency-Key after the revoke does not give access again', async () => {
      const key = { 'idempotency-key': 'gate-replay-grant-8' };
      const g = await call(d.a.base, 'alice-token', 'POST', '/v1/tickets/GATE-8/grants', {}, key);
      expect(g.status).toBe(201);
      expect(await check(d.b.base, 'GATE-8')).toBe(true);
      expect((await call(d.b.base, 'alice-token', 'POST', `/v1/grants/${g.json.id}/revoke`, {})).status).toBe(200);
      await call(d.a.base, 'alice-token', 'POST', '/v1/tickets/GATE-8/grants', {}, key);
      await call(d.b.base, 'alice-token', 'POST', '/v1/tickets/GATE-8/grants', {}, key);
      expect(await check(d.a.base, 'GATE-8')).toBe(false);
      expect(await check(d.b.base, 'GATE-8')).toBe(false);
    });
  },
);
