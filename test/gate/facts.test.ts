// Stale facts and honest screens (THREATS.md), as far as HTTP shows them. When a fact under a
// decision changes (the ticket closes), nothing still acts on the old one: the grant ends, a
// Guard approval arriving late gives nothing, and eligibility says why. And what eligibility says
// is what the API will do: allowed exactly when a grant is made, Guard's hold exactly when the
// grant waits for it, and a refusal carries the same causes (DESIGN §4).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Deployment, deploy } from './deployments';
import { call, check, onEachBackend } from './harness';

const codes = (causes: unknown): string[] => (Array.isArray(causes) ? causes.map((c: { code: string }) => c.code).sort() : []);

onEachBackend(
  (backend) => `stale facts and honest answers, ${backend === 'postgres' ? 'two replicas on PostgreSQL' : 'PGlite'}`,
  (backend) => {
    let d: Deployment;
    beforeAll(async () => {
      d = await deploy(backend);
    });
    afterAll(async () => {
      await d?.close();
    });

    it('a ticket closed: the next check is refused, eligibility says ticket_closed, and a new grant is refused with that cause', async () => {
      const g = await call(d.a.base, 'alice-token', 'POST', '/v1/tickets/GATE-30/grants', {});
      expect(g.status).toBe(201);
      expect(await check(d.b.base, 'GATE-30')).toBe(true);
      expect((await call(d.a.base, 'sam-token', 'POST', '/v1/tickets/GATE-30/close', {})).status).toBe(200);
      expect(await check(d.b.base, 'GATE-30')).toBe(false);
      const e = await call(d.b.base, 'alice-token', 'GET', '/v1/tickets/GATE-30/eligibility');
      expect(e.json.allowed).toBe(false);
      expect(codes(e.json.causes)).toContain('ticket_closed');
      const again = await call(d.b.base, 'alice-token', 'POST', '/v1/tickets/GATE-30/grants', {});
      expect(again.status).toBe(403);
      expect(codes(again.json.causes)).toEqual(codes(e.json.causes));
    });

    it('a grant waiting on Guard when its ticket closes: a Guard approval after the close gives Support nothing', async () => {
      const g = await call(d.a.base, 'alice-token', 'POST', '/v1/tickets/EU-3/grants', {});
      expect(g.json.state).toBe('pending_guard_approval');
      expect(await check(d.b.base, 'EU-3', 'lee-token')).toBe(false);
      expect((await call(d.b.base, 'lee-token', 'POST', '/v1/tickets/EU-3/close', {})).status).toBe(200);
      const late = await call(d.a.base, 'gus-token', 'POST', `/v1/grants/${g.json.id}/guard-decision`, { decision: 'approve' });
      expect(late.status >= 200 && late.status < 300 && late.json?.state === 'active', JSON.stringify(late.json)).toBe(false);
      expect(await check(d.a.base, 'EU-3', 'lee-token')).toBe(false);
      expect(await check(d.b.base, 'EU-3', 'lee-token')).toBe(false);
    });

    it('for every admin and ticket, eligibility says what a grant then does', async () => {
      const admins = ['alice', 'bob', 'cara', 'dev', 'gus', 'hana', 'rita', 'nora'];
      const tickets = ['GATE-31', 'CONF-1', 'EU-4', 'OLD-1'];
      const mismatches: string[] = [];
      const seen = new Set<string>();
      for (const ticket of tickets) {
        for (const [i, who] of admins.entries()) {
          const api = i % 2 ? d.b : d.a;
          const e = await call(api.base, `${who}-token`, 'GET', `/v1/tickets/${ticket}/eligibility`);
          expect(e.status, `${who} ${ticket}: ${JSON.stringify(e.json)}`).toBe(200);
          const g = await call(api.base, `${who}-token`, 'POST', `/v1/tickets/${ticket}/grants`, {});
          const said = e.json.allowed ? `allowed${e.json.guardApprovalRequired ? ', held for Guard' : ''}` : `refused ${codes(e.json.causes).join(',')}`;
          const did =
            g.status === 201
              ? `allowed${g.json.state === 'pending_guard_approval' ? ', held for Guard' : ''}`
              : g.status === 403
                ? `refused ${codes(g.json.causes).join(',')}`
                : `answered ${g.status}`;
          seen.add(said);
          if (said !== did) mismatches.push(`${who} on ${ticket}: eligibility said "${said}", the grant was "${did}"`);
          // Back to no live grant, so the next admin is asked about the same ticket state.
          if (g.status === 201) expect((await call(d.a.base, 'alice-token', 'POST', `/v1/grants/${g.json.id}/revoke`, {})).status).toBe(200);
        }
      }
      expect(mismatches).toEqual([]);
      // The sweep met each kind of answer (else it proves little): grants, Guard holds, several refusals.
      expect(seen).toContain('allowed');
      expect(seen).toContain('allowed, held for Guard');
      expect([...seen].filter((s) => s.startsWith('refused')).length).toBeGreaterThanOrEqual(3);
    });
  },
);
