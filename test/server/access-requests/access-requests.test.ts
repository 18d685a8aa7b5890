// Product access requests over the API: seats under concurrent approvals, a known user named by
// email, and the bar after a denied newcomer. On PGlite always, on PostgreSQL when DATABASE_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_URL, harness, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`product access requests on ${backend}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness(backend);
    });
    afterAll(async () => {
      await h?.close();
    });

    const seats = async (site: string, product: string) =>
      (await h.db.query<{ billable: number }>('SELECT billable FROM seats WHERE site = $1 AND product = $2', [site, product])).map((r) => Number(r.billable))[0];

    it('concurrent approvals add exactly one seat per new member of the group', async () => {
      const targets = [{ userId: 'gus' }, { userId: 'gwen' }, { userId: 'mia' }, { userId: 'nora' }, { userId: 'olga' }, { email: 'new1@acme.test' }, { email: 'new2@acme.test' }];
      const ids: string[] = [];
      for (const target of targets) {
        const r = await h.call('bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira', for: target });
        expect(r.status, JSON.stringify(r.json)).toBe(201);
        ids.push(r.json.id);
      }
      // A second requester asks for someone already asked for: one decision covers both requests,
      // so racing approvals of the two add one member, one seat, and the later one is told why.
      const dup = await h.call('dev-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira', for: { userId: 'mia' } });
      expect(dup.status).toBe(201);

      const decided = await Promise.all([
        ...ids.map((id) => h.call('alice-token', ROUTES.approveAccessRequest, { id }, {})),
        h.call('olga-token', ROUTES.approveAccessRequest, { id: dup.json.id }, {}),
      ]);
      const miaPair = [decided[2]!, decided[targets.length]!].map((d) => d.status).sort();
      expect(miaPair).toEqual([200, 409]);
      expect(decided.filter((_, i) => i !== 2 && i !== targets.length).map((d) => d.status)).toEqual(Array(targets.length - 1).fill(200));
      const miaRequests = await Promise.all([ids[2]!, dup.json.id].map(async (id) => (await h.call('alice-token', ROUTES.accessRequest, { id })).json));
      expect(miaRequests.map((r) => r.state)).toEqual(['approved', 'approved']);
      expect(miaRequests.filter((r) => r.decidedWith)).toHaveLength(1);
      expect(await seats('acme-main', 'jira')).toBe(41 + targets.length);
      const members = await h.db.query<{ member: string }>("SELECT member FROM group_members WHERE site = 'acme-main' AND product = 'jira'");
      expect(members.length).toBe(targets.length);

      // Each new member's approval recorded a different seat count; the duplicate recorded none added.
      const audit = await h.call('alice-token', ROUTES.audit, { query: { limit: 500 } });
      const onMine = audit.json.entries.filter((e: { action: string; resource: { id: string } }) => e.action === 'access_request.approve' && [...ids, dup.json.id].includes(e.resource.id));
      // The losing racer's 409 is on record as a refusal, not as a second approval.
      expect(onMine.filter((e: { outcome: string }) => e.outcome === 'refused')).toHaveLength(1);
      const approvals = onMine.filter((e: { outcome: string }) => e.outcome === 'done');
      const after = approvals.filter((e: { detail: { decidedWith?: string } }) => !e.detail.decidedWith).map((e: { detail: { seatsAfter: number } }) => e.detail.seatsAfter);
      expect(after.sort()).toEqual(Array.from({ length: targets.length }, (_, i) => 42 + i));
      expect(approvals.filter((e: { detail: { decidedWith?: string } }) => e.detail.decidedWith)).toHaveLength(1);
      expect((await h.call('alice-token', ROUTES.accessRequest, { id: ids[0]! })).json.seatsNow).toBe(41 + targets.length);
    });

    it("a request naming a user's email is for that user: they join the group, and cannot approve it themselves", async () => {
      const r = await h.call('bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence', for: { email: ' Mia@ACME.test ' } });
      expect(r.status).toBe(201);
      expect(r.json).toMatchObject({ for: { userId: 'mia' }, forUser: { id: 'mia', name: 'Mia Cole' }, self: false });
      expect((await h.call('dev-token', ROUTES.approveAccessRequest, { id: r.json.id }, {})).json.state).toBe('approved');
      const again = await h.call('mia-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence' });
      expect(again.status).toBe(422);
      expect(again.json.code).toBe('already_has_access');

      const forDev = await h.call('bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence', for: { email: 'dev@acme.test' } });
      expect(forDev.json.for).toEqual({ userId: 'dev' });
      const self = await h.call('dev-token', ROUTES.approveAccessRequest, { id: forDev.json.id }, {});
      expect(self.status).toBe(403);
      expect(self.json.code).toBe('self_review');
      const inbox = await h.call('dev-token', ROUTES.inbox);
      expect(inbox.json.items.map((i: { id: string }) => i.id)).not.toContain(`access_request:${forDev.json.id}`);
    });

    it('a denied newcomer is barred on every site, and the refusal names the request that was denied', async () => {
      const n = await h.call('nora-token', ROUTES.requestProductAccess, { site: 'acme-eu', product: 'jira' });
      expect(n.status).toBe(201);
      expect((await h.call('alice-token', ROUTES.denyAccessRequest, { id: n.json.id }, { message: 'Not a customer' })).json.state).toBe('denied');
      const other = await h.call('nora-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence' });
      expect(other.status).toBe(422);
      expect(other.json.code).toBe('barred');
      expect(other.json.detail).toContain('Jira on acme-eu.atlassian.net');
      expect(other.json.detail).toContain(new Date().toISOString().slice(0, 10));
      expect(other.json.detail).not.toContain('Confluence');
    });
  });
}
