// Support changes nothing without consent (issue 24): the enforcement point knows the action, a
// change request is approved one at a time by an admin who may grant, and a consent allows exactly
// that action on that resource, once or until its end, never after a revoke or a close. Every
// request, consent, decline and change check is an audit row and an event.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { eventsFor } from '../../../src/server/inbox/events';
import { ADMIN_URL, harness, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

const BUG = { type: 'workflow', id: 'Bug', project: 'PS' };
const ASK = { action: 'update', resource: BUG, reason: 'The Bug workflow loses the Done transition; we need to restore it.', duration: 'PT2H' };

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`change consent on ${backend}`, () => {
    let h: Harness;
    let clock = Date.parse('2026-03-01T09:00:00.000Z');
    let ticketNo = 100;
    let key = '';
    const now = () => new Date(clock).toISOString();
    beforeAll(async () => {
      h = await harness(backend, { now });
    }, 60_000);
    afterAll(() => h?.close());
    // Each test on a ticket of its own (PS-100 … PS-129 are main/jira, sam's, bob's product).
    beforeEach(() => {
      key = `PS-${ticketNo++}`;
    });

    const check = (body: Record<string, unknown>, token = 'sam-token') => h.call(token, ROUTES.checkAccess, { ticket: key, ...body });
    const grant = async () => {
      const g = await h.call('bob-token', ROUTES.grant, { key }, {});
      expect(g.status, JSON.stringify(g.json)).toBe(201);
      return g.json.id as string;
    };
    const ask = async (over: Record<string, unknown> = {}) => {
      const r = await h.call('sam-token', ROUTES.createChangeRequest, { key }, { ...ASK, ...over });
      expect(r.status, JSON.stringify(r.json)).toBe(201);
      return r.json;
    };
    const approve = async (id: string, token = 'bob-token') => {
      const r = await h.call(token, ROUTES.approveChangeRequest, { id }, {});
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      return r.json;
    };
    const auditOf = async () => (await h.call('alice-token', ROUTES.audit, { query: { ticket: key, limit: 500 } })).json.entries as Array<Record<string, any>>;

    it('asks, lands in the inbox of those who may grant, is approved, allows the update once; a second update and a delete are refused', async () => {
      await grant();
      const cr = await ask();
      expect(cr).toMatchObject({ state: 'pending', once: true, action: 'update', summary: "update workflow 'Bug' in project PS", engineer: 'sam' });
      expect(cr.resource).toEqual({ type: 'workflow', id: 'Bug', project: 'PS', site: 'acme-main', product: 'jira' });
      for (const [token, sees] of [
        ['bob-token', true],
        ['dev-token', true],
        ['alice-token', true],
        ['gus-token', false],
        ['mia-token', false],
      ] as const) {
        const inbox = await h.call(token, ROUTES.inbox);
        expect(
          inbox.json.items.some((i: { id: string }) => i.id === `change_request:${cr.id}`),
          token,
        ).toBe(sees);
      }
      const listed = await h.call('bob-token', ROUTES.ticketChangeRequests, { key });
      expect(listed.json.changeRequests.map((c: { id: string }) => c.id)).toEqual([cr.id]);
      expect(listed.json.people.sam).toBe('Sam Ortiz');

      // Before consent: refused.
      expect((await check({ resource: BUG, action: 'update' })).json.allowed).toBe(false);
      const ok = await approve(cr.id);
      expect(ok).toMatchObject({ state: 'approved', approvedBy: 'bob', endsAt: new Date(clock + 7_200_000).toISOString() });
      expect((await h.call('bob-token', ROUTES.inbox)).json.items.some((i: { id: string }) => i.id === `change_request:${cr.id}`)).toBe(false);

      const first = await check({ resource: BUG, action: 'update' });
      expect(first.json).toMatchObject({ allowed: true, consentId: cr.id });
      const second = await check({ resource: BUG, action: 'update' });
      expect(second.json.allowed).toBe(false);
      expect(second.json.reason).toMatch(/once and was used/);
      expect((await check({ resource: BUG, action: 'delete' })).json.allowed).toBe(false);
      // Reads are decided as before.
      expect((await check({ resource: BUG })).json.allowed).toBe(true);
      expect((await check({ resource: BUG, action: 'read' })).json.allowed).toBe(true);
      expect((await h.call('bob-token', ROUTES.changeRequest, { id: cr.id })).json).toMatchObject({ state: 'used' });

      const rows = await auditOf();
      const changes = rows.filter((r) => r.action === 'access.change');
      expect(changes.map((r) => [r.outcome, r.detail.action])).toEqual(
        expect.arrayContaining([
          ['refused', 'update'],
          ['allowed', 'update'],
          ['refused', 'update'],
          ['refused', 'delete'],
        ]),
      );
      expect(changes.find((r) => r.outcome === 'allowed')!.detail).toMatchObject({ consentId: cr.id, consumed: true });
      expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(['change_request.create', 'change_request.approve']));
      expect(rows.find((r) => r.action === 'change_request.create')).toMatchObject({ actor: 'sam', resource: cr.resource });
      const events = (await eventsFor(h.db, 'bob', 0, 5000)).filter((e) => e.ticket === key);
      expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['change_request.changed', 'support.change']));
      // Every change check is an event for the ticket's admins, allowed or refused.
      const checks = events.filter((e) => e.type === 'support.change').map((e) => [(e.data as { action: string }).action, (e.data as { allowed: boolean }).allowed]);
      expect(checks).toEqual([
        ['update', false],
        ['update', true],
        ['update', false],
        ['delete', false],
      ]);
      expect((await h.call('alice-token', ROUTES.verifyAudit)).json.ok).toBe(true);
    });

    it('no consent: refused, and on record', async () => {
      await grant();
      for (const action of ['update', 'delete', 'run_test']) {
        const r = await check({ resource: BUG, action });
        expect(r.status).toBe(200);
        expect(r.json.allowed).toBe(false);
      }
      expect((await auditOf()).filter((r) => r.action === 'access.change' && r.outcome === 'refused')).toHaveLength(3);
    });

    it('a consent covers that resource only', async () => {
      await grant();
      const cr = await ask({ once: false });
      await approve(cr.id);
      expect((await check({ resource: BUG, action: 'update' })).json.allowed).toBe(true);
      for (const resource of [
        { type: 'workflow', id: 'Task', project: 'PS' },
        { type: 'workflow', id: 'Bug' },
        { type: 'workflow', id: 'Bug', project: 'OPS' },
        { type: 'project', id: 'PS' },
        { ...BUG, product: 'confluence' },
        { ...BUG, site: 'acme-eu' },
        'workflow:Bug',
      ]) {
        expect((await check({ resource, action: 'update' })).json.allowed, JSON.stringify(resource)).toBe(false);
      }
      // Nor another engineer (lee is not on the ticket).
      expect((await check({ resource: BUG, action: 'update' }, 'lee-token')).json.allowed).toBe(false);
    });

    it('until its end, then refused (expired)', async () => {
      await grant();
      const cr = await ask({ once: false, duration: 'PT1H' });
      await approve(cr.id);
      clock += 59 * 60_000;
      expect((await check({ resource: BUG, action: 'update' })).json.allowed).toBe(true);
      expect((await check({ resource: BUG, action: 'update' })).json.allowed).toBe(true);
      clock += 60_000;
      const late = await check({ resource: BUG, action: 'update' });
      expect(late.json.allowed).toBe(false);
      expect(late.json.reason).toMatch(/ended at/);
    });

    it('after revoke: refused, the consent ended, and a new grant does not bring it back', async () => {
      const g = await grant();
      const cr = await ask({ once: false });
      await approve(cr.id);
      expect((await check({ resource: BUG, action: 'update' })).json.allowed).toBe(true);
      expect((await h.call('bob-token', ROUTES.revoke, { id: g }, {})).status).toBe(200);
      expect((await check({ resource: BUG, action: 'update' })).json.allowed).toBe(false);
      expect((await h.call('bob-token', ROUTES.changeRequest, { id: cr.id })).json).toMatchObject({ state: 'ended', endReason: 'grant_revoked' });
      await grant();
      expect((await check({ resource: BUG, action: 'update' })).json.allowed).toBe(false);
      expect((await auditOf()).some((r) => r.action === 'change_request.end' && r.detail.changeRequestId === cr.id)).toBe(true);
    });

    it('after close: refused, and what waited ends too', async () => {
      await grant();
      const cr = await ask({ once: false });
      await approve(cr.id);
      const waiting = await ask({ action: 'delete' });
      expect((await check({ resource: BUG, action: 'update' })).json.allowed).toBe(true);
      expect((await check({ resource: { type: 'group', id: 'jira-users' }, action: 'change_permissions', change: 'added sam to jira-users' })).json.allowed).toBe(true);
      const closed = await h.call('sam-token', ROUTES.closeTicket, { key }, {});
      expect(closed.status).toBe(200);
      // The close lists every change Support made, and what it ended.
      expect(closed.json.endedChangeRequests.sort()).toEqual([cr.id, waiting.id].sort());
      expect(closed.json.changesMade.map((c: { summary: string; change?: string }) => [c.summary, c.change])).toEqual([
        ["update workflow 'Bug' in project PS", undefined],
        ["change permissions group 'jira-users'", 'added sam to jira-users'],
      ]);
      const closeEvent = (await eventsFor(h.db, 'bob', 0, 100_000)).filter((e) => e.type === 'ticket.closed' && e.ticket === key);
      expect((closeEvent[0]!.data as { changesMade: unknown[] }).changesMade).toHaveLength(2);
      expect((await check({ resource: BUG, action: 'update' })).json.allowed).toBe(false);
      for (const id of [cr.id, waiting.id]) expect((await h.call('bob-token', ROUTES.changeRequest, { id })).json).toMatchObject({ state: 'ended', endReason: 'ticket_closed' });
      expect((await h.call('bob-token', ROUTES.inbox)).json.items.some((i: { id: string }) => i.id === `change_request:${waiting.id}`)).toBe(false);
      const again = await h.call('sam-token', ROUTES.createChangeRequest, { key }, ASK);
      expect([again.status, again.json.code]).toEqual([422, 'ticket_closed']);
    });

    it('only an admin who may grant consents: 403 with the causes otherwise, and nothing changes', async () => {
      await grant();
      const cr = await ask();
      for (const token of ['gus-token', 'mia-token']) {
        const r = await h.call(token, ROUTES.approveChangeRequest, { id: cr.id }, {});
        expect(r.status, token).toBe(403);
        expect(r.type).toMatch(/problem\+json/);
        expect(r.json.causes.map((c: { code: string }) => c.code)).toEqual(['no_admin_role']);
      }
      expect((await h.call('sam-token', ROUTES.approveChangeRequest, { id: cr.id }, {})).status).toBe(403);
      expect((await h.call('mia-token', ROUTES.declineChangeRequest, { id: cr.id }, {})).status).toBe(403);
      expect((await h.call('bob-token', ROUTES.changeRequest, { id: cr.id })).json.state).toBe('pending');
      expect((await check({ resource: BUG, action: 'update' })).json.allowed).toBe(false);
      const refused = (await auditOf()).filter((r) => r.action === 'change_request.approve' && r.outcome === 'refused');
      expect(refused.map((r) => r.actor).sort()).toEqual(['gus', 'mia', 'sam']);
      // Only the assigned engineer asks.
      expect((await h.call('lee-token', ROUTES.createChangeRequest, { key }, ASK)).status).toBe(404);
      expect((await h.call('bob-token', ROUTES.createChangeRequest, { key }, ASK)).status).toBe(403);
    });

    it('a ticket holds at most 10 changes waiting for consent', async () => {
      for (let i = 0; i < 10; i++) await ask({ resource: { type: 'workflow', id: `W${i}`, project: 'PS' } });
      const more = await h.call('sam-token', ROUTES.createChangeRequest, { key }, ASK);
      expect([more.status, more.json.code]).toEqual([409, 'too_many_waiting']);
    });

    it('declined, with a message: allows nothing, and cannot be approved after', async () => {
      await grant();
      const cr = await ask();
      const d = await h.call('dev-token', ROUTES.declineChangeRequest, { id: cr.id }, { message: 'Not during the release freeze.' });
      expect(d.json).toMatchObject({ state: 'declined', declinedBy: 'dev', message: 'Not during the release freeze.' });
      expect((await h.call('bob-token', ROUTES.approveChangeRequest, { id: cr.id }, {})).status).toBe(409);
      expect((await check({ resource: BUG, action: 'update' })).json.allowed).toBe(false);
      expect((await auditOf()).some((r) => r.action === 'change_request.decline' && r.actor === 'dev')).toBe(true);
    });

    it('no consent without an active grant to live under (409), and bad asks are 400/422 problems', async () => {
      const cr = await ask();
      const r = await h.call('bob-token', ROUTES.approveChangeRequest, { id: cr.id }, {});
      expect(r.status).toBe(409);
      expect(r.json.code).toBe('no_active_grant');
      const bad = async (body: Record<string, unknown>) => h.call('sam-token', ROUTES.createChangeRequest, { key }, { ...ASK, ...body });
      expect((await bad({ action: 'read' })).json.code).toBe('not_a_change');
      expect((await bad({ action: 'change_permissions' })).status).toBe(422);
      expect((await bad({ resource: { type: 'workflow' } })).json.code).toBe('unnamed_resource');
      expect((await bad({ duration: 'two hours' })).json.code).toBe('invalid_duration');
      expect((await bad({ duration: undefined })).status).toBe(400);
      expect((await bad({ action: 7 })).status).toBe(400);
    });

    it('change_permissions: allowed under the grant, shown to the admins with what changed; never without a grant', async () => {
      const refused = await check({ resource: { type: 'project', id: 'PS' }, action: 'change_permissions', change: 'added sam to project PS viewers' });
      expect(refused.json.allowed).toBe(false);
      await grant();
      const before = (await eventsFor(h.db, 'bob', 0, 100_000)).at(-1)?.id ?? 0;
      const r = await check({ resource: { type: 'project', id: 'PS' }, action: 'change_permissions', change: 'added sam to project PS viewers' });
      expect(r.json.allowed).toBe(true);
      const [e] = (await eventsFor(h.db, 'bob', before)).filter((x) => x.type === 'support.change');
      expect(e!.data).toMatchObject({ ticket: key, engineer: 'sam', action: 'change_permissions', change: 'added sam to project PS viewers', allowed: true });
      const row = (await auditOf()).find((x) => x.action === 'access.change_permissions' && x.outcome === 'allowed')!;
      expect(row.detail).toMatchObject({ change: 'added sam to project PS viewers', action: 'change_permissions' });
      const activity = await h.call('bob-token', ROUTES.activity, { key });
      expect(activity.json.entries.some((x: { action: string }) => x.action === 'access.change_permissions')).toBe(true);
      // Not on what holds no permissions.
      expect((await check({ resource: { type: 'work_item', id: 'PS-1' }, action: 'change_permissions' })).json.allowed).toBe(false);
    });

    it('a non-string action is a 400 problem, on record; a read carries no change', async () => {
      for (const action of [5, null, true, ['update'], { a: 1 }, '']) {
        const r = await check({ resource: BUG, action });
        expect(r.status, JSON.stringify(action)).toBe(400);
        expect(r.type).toMatch(/problem\+json/);
      }
      expect((await check({ resource: BUG, change: 'x' })).status).toBe(400);
      expect((await check({ resource: BUG, action: 'read', change: 'x' })).status).toBe(400);
      const rows = (await auditOf()).filter((x) => x.outcome === 'refused' && x.detail?.status === 400);
      expect(rows.length).toBe(8);
    });

    it('an Idempotency-Key never replays an allowed change', async () => {
      await grant();
      const cr = await ask();
      await approve(cr.id);
      const send = () => h.call('sam-token', ROUTES.checkAccess, { ticket: key, resource: BUG, action: 'update' }, { headers: { 'idempotency-key': 'same-key-1' } });
      expect((await send()).json.allowed).toBe(true);
      const again = await send();
      expect(again.json.allowed).toBe(false);
      expect(again.headers.get('idempotent-replayed')).toBeNull();
    });

    it('a one-time consent allows exactly one of many simultaneous checks', async () => {
      await grant();
      const cr = await ask();
      await approve(cr.id);
      const answers = await Promise.all(Array.from({ length: 24 }, () => check({ resource: BUG, action: 'update' })));
      expect(answers.filter((a) => a.json.allowed)).toHaveLength(1);
      const rows = (await auditOf()).filter((r) => r.action === 'access.change');
      expect(rows).toHaveLength(24);
      expect(rows.filter((r) => r.outcome === 'allowed')).toHaveLength(1);
    });
  });
}

describe('Guard-restricted site: the change waits on a Guard admin', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness('pglite');
  }, 60_000);
  afterAll(() => h?.close());

  it('approved by an admin, then by a Guard admin other than them; only then allowed', async () => {
    const key = 'EU-3';
    const g = await h.call('alice-token', ROUTES.grant, { key }, {});
    expect(g.json.state).toBe('pending_guard_approval');
    expect((await h.call('gus-token', ROUTES.guardDecision, { id: g.json.id }, { decision: 'approve' })).status).toBe(200);
    const cr = await h.call(
      'lee-token',
      ROUTES.createChangeRequest,
      { key },
      {
        ...ASK,
        resource: { type: 'project', id: 'EU' },
        action: 'run_test',
        until: '2099-01-01T00:00:00Z',
        duration: undefined,
      },
    );
    // More than 30 days ahead is refused; a day is fine.
    expect(cr.status).toBe(422);
    const until = new Date(Date.now() + 86_400_000).toISOString();
    const ok = await h.call('lee-token', ROUTES.createChangeRequest, { key }, { ...ASK, resource: { type: 'project', id: 'EU' }, action: 'run_test', until, duration: undefined });
    expect(ok.status, JSON.stringify(ok.json)).toBe(201);
    const held = await h.call('alice-token', ROUTES.approveChangeRequest, { id: ok.json.id }, {});
    expect(held.json.state).toBe('pending_guard_approval');
    const run = () => h.call('lee-token', ROUTES.checkAccess, { ticket: key, resource: { type: 'project', id: 'EU' }, action: 'run_test' });
    expect((await run()).json.allowed).toBe(false);
    expect((await h.call('gus-token', ROUTES.inbox)).json.items.map((i: { kind: string }) => i.kind)).toContain('change_guard_approval');
    expect((await h.call('alice-token', ROUTES.guardDecideChangeRequest, { id: ok.json.id }, { decision: 'approve' })).status).toBe(403);
    const decided = await h.call('gwen-token', ROUTES.guardDecideChangeRequest, { id: ok.json.id }, { decision: 'approve' });
    expect(decided.json).toMatchObject({ state: 'approved', guardDecidedBy: 'gwen' });
    expect((await run()).json.allowed).toBe(true);
    expect((await run()).json.allowed).toBe(false);
  });
});

describe('the demo org starts with a pending change request', () => {
  it('is seeded once, pending, in the inbox of those who may grant for its ticket', async () => {
    const world = JSON.parse(readFileSync(new URL('../../../fixtures/demo-world.json', import.meta.url), 'utf8'));
    const h = await harness('pglite', { world });
    try {
      const inbox = await h.call('bob-token', ROUTES.inbox);
      const item = inbox.json.items.find((i: { id: string }) => i.id === 'change_request:cr_demo-bug-workflow');
      expect(item).toMatchObject({ kind: 'change_request', ticket: 'PS-109', title: "Support asks to update workflow 'Bug' in project PS (PS-109)" });
      const cr = await h.call('bob-token', ROUTES.changeRequest, { id: 'cr_demo-bug-workflow' });
      expect(cr.json).toMatchObject({ state: 'pending', engineer: 'sam', resource: { type: 'workflow', id: 'Bug', project: 'PS', site: 'acme-main', product: 'jira' } });
    } finally {
      await h.close();
    }
  });
});
