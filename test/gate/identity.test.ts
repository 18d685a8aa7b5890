// Identity confusion (THREATS.md): one person is one person however their email is written
// (case, spaces, decomposed or full-width letters); an address with an invisible character is
// never taken for a second person. Access requests (DESIGN §4) for a new person by email.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Deployment, deploy } from './deployments';
import { call, onEachBackend } from './harness';

const SAME_PERSON = ['ren\u00e9@acme.test', 'rene\u0301@acme.test', ' REN\u00c9@ACME.TEST ', 'Ren\u00e9@Acme.Test', '\uff32\uff25\uff2e\u00c9@acme.test'];
const LOOK_ALIKES = ['ren\u200b\u00e9@acme.test', 'ren\u00e9\u00ad@acme.test', 'r\u200den\u00e9@acme.test'];

onEachBackend(
  (backend) => `look-alike emails on access requests stay one person, ${backend === 'postgres' ? 'two replicas on PostgreSQL' : 'PGlite'}`,
  (backend) => {
    let d: Deployment;
    beforeAll(async () => {
      d = await deploy(backend);
    });
    afterAll(async () => {
      await d?.close();
    });

    it('every spelling of one address is the same request; a look-alike is refused, never a second request', async () => {
      const ids = new Set<string>();
      for (const [i, email] of SAME_PERSON.entries()) {
        const a = await call((i % 2 ? d.b : d.a).base, 'bob-token', 'POST', '/v1/access-requests', { site: 'acme-main', product: 'jira', for: { email } });
        expect(a.status, `${JSON.stringify(email)}: ${JSON.stringify(a.json)}`).toBe(i === 0 ? 201 : 200);
        ids.add(a.json.id);
      }
      expect(ids.size).toBe(1);
      for (const email of LOOK_ALIKES) {
        const a = await call(d.b.base, 'bob-token', 'POST', '/v1/access-requests', { site: 'acme-main', product: 'jira', for: { email } });
        expect(a.status, `${JSON.stringify(email)}: ${a.status} ${JSON.stringify(a.json)}`).toBeGreaterThanOrEqual(400);
        expect(a.status).toBeLessThan(500);
      }
    });

    it('once approved, the same person written another way already has the product: no second request, no second seat', async () => {
      const first = await call(d.a.base, 'dev-token', 'POST', '/v1/access-requests', { site: 'acme-main', product: 'confluence', for: { email: 'zoe.o@acme.test' } });
      expect(first.status).toBe(201);
      expect((await call(d.b.base, 'alice-token', 'POST', `/v1/access-requests/${first.json.id}/approve`, {})).status).toBe(200);
      for (const email of ['ZOE.O@ACME.TEST', ' zoe.o@acme.test', '\uff5a\uff4f\uff45.o@acme.test']) {
        const again = await call(d.a.base, 'bob-token', 'POST', '/v1/access-requests', { site: 'acme-main', product: 'confluence', for: { email } });
        expect(again.status, `${JSON.stringify(email)}: ${JSON.stringify(again.json)}`).toBeGreaterThanOrEqual(400);
        expect(again.status).toBeLessThan(500);
      }
    });
  },
);
