// @vitest-environment happy-dom
// The change-request card offers exactly what the API's view answer allows this admin (which the
// server decides by the rules it enforces: Approve only to an admin who may grant and only under an
// active grant; the Guard decision only to a Guard admin other than the approver), never more.
import { render } from 'preact';
import { describe, expect, it } from 'vitest';
import type { ChangeRequestWire } from '../../src/api/schemas';
import { ChangeRequests, changeMadeText, consentTerms } from '../../src/panel/change-requests';
import { durationWords } from '../../src/shared-ext/format';
import type { TicketView } from '../../src/shared-ext/ticket-view';

const cr = (over: Partial<ChangeRequestWire> = {}): ChangeRequestWire => ({
  id: 'cr1',
  ticket: 'PS-1',
  site: 'main',
  product: 'jira',
  engineer: 'sam',
  action: 'update',
  resource: { type: 'workflow', id: 'Bug', project: 'PS', site: 'main', product: 'jira' },
  summary: "update workflow 'Bug' in project PS",
  reason: 'restore Done',
  once: true,
  duration: 'PT2H',
  state: 'pending',
  createdAt: '2026-01-01T00:00:00.000Z',
  version: 1,
  ...over,
});

function buttons(view: Partial<TicketView>): string[] {
  const root = document.createElement('div');
  const full = { key: 'PS-1', grants: [], activity: [], names: {}, guardAdmins: [], stale: false, ...view } as TicketView;
  render(<ChangeRequests view={full} onChange={() => {}} />, root);
  return [...root.querySelectorAll('button')].map((b) => b.getAttribute('aria-label') ?? b.textContent ?? '');
}

const active = [{ id: 'g1', kind: 'data', state: 'active' }] as unknown as TicketView['grants'];
const may = { allowed: true } as TicketView['eligibility'];
/** The actions the API's view answer allows on change request cr1 (test/server/grants/ticket-view.test.ts pins how it decides them). */
const offers = (...cr1: ('approve' | 'decline' | 'guard_approve' | 'guard_deny')[]): TicketView['actions'] => ({ ticket: [], ask: [], grants: {}, changeRequests: { cr1 } });

describe('change request card', () => {
  it('Approve and Decline when the API offers them (an admin who may grant, under an active grant)', () => {
    expect(buttons({ changeRequests: [cr()], eligibility: may, grants: active, actions: offers('approve', 'decline'), me: { id: 'bob', name: 'Bob', email: 'b@x', kind: 'admin' } })).toEqual([
      "Approve change: update workflow 'Bug' in project PS",
      "Decline: update workflow 'Bug' in project PS",
    ]);
  });

  it('no Approve without an active grant (the API offers only Decline); nothing for someone offered nothing', () => {
    expect(buttons({ changeRequests: [cr()], eligibility: may, actions: offers('decline') })).toEqual(["Decline: update workflow 'Bug' in project PS"]);
    expect(buttons({ changeRequests: [cr()], eligibility: { allowed: false } as TicketView['eligibility'], grants: active, actions: offers() })).toEqual([]);
  });

  it("nothing is offered from a view without the API's actions (cached before it said), whatever eligibility says", () => {
    expect(buttons({ changeRequests: [cr()], eligibility: may, grants: active })).toEqual([]);
  });

  it('held for Guard: the Guard decision when the API offers it (a Guard admin other than the approver)', () => {
    const held = cr({ state: 'pending_guard_approval', approvedBy: 'ivan' });
    const guards = [{ id: 'gus', name: 'Gus' }];
    expect(buttons({ changeRequests: [held], guardAdmins: guards, actions: offers('guard_approve', 'guard_deny'), me: { id: 'gus', name: 'Gus', email: 'g@x', kind: 'admin' } })).toEqual([
      "Approve as Guard admin: update workflow 'Bug' in project PS",
      "Deny as Guard admin: update workflow 'Bug' in project PS",
    ]);
    expect(
      buttons({ changeRequests: [cr({ state: 'pending_guard_approval', approvedBy: 'gus' })], guardAdmins: guards, actions: offers(), me: { id: 'gus', name: 'Gus', email: 'g@x', kind: 'admin' } }),
    ).toEqual([]);
    expect(buttons({ changeRequests: [held], guardAdmins: guards, eligibility: may, actions: offers('decline'), me: { id: 'bob', name: 'Bob', email: 'b@x', kind: 'admin' } })).toEqual([]);
  });

  it('says how long, and what a change did, in words', () => {
    expect(durationWords('PT2H')).toBe('2 hours');
    expect(durationWords('P1DT30M')).toBe('1 day 30 minutes');
    expect(consentTerms(cr())).toBe('Once, for 2 hours from approval');
    expect(consentTerms(cr({ once: false }))).toBe('Any number of times for 2 hours from approval');
    const row = {
      id: '1',
      at: '',
      actorName: 'Sam',
      outcome: 'allowed',
      action: 'access.change_permissions',
      resource: { type: 'project', id: 'PS' },
      detail: { change: 'added sam to project PS viewers' },
    };
    expect(changeMadeText(row)).toBe('Support changed permissions: added sam to project PS viewers');
    expect(changeMadeText({ ...row, action: 'access.change', resource: { type: 'workflow', id: 'Bug', project: 'PS' }, detail: { action: 'update' } })).toBe(
      "Support made a change with your consent: update workflow 'Bug' in project PS",
    );
  });
});
