// @vitest-environment happy-dom
// Support's activity in the ticket panel names every action in words: the panel used to label a
// `grant.request` the server never writes, so a Support request showed as "support_request.create".
import { render } from 'preact';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTION_LABELS, AUDIT_ACTIONS } from '../../src/api/vocabulary';
import { Activity } from '../../src/panel/sections';
import type { TicketView } from '../../src/shared-ext/ticket-view';

const row = (action: string, i: number, outcome = 'done') => ({ id: String(i), at: '2026-01-01T00:00:00.000Z', actorName: 'Sam Ortiz', action, resource: null, outcome });

function activityText(actions: string[]): string[] {
  const root = document.createElement('div');
  render(<Activity view={{ activity: actions.map((a, i) => row(a, i)) } as unknown as TicketView} />, root);
  return [...root.querySelectorAll('li span')].map((s) => s.textContent ?? '');
}

describe('panel activity', () => {
  it('shows every action Support can take in words, never the raw action name', () => {
    const lines = activityText(['support_request.create', 'access.check', 'ticket.close']);
    expect(lines).toEqual([`Sam Ortiz · Asked for access `, `Sam Ortiz · Opened `, `Sam Ortiz · Closed the ticket `]);
  });

  it('labels every action of the vocabulary', () => {
    // The panel lists the newest 20 rows: render the vocabulary 20 at a time.
    const lines: string[] = [];
    for (let i = 0; i < AUDIT_ACTIONS.length; i += 20) lines.push(...activityText(AUDIT_ACTIONS.slice(i, i + 20)));
    expect(lines).toHaveLength(AUDIT_ACTIONS.length);
    AUDIT_ACTIONS.forEach((a, i) => {
      expect(lines[i]).toContain(AUDIT_ACTION_LABELS[a]);
      expect(lines[i]).not.toContain(a);
    });
  });
});
