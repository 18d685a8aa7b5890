// Revoke is immediate: once a revoke is acknowledged, no access check says allowed, while checks
// race it (on PostgreSQL, through the other replica than the one that revoked).
import { afterEach, expect, it } from 'vitest';
import { type Deployment, deploy } from './deployments';
import { call, check, onEachBackend } from './harness';

onEachBackend(
  (backend) => `revoke racing access checks, ${backend === 'postgres' ? 'two replicas on PostgreSQL' : 'PGlite'}`,
  (backend) => {
    let d: Deployment | undefined;
    afterEach(async () => {
      await d?.close();
      d = undefined;
    });

    it('after a revoke is acknowledged, no access check says allowed', async () => {
      d = await deploy(backend);
      const { a, b } = d;
      for (let round = 0; round < 3; round++) {
        const ticket = `GATE-${round + 1}`;
        const g = await call(a.base, 'alice-token', 'POST', `/v1/tickets/${ticket}/grants`, {});
        expect(g.status).toBe(201);
        expect(g.json.state).toBe('active');
        // Both replicas have decided (and may keep what they read) with the grant in force.
        expect(await check(b.base, ticket)).toBe(true);
        expect(await check(a.base, ticket)).toBe(true);
        let acknowledged = false;
        let stop = false;
        const afterAck: boolean[] = [];
        const checker = async (base: string) => {
          while (!stop) {
            const sentAfterAck = acknowledged;
            const allowed = await check(base, ticket);
            if (sentAfterAck) afterAck.push(allowed);
          }
        };
        const checkers = [b.base, b.base, b.base, a.base].map(checker);
        const rv = await call(a.base, 'alice-token', 'POST', `/v1/grants/${g.json.id}/revoke`, {});
        expect(rv.status).toBe(200);
        acknowledged = true;
        const next = await check(b.base, ticket);
        // Keep racing a little after the acknowledgement so every checker sends after it.
        for (let i = 0; i < 5; i++) afterAck.push(await check(b.base, ticket));
        stop = true;
        await Promise.all(checkers);
        expect(next).toBe(false);
        expect(afterAck.length).toBeGreaterThan(5);
        expect(afterAck.filter((allowed) => allowed)).toEqual([]);
      }
    });
  },
);
