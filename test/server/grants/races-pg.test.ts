// Concurrent writers on one ticket over real PostgreSQL connections (PGlite has one connection, so
// it cannot race): close against revokes and Guard decisions must not deadlock, and a grant racing
// a revoke of the same Support request must leave exactly one acknowledged winner.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_URL, harness, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

if (!ADMIN_URL) console.log('server races: PostgreSQL suite skipped because DATABASE_URL is unset');

const ROUNDS = 25;

describe.skipIf(!ADMIN_URL)('write races on PostgreSQL', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness('postgres');
  });
  afterAll(async () => {
    await h?.close();
  });

  const grantOf = async (id: string) => (await h.call('alice-token', ROUTES.getGrant, { id })).json;

  it('closing a ticket while admins revoke and Guard admins decide never fails with a 5xx', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const ticket = `EU-${round % 10}`;
      // A fresh ticket each round would need a bigger world: reopen by using a new world per 10 rounds.
      if (round > 0 && round % 10 === 0) {
        await h.close();
        h = await harness('postgres');
      }
      // Two live grants on the ticket: a pending Guard grant (data) and a pending AI grant.
      const data = await h.call('alice-token', ROUTES.grant, { key: ticket }, {});
      expect(data.status, JSON.stringify(data.json)).toBe(201);
      expect(data.json.state).toBe('pending_guard_approval');
      const answers = await Promise.all([
        h.call('lee-token', ROUTES.closeTicket, { key: ticket }, {}),
        h.call('gus-token', ROUTES.guardDecision, { id: data.json.id }, { decision: 'approve' }),
        h.call('olga-token', ROUTES.revoke, { id: data.json.id }, {}),
        h.call('gwen-token', ROUTES.guardDecision, { id: data.json.id }, { decision: 'deny' }),
      ]);
      for (const a of answers) expect(a.status, JSON.stringify(a.json)).toBeLessThan(500);
      expect(answers[0]!.status).toBe(200);
      const g = await grantOf(data.json.id);
      // Whatever won first, the ticket is closed and nothing is left live.
      expect(['revoked', 'denied']).toContain(g.state);
      const t = await h.call('alice-token', ROUTES.ticket, { key: ticket });
      expect(t.json.status).toBe('closed');
      // Each acknowledged change is one step of the grant's history: distinct versions.
      const won = answers
        .slice(1)
        .filter((a) => a.status === 200)
        .map((a) => a.json.grant.version);
      expect(new Set(won).size).toBe(won.length);
    }
    const v = await h.call('alice-token', ROUTES.verifyAudit);
    expect(v.json.ok).toBe(true);
  });

  it('a grant racing a revoke of the same Support request: exactly one acknowledged winner', async () => {
    const outcomes = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      await h.close();
      h = await harness('postgres');
      // PS-100 starts with Support's outstanding request sr_PS-100.
      const id = 'sr_PS-100';
      const [grant, revoke] = await Promise.all([h.call('alice-token', ROUTES.grant, { key: 'PS-100' }, {}), h.call('olga-token', ROUTES.revoke, { id }, {})]);
      expect(grant.status, JSON.stringify(grant.json)).toBeLessThan(500);
      expect(revoke.status, JSON.stringify(revoke.json)).toBeLessThan(500);
      const final = await grantOf(id);
      const list = (await h.call('alice-token', ROUTES.ticketGrants, { key: 'PS-100' })).json.grants as Array<{ id: string; state: string; version: number }>;
      if (grant.status === 201 && grant.json.id === id && revoke.status === 200) {
        // Both acknowledged: they applied one after the other, so versions differ and the later one shows.
        expect(revoke.headers.get('etag')).not.toBe(grant.headers.get('etag'));
        expect(final.state).toBe('revoked');
        expect(final.version).toBe(3);
        outcomes.add('grant-then-revoke');
      } else if (revoke.status === 200) {
        // The revoke won the request; the grant either refused or made a new grant.
        expect(final).toMatchObject({ state: 'revoked', version: 2 });
        if (grant.status === 201) {
          expect(grant.json.id).not.toBe(id);
          expect(list.find((g) => g.id === grant.json.id)?.state).toBe(grant.json.state);
        }
        outcomes.add('revoke-first');
      } else {
        expect(grant.status).toBe(201);
        expect(final).toMatchObject({ state: grant.json.state, version: 2 });
        outcomes.add('grant-only');
      }
    }
    expect(outcomes.size).toBeGreaterThan(0);
  });
});
