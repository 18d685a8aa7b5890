// Properties over random worlds and random event sequences (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyGrantEvent,
  CAUSE_ORDER,
  CENTRALIZED_ROLES,
  engineerAccessDecision,
  grantEligibility,
  indexWorld,
  newAiConversationGrant,
  newGrant,
  newSupportRequest,
  ORIGINAL_ROLES,
  parseWorld,
  qualifiedAdmins,
  revokeForTicketClose,
  ROLE_SHAPES,
  RuleError,
  type Grant,
  type RoleAssignment,
  type RoleName,
  type World,
} from '../../src/core/index';

const SITES = ['s1', 's2', 's3'];
const PRODUCTS = ['jira', 'confluence'];
const USERS = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'];

const roleArb = (roles: readonly RoleName[]) =>
  fc.record({
    user: fc.constantFrom(...USERS),
    role: fc.constantFrom(...roles),
    site: fc.constantFrom(...SITES),
    product: fc.constantFrom(...PRODUCTS),
    products: fc.subarray(PRODUCTS, { minLength: 1 }),
    pending: fc.boolean(),
  });

const worldArb = fc
  .constantFrom('centralized' as const, 'original' as const)
  .chain((exp) =>
    fc.record({
      exp: fc.constant(exp),
      statuses: fc.tuple(...SITES.map(() => fc.constantFrom('active' as const, 'active' as const, 'pending_deletion' as const))),
      roles: fc.array(roleArb(exp === 'centralized' ? CENTRALIZED_ROLES : ORIGINAL_ROLES), { maxLength: 14 }),
      tickets: fc.array(fc.record({ site: fc.constantFrom(...SITES), product: fc.constantFrom(...PRODUCTS), closed: fc.boolean() }), { minLength: 1, maxLength: 4 }),
    }),
  )
  .map(({ exp, statuses, roles, tickets }): World => {
    const seen = new Set<string>();
    const assignments: RoleAssignment[] = [];
    for (const r of roles) {
      const shape = ROLE_SHAPES[r.role];
      const a: RoleAssignment = { user: r.user, role: r.role };
      if (shape.site) a.site = r.site;
      if (shape.fields === 'product') a.product = r.product;
      if (shape.fields === 'products') a.products = r.products;
      if (r.pending) Object.assign(a, { source: 'scim', pendingSync: true });
      const key = [a.user, a.role, a.site, a.product].join('|');
      if (!seen.has(key)) assignments.push(a);
      seen.add(key);
    }
    return {
      organization: { id: 'o', name: 'O', userManagement: exp },
      sites: SITES.map((id, i) => ({ id, url: `https://${id}.atlassian.net`, status: statuses[i]! })),
      products: SITES.flatMap((site) => PRODUCTS.map((key) => ({ site, key, licensed: true, defaultGroup: 'g', billableSeats: 1 }))),
      users: USERS.map((id) => ({ id, name: id.toUpperCase(), email: `${id}@o.test`, emailVerified: true, sites: ['s1'] })),
      roles: assignments,
      engineers: [{ id: 'eng', email: 'eng@v.test' }],
      tickets: tickets.map((t, i) => ({ key: `T-${i}`, site: t.site, product: t.product, reporter: 'u0', engineer: 'eng', status: t.closed ? 'closed' : 'open' })),
    };
  });

describe('eligibility properties', () => {
  it('allowed ⇔ no causes; causes unique and in checklist order; via only when allowed', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const ix = indexWorld(parseWorld(w));
        for (const t of w.tickets)
          for (const u of USERS) {
            const e = grantEligibility(ix, u, t.key);
            expect(e.allowed).toBe(e.causes.length === 0);
            expect(e.via !== null).toBe(e.allowed);
            const idx = e.causes.map((c) => CAUSE_ORDER.indexOf(c.code));
            expect(idx).toEqual([...new Set(idx)].sort((a, b) => a - b));
          }
      }),
      { numRuns: 300 },
    );
  });

  it('qualifiedAdmins is exactly the users whose own eligibility is allowed, with their via role', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const ix = indexWorld(parseWorld(w));
        for (const t of w.tickets) {
          const q = qualifiedAdmins(ix, t.key);
          const allowed = USERS.map((u) => [u, grantEligibility(ix, u, t.key)] as const).filter(([, e]) => e.allowed);
          expect(q.map((a) => a.userId).sort()).toEqual(allowed.map(([u]) => u).sort());
          for (const [u, e] of allowed) expect(q.find((a) => a.userId === u)!.role).toBe(e.via);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('nobody is allowed on a closed ticket or a site pending deletion, not even an org admin', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const ix = indexWorld(parseWorld(w));
        for (const t of w.tickets) {
          const blocked = t.status === 'closed' || w.sites.find((s) => s.id === t.site)!.status !== 'active';
          if (blocked) expect(USERS.filter((u) => grantEligibility(ix, u, t.key).allowed)).toEqual([]);
        }
      }),
      { numRuns: 200 },
    );
  });
});

// ---- lifecycle: no event sequence lets an engineer in without an active grant on that ticket ----

type Step =
  | { kind: 'request'; ticket: number; ai: boolean }
  | { kind: 'grant'; grant: number; by: string; guard: boolean }
  | { kind: 'guard'; grant: number; by: string; approve: boolean }
  | { kind: 'revoke'; grant: number; by: string }
  | { kind: 'close'; ticket: number };

const ACTORS = ['alice', 'bob', 'gus'];
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('request' as const), ticket: fc.nat(2), ai: fc.boolean() }),
  fc.record({ kind: fc.constant('grant' as const), grant: fc.nat(9), by: fc.constantFrom(...ACTORS), guard: fc.boolean() }),
  fc.record({ kind: fc.constant('guard' as const), grant: fc.nat(9), by: fc.constantFrom(...ACTORS), approve: fc.boolean() }),
  fc.record({ kind: fc.constant('revoke' as const), grant: fc.nat(9), by: fc.constantFrom(...ACTORS) }),
  fc.record({ kind: fc.constant('close' as const), ticket: fc.nat(2) }),
);

describe('lifecycle properties', () => {
  it('Support gets in only through a grant that was granted (and Guard-approved when held) and not since revoked, on an open ticket', () => {
    const base: World = {
      organization: { id: 'o', name: 'O', userManagement: 'centralized' },
      sites: [{ id: 's1', url: 'https://s1.atlassian.net', status: 'active' }],
      products: PRODUCTS.map((key) => ({ site: 's1', key, licensed: true, defaultGroup: 'g', billableSeats: 1 })),
      users: ACTORS.map((id) => ({ id, name: id, email: `${id}@o.test`, emailVerified: true, sites: ['s1'] })),
      roles: [],
      engineers: [{ id: 'eng', email: 'eng@v.test' }],
      tickets: [0, 1, 2].map((i) => ({ key: `T-${i}`, site: 's1', product: PRODUCTS[i % 2]!, reporter: 'alice', engineer: 'eng', status: 'open' as const, aiConversationsRequested: ['c1', 'c2'] })),
    };
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 30 }), (steps) => {
        const world = structuredClone(base);
        let grants: Grant[] = [];
        // The model: ids of grants that went through a legal path to active and were not ended since.
        const granted = new Map<string, { guard: boolean; by: string }>();
        const open = new Set<string>();
        let n = 0;
        for (const s of steps) {
          const g = 'grant' in s ? grants[s.grant] : undefined;
          try {
            if (s.kind === 'request') {
              const t = world.tickets[s.ticket]!;
              grants.push(s.ai ? newAiConversationGrant(`g${n++}`, t, ['c1'], 'T') : newSupportRequest(`g${n++}`, t, 'T'));
            } else if (s.kind === 'close') {
              const key = world.tickets[s.ticket]!.key;
              world.tickets[s.ticket]!.status = 'closed';
              const changed = new Map(
                revokeForTicketClose(
                  grants.filter((x) => x.ticket === key),
                  'T',
                ).map((x) => [x.id, x]),
              );
              grants = grants.map((x) => changed.get(x.id) ?? x);
              for (const id of changed.keys()) open.delete(id);
            } else if (g) {
              const ev =
                s.kind === 'grant'
                  ? { type: 'grant' as const, by: s.by, at: 'T', guardRequired: s.guard }
                  : s.kind === 'guard'
                    ? { type: s.approve ? ('guard_approve' as const) : ('guard_deny' as const), by: s.by, at: 'T' }
                    : { type: 'revoke' as const, by: s.by, at: 'T', reason: 'admin' as const };
              const next = applyGrantEvent(g, ev);
              grants[s.grant] = next;
              if (s.kind === 'grant') {
                granted.set(g.id, { guard: s.guard, by: s.by });
                if (!s.guard) open.add(g.id);
              } else if (s.kind === 'guard') {
                expect(s.by).not.toBe(granted.get(g.id)?.by);
                if (s.approve) open.add(g.id);
              } else open.delete(g.id);
            }
          } catch (err) {
            expect(err).toBeInstanceOf(RuleError);
          }
          const ix = indexWorld(world);
          for (const t of world.tickets) {
            const mine = grants.filter((x) => x.ticket === t.key && open.has(x.id));
            const data = engineerAccessDecision(ix, grants, 'eng', t.key, { type: 'work_item' });
            expect(data.allowed).toBe(t.status === 'open' && mine.some((x) => x.kind === 'data'));
            const ai = engineerAccessDecision(ix, grants, 'eng', t.key, { type: 'ai_conversation', conversation: 'c1' });
            expect(ai.allowed).toBe(t.status === 'open' && mine.some((x) => x.kind === 'ai_conversations'));
            expect(engineerAccessDecision(ix, grants, 'eng', t.key, { type: 'ai_conversation', conversation: 'c2' }).allowed).toBe(false);
            const otherProduct = PRODUCTS.find((p) => p !== t.product)!;
            expect(engineerAccessDecision(ix, grants, 'eng', t.key, { type: 'page', product: otherProduct }).allowed).toBe(false);
            if (data.allowed) expect(mine.map((x) => x.id)).toContain(data.grantId);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a fresh grant for a ticket never starts active', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (id) => {
        const t = { key: 'K', site: 's', product: 'p', reporter: 'r', engineer: 'e', status: 'open' as const };
        expect(newGrant(id, t).state).toBe('requested');
        expect(newSupportRequest(id, t, 'T').state).toBe('requested');
      }),
    );
  });
});
