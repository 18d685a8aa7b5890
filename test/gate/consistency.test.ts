// Consistency of reads (THREATS.md): a verifier compares facts from one moment. While access
// checks keep arriving (on PostgreSQL through two replicas), every verify of a clean trail says
// ok: the API's GET /v1/audit/verify, and on PostgreSQL `npm run audit:verify` (exit 0) too.
import { afterEach, expect, it } from 'vitest';
import { type Deployment, deploy } from './deployments';
import { auditVerify, call, check, onEachBackend } from './harness';

onEachBackend(
  (backend) => `verify under load, ${backend === 'postgres' ? 'two replicas on PostgreSQL' : 'PGlite'}`,
  (backend) => {
    let d: Deployment | undefined;
    afterEach(async () => {
      await d?.close();
      d = undefined;
    });

    // On two PostgreSQL replicas this broke until issue 19: verify read the rows, then the head, in
    // two statements and called a clean log broken under load. Verify now reads the head first.
    it('every verify of a clean trail says ok while checks keep arriving', async () => {
      d = await deploy(backend);
      const dep = d;
      for (const t of ['GATE-21', 'GATE-22']) expect((await call(dep.a.base, 'alice-token', 'POST', `/v1/tickets/${t}/grants`, {})).status).toBe(201);
      let stop = false;
      let checks = 0;
      const checker = async (base: string, ticket: string) => {
        while (!stop) {
          expect(await check(base, ticket, 'sam-token', { type: 'comment', id: `c${checks++}` })).toBe(true);
        }
      };
      const load = [checker(dep.a.base, 'GATE-21'), checker(dep.b.base, 'GATE-22'), checker(dep.b.base, 'GATE-21'), checker(dep.a.base, 'GATE-22')];
      const verdicts: unknown[] = [];
      try {
        while (checks < 50) await new Promise((r) => setTimeout(r, 20));
        for (let i = 0; i < 6; i++) {
          for (const api of [dep.a, dep.b]) {
            const v = await call(api.base, 'alice-token', 'GET', '/v1/audit/verify');
            verdicts.push(v.json?.ok === true ? 'ok' : v.json);
          }
          if (backend === 'postgres') {
            const cli = await auditVerify(['--public-key', dep.keys.publicKey], dep.databaseUrl);
            verdicts.push(cli.code === 0 ? 'ok' : cli.output);
          }
        }
      } finally {
        stop = true;
        await Promise.all(load);
      }
      expect(verdicts.filter((v) => v !== 'ok')).toEqual([]);
    });
  },
);
