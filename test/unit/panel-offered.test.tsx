// @vitest-environment happy-dom
// The ticket panel shows exactly the actions the API's view answer allows this admin: Bob, the
// reporter of a Confluence ticket he cannot grant for, sees Priya's grant without a Revoke button and
// without "Ask to grant" (it is already granted); an admin the API lets revoke sees Revoke.
import { render } from 'preact';
import { describe, expect, it } from 'vitest';
import type { GrantWire } from '../../src/api/schemas';
import { AiConversationsGrant } from '../../src/panel/ai-conversations';
import { DataGrant } from '../../src/panel/grant-controls';
import { QualifiedAdmins } from '../../src/panel/sections';
import type { TicketView } from '../../src/shared-ext/ticket-view';

const grant: GrantWire = {
  id: 'g1',
  kind: 'data',
  ticket: 'PS-101',
  site: 'acme-main',
  product: 'confluence',
  engineer: 'sam',
  state: 'active',
  grantedBy: 'priya',
  grantedAt: '2026-12-07T09:00:00.000Z',
  version: 2,
};
const eligibility = (allowed: boolean) =>
  ({
    allowed,
    via: allowed ? 'org_admin' : null,
    causes: allowed ? [] : [{ code: 'wrong_product', message: 'You administer Jira, not Confluence.', fix: 'Ask an admin of Confluence.' }],
    qualifiedAdmins: [
      { userId: 'alice', name: 'Alice Ng', role: 'org_admin' },
      { userId: 'priya', name: 'Priya Raman', role: 'product_admin' },
    ],
    guardApprovalRequired: false,
    scope: { product: 'confluence', site: 'acme-main', siteUrl: 'https://acme.atlassian.net', includes: [], excludes: [], summary: '' },
  }) as TicketView['eligibility'];

function view(over: Partial<TicketView>): TicketView {
  return { key: 'PS-101', grants: [grant], activity: [], names: { priya: 'Priya Raman' }, guardAdmins: [], stale: false, me: { id: 'bob', name: 'Bob', email: 'bob@x', kind: 'admin' }, ...over };
}

function buttonsOf(node: preact.ComponentChild): string[] {
  const root = document.createElement('div');
  render(node, root);
  return [...root.querySelectorAll('button')].map((b) => b.getAttribute('aria-label') ?? b.textContent ?? '');
}

const none = { ticket: [], ask: [], grants: { g1: [] }, changeRequests: {} } satisfies TicketView['actions'];

describe('the panel offers what the API allows', () => {
  it("Bob on Priya's grant: no Revoke, no Ask to grant", () => {
    const bob = view({ eligibility: eligibility(false), actions: none });
    expect(buttonsOf(<DataGrant view={bob} onChange={() => {}} />)).toEqual([]);
    expect(buttonsOf(<QualifiedAdmins view={bob} />)).toEqual([]);
  });

  it('an admin the API lets revoke gets Revoke access', () => {
    const alice = view({ eligibility: eligibility(true), actions: { ...none, grants: { g1: ['revoke'] } }, me: { id: 'alice', name: 'Alice', email: 'a@x', kind: 'admin' } });
    expect(buttonsOf(<DataGrant view={alice} onChange={() => {}} />)).toEqual(['Revoke access']);
  });

  it('before any grant: Ask to grant for exactly the admins the API names; Grant only when offered', () => {
    const bob = view({ grants: [], eligibility: eligibility(false), actions: { ticket: [], ask: ['priya'], grants: {}, changeRequests: {} } });
    expect(buttonsOf(<QualifiedAdmins view={bob} />)).toEqual(['Ask Priya Raman to grant']);
    expect(buttonsOf(<DataGrant view={bob} onChange={() => {}} />)).toEqual([]);
    const alice = view({ grants: [], eligibility: eligibility(true), actions: { ticket: ['grant'], ask: [], grants: {}, changeRequests: {} } });
    expect(buttonsOf(<DataGrant view={alice} onChange={() => {}} />)).toEqual(['Grant access']);
    // Eligibility alone offers nothing: a view cached before the API said what it allows.
    expect(buttonsOf(<DataGrant view={{ ...alice, actions: undefined }} onChange={() => {}} />)).toEqual([]);
  });

  it('an ask still open shows as Asked, not as a second button', () => {
    const bob = view({
      grants: [],
      eligibility: eligibility(false),
      actions: { ticket: [], ask: ['alice', 'priya'], grants: {}, changeRequests: {} },
      asks: [{ adminId: 'priya', createdAt: '2026-12-07T09:00:00.000Z' }],
    });
    expect(buttonsOf(<QualifiedAdmins view={bob} />)).toEqual(['Ask Alice Ng to grant']);
  });

  it('AI conversations: Approve and Revoke only when offered', () => {
    const ticket = { aiConversationsRequested: ['rovo-conv-1'] } as TicketView['ticket'];
    const ai: GrantWire = { ...grant, id: 'ai1', kind: 'ai_conversations', conversations: ['rovo-conv-1'] };
    expect(buttonsOf(<AiConversationsGrant view={view({ ticket, grants: [], actions: { ...none, ticket: ['grant_ai_conversations'] } })} onChange={() => {}} />)).toEqual(['Approve AI conversations']);
    expect(buttonsOf(<AiConversationsGrant view={view({ ticket, grants: [], actions: none })} onChange={() => {}} />)).toEqual([]);
    expect(buttonsOf(<AiConversationsGrant view={view({ ticket, grants: [ai], actions: { ...none, grants: { ai1: [] } } })} onChange={() => {}} />)).toEqual([]);
    expect(buttonsOf(<AiConversationsGrant view={view({ ticket, grants: [ai], actions: { ...none, grants: { ai1: ['revoke'] } } })} onChange={() => {}} />)).toEqual(['Revoke AI conversations']);
  });
});
