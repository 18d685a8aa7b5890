// Grant rules as an admin meets them through the API: refused decisions leave audit rows, a Guard
// admin who granted cannot decide their own grant, and closing a ticket clears its asks from the
// inbox. On PGlite always, and on PostgreSQL when DATABASE_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { World } from '../../../src/core/index';
import { ADMIN_URL, harness, WORLD, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

if (!ADMIN_URL) console.log('server grant rules: PostgreSQL suite skipped because DATABASE_URL is unset');

/** The shared world plus Zoe, who is both an org admin (grants) and a Guard admin (decides). */
const world: World = {
  ...WORLD,
  users: [...WORLD.users, { id: 'zoe', name: 'Zoe Hart', email: 'zoe@acme.test', emailVerified: true, sites: ['acme-main', 'acme-eu'], token: 'zoe-token' }],
  roles: [...WORLD.roles, { user: 'zoe', role: 'org_admin' }, { user: 'zoe', role: 'guard_admin' }],
};

interface Row {
  actor: string;
  action: string;
  ticket: string | null;
  outcome: string;
  detail: { code?: string } | null;
}

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`grant rules on ${backend}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness(backend, { world });
    });
    afterAll(async () => {
      await h?.close();
    });

    const auditOf = async (actor: string): Promise<Row[]> => (await h.call('alice-token', ROUTES.audit, { query: { actor } })).json.entries;

    it('an admin who is also a Guard admin cannot decide their own grant, and the refusal is audited', async () => {
      const g = await h.call('zoe-token', ROUTES.grant, { key: 'EU-1' }, {});
      expect(g.status).toBe(201);
      expect(g.json.state).toBe('pending_guard_approval');
      const self = await h.call('zoe-token', ROUTES.guardDecision, { id: g.json.id }, { decision: 'approve' });
      expect(self.status).toBe(403);
      expect(self.type).toContain('application/problem+json');
      expect(self.json.code).toBe('guard_self_decision');
      expect((await h.call('alice-token', ROUTES.getGrant, { id: g.json.id })).json.state).toBe('pending_guard_approval');
      const rows = await auditOf('zoe');
      expect(rows[0]).toMatchObject({ action: 'grant.guard_approve', ticket: 'EU-1', outcome: 'refused', detail: { code: 'guard_self_decision' } });
      // Another Guard admin still decides it.
      expect((await h.call('gus-token', ROUTES.guardDecision, { id: g.json.id }, { decision: 'approve' })).json.state).toBe('active');
      const verify = await h.call('alice-token', ROUTES.verifyAudit);
      expect(verify.json.ok).toBe(true);
    });

    it('refused revokes, Guard decisions and closes are audited', async () => {
      const g = await h.call('alice-token', ROUTES.grant, { key: 'PS-200' }, {});
      expect(g.status).toBe(201);
      // Bob administers Jira, PS-200 is Confluence: he may not revoke it.
      const bob = await h.call('bob-token', ROUTES.revoke, { id: g.json.id }, {});
      expect(bob.status).toBe(403);
      expect((await auditOf('bob'))[0]).toMatchObject({ action: 'grant.revoke', ticket: 'PS-200', outcome: 'refused', detail: { code: 'forbidden' } });
      // Not a Guard admin.
      const dev = await h.call('dev-token', ROUTES.guardDecision, { id: g.json.id }, { decision: 'deny' });
      expect(dev.status).toBe(403);
      expect((await auditOf('dev'))[0]).toMatchObject({ action: 'grant.guard_deny', outcome: 'refused', detail: { code: 'forbidden' } });
      // A grant that is not pending Guard approval: 409, audited.
      const gus = await h.call('gus-token', ROUTES.guardDecision, { id: g.json.id }, { decision: 'approve' });
      expect(gus.status).toBe(409);
      expect((await auditOf('gus'))[0]).toMatchObject({ action: 'grant.guard_approve', ticket: 'PS-200', outcome: 'refused', detail: { code: 'illegal-transition' } });
      // Lee is not PS-200's engineer; Sam closes it once, then a second close is refused.
      expect((await h.call('lee-token', ROUTES.closeTicket, { key: 'PS-200' }, {})).status).toBe(403);
      expect((await auditOf('lee'))[0]).toMatchObject({ action: 'ticket.close', ticket: 'PS-200', outcome: 'refused' });
      expect((await h.call('sam-token', ROUTES.closeTicket, { key: 'PS-200' }, {})).status).toBe(200);
      expect((await h.call('sam-token', ROUTES.closeTicket, { key: 'PS-200' }, {})).status).toBe(409);
      const sam = (await auditOf('sam')).filter((r) => r.action === 'ticket.close');
      expect(sam.map((r) => r.outcome)).toEqual(['refused', 'done']);
      // Revoking the grant the close already revoked: 409, audited.
      expect((await h.call('alice-token', ROUTES.revoke, { id: g.json.id }, {})).status).toBe(409);
      expect((await auditOf('alice'))[0]).toMatchObject({ action: 'grant.revoke', outcome: 'refused', detail: { code: 'illegal-transition' } });
      expect((await h.call('alice-token', ROUTES.verifyAudit)).json.ok).toBe(true);
    });

    it('closing a ticket takes the asks to grant it out of the inbox', async () => {
      const ask = await h.call('dev-token', ROUTES.ask, { key: 'PS-103' }, { adminId: 'bob' });
      expect(ask.status).toBe(201);
      const asksOf = async () => ((await h.call('bob-token', ROUTES.inbox)).json.items as Array<{ kind: string; ticket: string }>).filter((i) => i.kind === 'ask' && i.ticket === 'PS-103');
      expect(await asksOf()).toHaveLength(1);
      expect((await h.call('sam-token', ROUTES.closeTicket, { key: 'PS-103' }, {})).status).toBe(200);
      expect(await asksOf()).toEqual([]);
    });
  });
}
