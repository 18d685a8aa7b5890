import { describe, expect, it } from 'vitest';
import {
  applyGrantEvent,
  engineerAccessDecision,
  mayDecideGuard,
  mayRevokeGrant,
  newAiConversationGrant,
  newGrant,
  newSupportRequest,
  revokeForTicketClose,
  type Grant,
  type GrantEvent,
} from '../../src/core/index';
import { loadFixture } from './helpers';

const ix = loadFixture('demo-world');
const ticket = (key: string) => ix.ticketsByKey.get(key)!;
const AT = '2025-01-01T10:00:00Z';
const grantEv = (by: string, guardRequired: boolean): GrantEvent => ({ type: 'grant', by, at: AT, guardRequired });
const approve = (by: string): GrantEvent => ({ type: 'guard_approve', by, at: AT });
const deny = (by: string): GrantEvent => ({ type: 'guard_deny', by, at: AT });
const revoke = (by = 'alice'): GrantEvent => ({ type: 'revoke', by, at: AT, reason: 'admin' });
const run = (g: Grant, ...events: GrantEvent[]) => events.reduce(applyGrantEvent, g);

describe('grant lifecycle', () => {
  const req = newSupportRequest('g1', ticket('PS-101'), AT);

  it('a Support request starts outstanding and carries the ticket place', () => {
    expect(req).toMatchObject({ state: 'requested', kind: 'data', ticket: 'PS-101', site: 'acme-main', product: 'confluence', engineer: 'sam', requestedAt: AT, version: 1 });
  });

  it.each([
    ['grant on an unrestricted site', [grantEv('alice', false)], 'active'],
    ['grant on a restricted site', [grantEv('ivan', true)], 'pending_guard_approval'],
    ['Guard approves', [grantEv('ivan', true), approve('gus')], 'active'],
    ['Guard denies', [grantEv('ivan', true), deny('gus')], 'denied'],
    ['revoke an active grant', [grantEv('alice', false), revoke()], 'revoked'],
    ['revoke while pending Guard', [grantEv('ivan', true), revoke('ivan')], 'revoked'],
    ['withdraw an outstanding request', [revoke()], 'revoked'],
  ] as const)('%s', (_n, events, state) => {
    const g = run(req, ...events);
    expect(g.state).toBe(state);
    expect(g.version).toBe(1 + events.length);
  });

  it.each([
    ['grant twice', [grantEv('alice', false), grantEv('dev', false)]],
    ['Guard approves an active grant', [grantEv('alice', false), approve('gus')]],
    ['Guard approves a request never granted', [approve('gus')]],
    ['Guard decides twice', [grantEv('ivan', true), approve('gus'), deny('gus')]],
    ['revoke twice', [grantEv('alice', false), revoke(), revoke()]],
    ['grant after denial', [grantEv('ivan', true), deny('gus'), grantEv('alice', false)]],
    ['grant after revoke', [revoke(), grantEv('alice', false)]],
    ['revoke a denied grant', [grantEv('ivan', true), deny('gus'), revoke()]],
  ] as const)('illegal: %s', (_n, events) => {
    expect(() => run(req, ...events)).toThrow(expect.objectContaining({ code: 'illegal_transition' }));
  });

  it('the Guard admin who decides must not be the granter', () => {
    const pending = run(newGrant('g2', ticket('PS-102')), grantEv('alice', true));
    expect(() => applyGrantEvent(pending, approve('alice'))).toThrow(expect.objectContaining({ code: 'guard_self_decision' }));
    expect(() => applyGrantEvent(pending, deny('alice'))).toThrow(expect.objectContaining({ code: 'guard_self_decision' }));
    expect(applyGrantEvent(pending, approve('gus'))).toMatchObject({ state: 'active', guardDecidedBy: 'gus', grantedBy: 'alice' });
  });

  it('does not mutate the grant it is given', () => {
    const before = structuredClone(req);
    applyGrantEvent(req, grantEv('alice', false));
    expect(req).toEqual(before);
  });

  it('ticket close revokes live grants and leaves finished ones', () => {
    const grants = [
      run(newGrant('a', ticket('PS-107')), grantEv('alice', false)),
      run(newGrant('b', ticket('PS-107')), grantEv('alice', true)),
      newSupportRequest('c', ticket('PS-107'), AT),
      run(newGrant('d', ticket('PS-107')), grantEv('alice', true), deny('gus')),
    ];
    const changed = revokeForTicketClose(grants, AT);
    expect(changed.map((g) => [g.id, g.state, g.revokeReason])).toEqual([
      ['a', 'revoked', 'ticket_closed'],
      ['b', 'revoked', 'ticket_closed'],
      ['c', 'revoked', 'ticket_closed'],
    ]);
  });

  it('only an in-effect guard_admin decides for Guard', () => {
    expect(mayDecideGuard(ix, 'gus')).toBe(true);
    expect(mayDecideGuard(ix, 'alice')).toBe(false);
  });
});

describe('AI conversation grants', () => {
  it('name exact conversations Support asked for', () => {
    const g = newAiConversationGrant('ai1', ticket('PS-105'), ['rovo-conv-8812'], AT);
    expect(g).toMatchObject({ kind: 'ai_conversations', conversations: ['rovo-conv-8812'], state: 'requested' });
    expect(() => newAiConversationGrant('ai2', ticket('PS-105'), [], AT)).toThrow(expect.objectContaining({ code: 'invalid_conversations' }));
    expect(() => newAiConversationGrant('ai2', ticket('PS-105'), ['x', 'x'], AT)).toThrow(expect.objectContaining({ code: 'invalid_conversations' }));
    expect(() => newAiConversationGrant('ai2', ticket('PS-105'), ['rovo-conv-0000'], AT)).toThrow(expect.objectContaining({ code: 'conversation_not_requested' }));
  });

  it('on a ticket where Support named no conversations, every conversation is refused', () => {
    expect(ticket('PS-107').aiConversationsRequested).toBeUndefined();
    expect(() => newAiConversationGrant('ai3', ticket('PS-107'), ['rovo-conv-8812'], AT)).toThrow(expect.objectContaining({ code: 'conversation_not_requested' }));
  });

  it('are revocable on their own, leaving the data grant active', () => {
    const data = run(newGrant('d', ticket('PS-105')), grantEv('alice', false));
    const ai = run(newAiConversationGrant('ai', ticket('PS-105'), ['rovo-conv-8812'], AT), grantEv('alice', false), revoke());
    const res = { type: 'ai_conversation', conversation: 'rovo-conv-8812' } as const;
    expect(engineerAccessDecision(ix, [data, ai], 'sam', 'PS-105', res).allowed).toBe(false);
    expect(engineerAccessDecision(ix, [data, ai], 'sam', 'PS-105', { type: 'work_item' }).allowed).toBe(true);
  });
});

describe('who may revoke a grant', () => {
  // PS-107 is jira on acme-main; PS-102 jira on acme-eu; PS-103 jira on acme-legacy (pending deletion);
  // PS-104 jira on acme-main, closed.
  const granted = (key: string, by: string) => run(newGrant(`g-${key}`, ticket(key)), grantEv(by, false));
  it.each([
    ['the admin who granted it', 'PS-107', 'bob', 'bob', true],
    ['an org admin who did not grant it', 'PS-107', 'bob', 'alice', true],
    ['a product admin of its product and site', 'PS-107', 'alice', 'bob', true],
    ['a site admin of its site', 'PS-107', 'alice', 'dev', true],
    ['a contact listed for its product', 'PS-107', 'alice', 'cara', true],
    ['a product admin of another product', 'PS-107', 'alice', 'priya', false],
    ['a product admin of its product on another site', 'PS-107', 'alice', 'ivan', false],
    ['a SCIM role not yet synced', 'PS-101', 'alice', 'hana', false],
    ['a Guard admin (decides, never revokes)', 'PS-107', 'alice', 'gus', false],
    ['someone with no role', 'PS-107', 'alice', 'nobody', false],
    ['a fitting admin after the ticket closed', 'PS-104', 'alice', 'bob', true],
    ['a fitting admin on a site pending deletion', 'PS-103', 'alice', 'lena', true],
    ['the Guard-restricted site admin of its product', 'PS-102', 'alice', 'ivan', true],
  ] as const)('%s', (_n, key, by, who, may) => {
    expect(mayRevokeGrant(ix, granted(key, by), who)).toBe(may);
  });

  it('an outstanding Support request (never granted) is revoked only by fitting admins', () => {
    const req = newSupportRequest('r', ticket('PS-107'), AT);
    expect(mayRevokeGrant(ix, req, 'bob')).toBe(true);
    expect(mayRevokeGrant(ix, req, 'priya')).toBe(false);
  });
});
