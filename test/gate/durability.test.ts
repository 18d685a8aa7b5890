// Nothing acknowledged is lost: a grant or revoke answered by the API is there after the process is
// killed with SIGKILL (no shutdown code runs) and started again on the same storage: the access
// check decides by it and its audit row is in the log. The trail still verifies.
import { afterEach, expect, it } from 'vitest';
import { type Deployment, deploy } from './deployments';
import { auditLog, auditVerify, call, check, onEachBackend } from './harness';

const mentions = (entry: unknown, id: string) => JSON.stringify(entry).includes(id);

onEachBackend(
  (backend) => `acknowledged writes survive kill -9, ${backend === 'postgres' ? 'two replicas on PostgreSQL' : 'PGlite --data'}`,
  (backend) => {
    let d: Deployment | undefined;
    afterEach(async () => {
      await d?.close();
      d = undefined;
    });

    const killAll = async (dep: Deployment, ...more: Array<{ kill9(): Promise<void> }>) => {
      await Promise.all([dep.a.kill9(), dep.b.kill9(), ...more.map((p) => p.kill9())]);
    };

    it('a grant, then a revoke, each acknowledged and followed by kill -9: after each restart the check and the audit log say so', async () => {
      d = await deploy(backend);
      const g = await call(d.b.base, 'alice-token', 'POST', '/v1/tickets/GATE-5/grants', {});
      expect(g.status).toBe(201);
      await killAll(d);

      const second = await d.restart();
      expect(await check(second.base, 'GATE-5')).toBe(true);
      expect((await auditLog(second.base)).filter((e) => mentions(e, g.json.id) && /grant/.test(e.action)).length).toBeGreaterThanOrEqual(1);
      const rv = await call(second.base, 'alice-token', 'POST', `/v1/grants/${g.json.id}/revoke`, {});
      expect(rv.status).toBe(200);
      await second.kill9();

      const third = await d.restart();
      expect(await check(third.base, 'GATE-5')).toBe(false);
      expect((await auditLog(third.base)).filter((e) => mentions(e, g.json.id) && /revoke/.test(e.action))).toHaveLength(1);
      await third.stop();
      const v = await auditVerify(backend === 'pglite' ? ['--data', d.data!, '--public-key', d.keys.publicKey] : ['--public-key', d.keys.publicKey], d.databaseUrl);
      expect(v.code, v.output).toBe(0);
    });

    it('kill -9 in the middle of a stream of grants: every acknowledged one is in force after the restart, with its audit row', async () => {
      d = await deploy(backend);
      const dep = d;
      const acked: Array<{ ticket: string; id: string }> = [];
      let killed = false;
      const writer = async (from: number, base: string) => {
        for (let i = from; i < 40 && !killed; i += 2) {
          const ticket = `GATE-${i + 1}`;
          const r = await call(base, 'alice-token', 'POST', `/v1/tickets/${ticket}/grants`, {}).catch(() => undefined);
          if (r?.status === 201) acked.push({ ticket, id: r.json.id });
        }
      };
      let finished = false;
      const writers = Promise.all([writer(0, dep.a.base), writer(1, dep.b.base)]).finally(() => {
        finished = true;
      });
      while (acked.length < 6 && !finished) await new Promise((r) => setTimeout(r, 10));
      killed = true;
      await killAll(dep);
      await writers;
      expect(acked.length).toBeGreaterThanOrEqual(6);

      const again = await dep.restart();
      const log = await auditLog(again.base);
      for (const { ticket, id } of acked) {
        expect(await check(again.base, ticket), ticket).toBe(true);
        expect(log.filter((e) => mentions(e, id) && /grant/.test(e.action)).length, id).toBeGreaterThanOrEqual(1);
      }
    });
  },
);
