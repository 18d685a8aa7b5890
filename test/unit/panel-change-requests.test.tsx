// @vitest-environment happy-dom
// The change-request card offers exactly what the API will do: Approve only to an admin who may
// grant and only under an active grant; a change held for Guard offers the Guard decision only to a
// Guard admin other than the one who approved it.
import { render } from 'preact';
import { describe, expect, it } from 'vitest';
import type { ChangeRequestWire } from '../../src/api/schemas';
import { ChangeRequests, changeMadeText, consentTerms, durationWords } from '../../src/panel/change-requests';
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

describe('change request card', () => {
  it('Approve and Decline for an admin who may grant, under an active grant', () => {
    expect(buttons({ changeRequests: [cr()], eligibility: may, grants: active, me: { id: 'bob', name: 'Bob', email: 'b@x', kind: 'admin' } })).toEqual([
      "Approve change: update workflow 'Bug' in project PS",
      "Decline: update workflow 'Bug' in project PS",
    ]);
  });

  it('no Approve without an active grant; nothing for someone who may not grant', () => {
    expect(buttons({ changeRequests: [cr()], eligibility: may })).toEqual(["Decline: update workflow 'Bug' in project PS"]);
    expect(buttons({ changeRequests: [cr()], eligibility: { allowed: false } as TicketView['eligibility'], grants: active })).toEqual([]);
  });

  it('held for Guard: the Guard decision for a Guard admin other than the approver', () => {
    const held = cr({ state: 'pending_guard_approval', approvedBy: 'ivan' });
    const guards = [{ id: 'gus', name: 'Gus' }];
    expect(buttons({ changeRequests: [held], guardAdmins: guards, me: { id: 'gus', name: 'Gus', email: 'g@x', kind: 'admin' } })).toEqual([
      "Approve as Guard admin: update workflow 'Bug' in project PS",
      "Deny as Guard admin: update workflow 'Bug' in project PS",
    ]);
    expect(buttons({ changeRequests: [cr({ state: 'pending_guard_approval', approvedBy: 'gus' })], guardAdmins: guards, me: { id: 'gus', name: 'Gus', email: 'g@x', kind: 'admin' } })).toEqual([]);
    expect(buttons({ changeRequests: [held], guardAdmins: guards, eligibility: may, me: { id: 'bob', name: 'Bob', email: 'b@x', kind: 'admin' } })).toEqual([]);
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
