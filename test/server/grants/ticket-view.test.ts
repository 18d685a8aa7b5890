// The ticket panel's one answer, GET /v1/tickets/{key}/view: what it carries for each kind of
// caller, its ETag, and the promise that matters: every action it offers a caller succeeds when
// taken, and every action it withholds is refused by the API. On PGlite always, and on PostgreSQL
// when DATABASE_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { World } from '../../../src/core/index';
import { ADMIN_URL, harness, WORLD, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import type { RouteCall } from '../../support/api-call';

type Actions = { ticket: string[]; ask: string[]; grants: Record<string, string[]>; changeRequests: Record<string, string[]> };
type Candidate = { what: string; call: RouteCall };

const CALLERS = ['alice', 'olga', 'bob', 'dev', 'gus', 'gwen', 'mia', 'nora'];
const tokenOf = (id: string) => `${id}-token`;

/**
 * Every action anyone could try on the ticket as it stands (from an org admin's view, who sees it
 * all). Grants and change requests are named by their place in that view (`grant[0]`), so the same
 * action can be found again on another API built to the same state, where ids differ. `names` maps
 * ids to those places.
 */
async function candidates(h: Harness, key: string): Promise<{ list: Candidate[]; names: Map<string, string> }> {
  const all = (await h.call('alice-token', ROUTES.ticketView, { key })).json;
  const names = new Map<string, string>();
  const out: Candidate[] = [
    { what: 'grant', call: [ROUTES.grant, { key }, {}] },
    {
      what: 'grant_ai_conversations',
      call: [ROUTES.grantAiConversations, { key }, { conversations: all.ticket.aiConversationsRequested.length ? all.ticket.aiConversationsRequested : ['conv-x'] }],
    },
  ];
  for (const u of WORLD.users) out.push({ what: `ask:${u.id}`, call: [ROUTES.ask, { key }, { adminId: u.id }] });
  for (const [i, g] of (all.grants as { id: string }[]).entries()) {
    names.set(g.id, `grant[${i}]`);
    out.push({ what: `grant[${i}]:revoke`, call: [ROUTES.revoke, { id: g.id }, {}] });
    out.push({ what: `grant[${i}]:guard_approve`, call: [ROUTES.guardDecision, { id: g.id }, { decision: 'approve' }] });
    out.push({ what: `grant[${i}]:guard_deny`, call: [ROUTES.guardDecision, { id: g.id }, { decision: 'deny' }] });
  }
  for (const [i, c] of (all.changeRequests as { id: string }[]).entries()) {
    names.set(c.id, `change[${i}]`);
    out.push({ what: `change[${i}]:approve`, call: [ROUTES.approveChangeRequest, { id: c.id }, {}] });
    out.push({ what: `change[${i}]:decline`, call: [ROUTES.declineChangeRequest, { id: c.id }, {}] });
    out.push({ what: `change[${i}]:guard_approve`, call: [ROUTES.guardDecideChangeRequest, { id: c.id }, { decision: 'approve' }] });
    out.push({ what: `change[${i}]:guard_deny`, call: [ROUTES.guardDecideChangeRequest, { id: c.id }, { decision: 'deny' }] });
  }
  return { list: out, names };
}

/** The view's offered actions, in the candidates' names. */
function offered(a: Actions, names: Map<string, string>): Set<string> {
  const out = new Set<string>(a.ticket);
  for (const id of a.ask) out.add(`ask:${id}`);
  for (const [id, list] of [...Object.entries(a.grants), ...Object.entries(a.changeRequests)]) for (const x of list) out.add(`${names.get(id)}:${x}`);
  return out;
}

/**
 * Ticket states worth offering from. Each state is built on a family of like tickets (`REQ-0`,
 * `REQ-1`…): the first answers the views and takes every withheld action (a refusal changes
 * nothing), and each offered action is taken alone on a ticket of its own built to the same state.
 */
const SCENARIOS: { name: string; family: string; setup: (h: Harness, key: string) => Promise<void>; offersNothing?: boolean }[] = [
  { name: "Support's request, not yet granted", family: 'REQ', setup: async () => {} },
  {
    name: 'an active grant with a change waiting for consent',
    family: 'CHG',
    setup: async (h, key) => {
      expect((await h.call('bob-token', ROUTES.grant, { key }, {})).status).toBe(201);
      expect((await h.call('sam-token', ROUTES.createChangeRequest, { key }, { action: 'update', resource: 'workflow:Bug', reason: 'fix', duration: 'PT2H' })).status).toBe(201);
    },
  },
  {
    name: "another product's ticket its reporter cannot grant for, granted by an org admin (Bob on Priya's grant)",
    family: 'CONF',
    setup: async (h, key) => {
      expect((await h.call('alice-token', ROUTES.grant, { key }, {})).status).toBe(201);
    },
  },
  {
    name: 'a grant held for Guard on a restricted site',
    family: 'EUG',
    setup: async (h, key) => {
      expect((await h.call('alice-token', ROUTES.grant, { key }, {})).json.state).toBe('pending_guard_approval');
    },
  },
  {
    name: 'a change held for Guard on a restricted site',
    family: 'EUC',
    setup: async (h, key) => {
      const g = await h.call('alice-token', ROUTES.grant, { key }, {});
      expect((await h.call('gus-token', ROUTES.guardDecision, { id: g.json.id }, { decision: 'approve' })).status).toBe(200);
      const cr = await h.call('lee-token', ROUTES.createChangeRequest, { key }, { action: 'update', resource: 'workflow:Bug', reason: 'fix', duration: 'PT2H' });
      expect((await h.call('olga-token', ROUTES.approveChangeRequest, { id: cr.json.id }, {})).json.state).toBe('pending_guard_approval');
    },
  },
  { name: 'a closed ticket', family: 'SHUT', setup: async () => {}, offersNothing: true },
];

const FAMILY_SIZE = 40;
const family = (prefix: string, t: Omit<World['tickets'][number], 'key' | 'title'>): World['tickets'] =>
  Array.from({ length: FAMILY_SIZE }, (_, i) => ({ key: `${prefix}-${i}`, title: `${prefix} ${i}`, ...t }));
const world: World = {
  ...WORLD,
  tickets: [
    ...WORLD.tickets,
    ...family('REQ', { site: 'acme-main', product: 'jira', reporter: 'bob', engineer: 'sam', status: 'open', dataAccessRequested: true }),
    ...family('CHG', { site: 'acme-main', product: 'jira', reporter: 'mia', engineer: 'sam', status: 'open', dataAccessRequested: false }),
    ...family('CONF', { site: 'acme-main', product: 'confluence', reporter: 'bob', engineer: 'sam', status: 'open', dataAccessRequested: true, aiConversationsRequested: ['conv-1', 'conv-2'] }),
    ...family('EUG', { site: 'acme-eu', product: 'jira', reporter: 'bob', engineer: 'lee', status: 'open', dataAccessRequested: false }),
    ...family('EUC', { site: 'acme-eu', product: 'jira', reporter: 'alice', engineer: 'lee', status: 'open', dataAccessRequested: false }),
    ...family('SHUT', { site: 'acme-main', product: 'jira', reporter: 'bob', engineer: 'sam', status: 'closed', dataAccessRequested: true }),
  ],
};

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`the ticket view answer on ${backend}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness(backend, { world, asksPerHour: 10_000 });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('answers in one read what the panel showed from four: ticket, eligibility, grants, changes, activity, names', async () => {
      const g = await h.call('bob-token', ROUTES.grant, { key: 'PS-104' }, {});
      expect((await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-104', resource: { type: 'work_item', id: 'PS-104' } })).json.allowed).toBe(true);
      const v = await h.call('bob-token', ROUTES.ticketView, { key: 'PS-104' });
      expect(v.status).toBe(200);
      expect(v.json.stake).toBe('could_grant');
      expect(v.json.ticket).toEqual((await h.call('bob-token', ROUTES.ticket, { key: 'PS-104' })).json);
      expect(v.json.eligibility).toEqual((await h.call('bob-token', ROUTES.eligibility, { key: 'PS-104' })).json);
      expect(v.json.grants).toEqual((await h.call('bob-token', ROUTES.ticketGrants, { key: 'PS-104' })).json.grants);
      expect(v.json.activity).toEqual((await h.call('bob-token', ROUTES.activity, { key: 'PS-104' })).json.entries);
      expect(v.json.changeRequests).toEqual((await h.call('bob-token', ROUTES.ticketChangeRequests, { key: 'PS-104' })).json.changeRequests);
      expect(v.json.people).toMatchObject({ bob: 'Bob Stone', sam: 'Sam Ortiz' });
      expect(v.json.actions.grants[g.json.id]).toEqual(['revoke']);
      expect(v.json.actions.ticket).toEqual([]);
    });

    it('an org user without a stake gets eligibility and whom to ask, nothing of the ticket', async () => {
      const v = await h.call('mia-token', ROUTES.ticketView, { key: 'PS-110' });
      expect(v.status).toBe(200);
      expect(v.json.stake).toBe('none');
      expect(v.json.ticket).toBeUndefined();
      expect(v.json.grants).toEqual([]);
      expect(v.json.activity).toEqual([]);
      expect(v.json.eligibility.scope.includes).toEqual([]);
      expect(v.json.actions.ask.sort()).toEqual(['alice', 'bob', 'dev', 'olga']);
    });

    it('is refused to Support engineers and answers 404 for an unknown ticket, as problems', async () => {
      const eng = await h.call('sam-token', ROUTES.ticketView, { key: 'PS-101' });
      expect(eng.status).toBe(403);
      expect(eng.type).toContain('application/problem+json');
      const none = await h.call('alice-token', ROUTES.ticketView, { key: 'NOPE-1' });
      expect(none.status).toBe(404);
      expect(none.type).toContain('application/problem+json');
    });

    it('has an ETag: 304 while nothing changed, a new answer once something did', async () => {
      const first = await h.call('alice-token', ROUTES.ticketView, { key: 'PS-106' });
      const etag = first.headers.get('etag')!;
      expect(etag).toBeTruthy();
      expect((await h.call('alice-token', ROUTES.ticketView, { key: 'PS-106' }, { headers: { 'if-none-match': etag } })).status).toBe(304);
      expect((await h.call('alice-token', ROUTES.grant, { key: 'PS-106' }, {})).status).toBe(201);
      const after = await h.call('alice-token', ROUTES.ticketView, { key: 'PS-106' }, { headers: { 'if-none-match': etag } });
      expect(after.status).toBe(200);
      expect(after.headers.get('etag')).not.toBe(etag);
    });

    it("the reporter who cannot grant is offered no revoke on someone else's grant, and no ask once it is granted", async () => {
      const before = (await h.call('bob-token', ROUTES.ticketView, { key: 'PS-200' })).json;
      expect(before.stake).toBe('reporter');
      expect(before.actions.ask.length).toBeGreaterThan(0);
      const g = await h.call('alice-token', ROUTES.grant, { key: 'PS-200' }, {});
      const after = (await h.call('bob-token', ROUTES.ticketView, { key: 'PS-200' })).json;
      expect(after.grants.map((x: { id: string }) => x.id)).toContain(g.json.id);
      expect(after.actions.grants[g.json.id]).toEqual([]);
      expect(after.actions.ask).toEqual([]);
      expect((await h.call('alice-token', ROUTES.ticketView, { key: 'PS-200' })).json.actions.grants[g.json.id]).toEqual(['revoke']);
      const ask = await h.call('bob-token', ROUTES.ask, { key: 'PS-200' }, { adminId: 'olga' });
      expect(ask.status).toBe(409);
      expect(ask.json.code).toBe('already_granted');
    });

    for (const sc of SCENARIOS) {
      it(`offers exactly what succeeds: ${sc.name}`, async () => {
        const base = `${sc.family}-0`;
        await sc.setup(h, base);
        const { list, names } = await candidates(h, base);
        const offers = new Map<string, Set<string>>();
        for (const who of CALLERS) {
          const v = await h.call(tokenOf(who), ROUTES.ticketView, { key: base });
          expect(v.status, who).toBe(200);
          offers.set(who, offered(v.json.actions, names));
        }
        // Withheld: refused; a refusal changes nothing, so all are tried on the one ticket.
        for (const who of CALLERS) {
          for (const c of list.filter((x) => !offers.get(who)!.has(x.what))) {
            const r = await h.call(tokenOf(who), ...c.call);
            expect(r.status, `${who} was not offered ${c.what}, yet the API answered ${r.status}`).toBeGreaterThanOrEqual(400);
            expect(r.status, `${who} ${c.what}: ${r.json?.detail}`).toBeLessThan(500);
          }
        }
        // Offered: each succeeds, taken alone on another ticket built to the same state.
        let next = 1;
        for (const who of CALLERS) {
          for (const c of list.filter((x) => offers.get(who)!.has(x.what))) {
            const key = `${sc.family}-${next++}`;
            await sc.setup(h, key);
            const same = (await candidates(h, key)).list.find((x) => x.what === c.what)!;
            const r = await h.call(tokenOf(who), ...same.call);
            expect(r.status, `${who} was offered ${c.what}, yet the API answered ${r.status}: ${r.json?.detail}`).toBeLessThan(300);
          }
        }
        // A state that offers nobody anything proves nothing, unless that is its point.
        expect([...offers.values()].some((o) => o.size > 0)).toBe(!sc.offersNothing);
      });
    }
  });
}
