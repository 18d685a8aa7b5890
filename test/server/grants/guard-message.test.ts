// A Guard admin's denial carries its reason: kept on the grant (so the granter reads it), recorded in
// the decision's audit row, bounded like every message, and refused as bad input when too long.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_LENGTH } from '../../../src/core/limits';
import { ADMIN_URL, harness, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

const backends: Backend[] = ['pglite', 'postgres'];

for (const backend of backends) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`Guard decision messages on ${backend}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness(backend);
    });
    afterAll(async () => {
      await h?.close();
    });

    it("a denial's reason is on the grant the granter reads and in the audit row", async () => {
      const g = await h.call('alice-token', ROUTES.grant, { key: 'EU-1' }, {});
      expect(g.json.state).toBe('pending_guard_approval');
      const reason = '  Export the logs yourself first: this site holds patient data.  ';
      const d = await h.call('gus-token', ROUTES.guardDecision, { id: g.json.id }, { decision: 'deny', message: reason });
      expect(d.status).toBe(200);
      expect(d.json.state).toBe('denied');
      const seen = await h.call('alice-token', ROUTES.getGrant, { id: g.json.id });
      expect(seen.json).toMatchObject({ state: 'denied', guardDecidedBy: 'gus', guardMessage: reason.trim() });
      const audit = await h.call('alice-token', ROUTES.audit, { query: { ticket: 'EU-1' } });
      const row = audit.json.entries.find((e: { action: string }) => e.action === 'grant.guard_deny');
      expect(row.detail).toMatchObject({ state: 'denied', message: reason.trim() });
    });

    it('a message over the limit is a 400 problem and decides nothing', async () => {
      const g = await h.call('alice-token', ROUTES.grant, { key: 'EU-2' }, {});
      const long = await h.call('gus-token', ROUTES.guardDecision, { id: g.json.id }, { decision: 'deny', message: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) });
      expect(long.status).toBe(400);
      expect(long.type).toContain('application/problem+json');
      expect((await h.call('alice-token', ROUTES.getGrant, { id: g.json.id })).json.state).toBe('pending_guard_approval');
    });

    it('a decision without a message keeps none', async () => {
      const g = await h.call('alice-token', ROUTES.grant, { key: 'EU-3' }, {});
      const d = await h.call('gus-token', ROUTES.guardDecision, { id: g.json.id }, { decision: 'approve' });
      expect(d.json.state).toBe('active');
      expect((await h.call('alice-token', ROUTES.getGrant, { id: g.json.id })).json).not.toHaveProperty('guardMessage');
    });
  });
}
