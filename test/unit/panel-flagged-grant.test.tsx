// @vitest-environment happy-dom
// The ticket panel's grant state line says so when a live grant's granter can no longer grant (the
// API flags it for org admins only, issue 21): "Granted by <name>, who can no longer grant", beside
// the Revoke the view answer offers. Unflagged, revoked or nameless grants get no such line.
import { render } from 'preact';
import { describe, expect, it } from 'vitest';
import type { GrantWire } from '../../src/api/schemas';
import { DataGrant } from '../../src/panel/grant-controls';
import type { TicketView } from '../../src/shared-ext/ticket-view';

const base: GrantWire = {
  id: 'g1',
  kind: 'data',
  ticket: 'PS-107',
  site: 'acme-main',
  product: 'jira',
  engineer: 'sam',
  state: 'active',
  grantedBy: 'bob',
  grantedAt: '2026-12-07T09:00:00.000Z',
  version: 2,
};

function shown(grant: GrantWire, offered: ('revoke' | 'guard_approve' | 'guard_deny')[] = ['revoke']): { flag: string | undefined; buttons: string[] } {
  const view: TicketView = {
    key: 'PS-107',
    grants: [grant],
    activity: [],
    names: { bob: 'Bob Okafor' },
    guardAdmins: [],
    stale: false,
    me: { id: 'alice', name: 'Alice', email: 'alice@x', kind: 'admin' },
    actions: { ticket: [], ask: [], grants: { g1: offered }, changeRequests: {} },
  };
  const root = document.createElement('div');
  render(<DataGrant view={view} onChange={() => {}} />, root);
  const flag = root.querySelector('[data-flag="granted-by-no-longer-can"]')?.textContent?.replace(/\s+/g, ' ').trim();
  return { flag, buttons: [...root.querySelectorAll('button')].map((b) => b.getAttribute('aria-label') ?? b.textContent ?? '') };
}

describe("the panel's flag on a grant whose granter can no longer grant", () => {
  it('flagged and active: the line names the granter, and Revoke is there', () => {
    const out = shown({ ...base, grantedByNoLongerCan: true });
    expect(out.flag).toBe('Granted by Bob Okafor, who can no longer grant. The grant stands until someone revokes it.');
    expect(out.buttons).toEqual(['Revoke access']);
  });

  it('flagged and waiting on Guard: the line too', () => {
    expect(shown({ ...base, state: 'pending_guard_approval', grantedByNoLongerCan: true }).flag).toMatch(/^Granted by Bob Okafor, who can no longer grant\./);
  });

  it('not flagged, or no longer live: no line', () => {
    expect(shown(base).flag).toBeUndefined();
    expect(shown({ ...base, state: 'revoked', revokedBy: 'alice', revokedAt: '2026-12-07T10:00:00.000Z', grantedByNoLongerCan: true }, []).flag).toBeUndefined();
  });
});
