import { describe, expect, it } from 'vitest';
import { applyGrantEvent, engineerAccessDecision, newAiConversationGrant, newGrant, type Grant, type Resource } from '../../src/core/index';
import { loadFixture } from './helpers';

const ix = loadFixture('demo-world');
const AT = '2025-01-01T10:00:00Z';
const active = (id: string, key: string): Grant => applyGrantEvent(newGrant(id, ix.ticketsByKey.get(key)!), { type: 'grant', by: 'alice', at: AT, guardRequired: false });

describe('engineer access decision', () => {
  const g = active('g1', 'PS-107');

  it.each<[string, Resource, boolean]>([
    ['a work item of the ticket product', { type: 'work_item', id: 'JRA-1' }, true],
    ['audit logs', { type: 'audit_log' }, true],
    ['permission configuration', { type: 'permission_config' }, true],
    ['another product on the site', { type: 'page', product: 'confluence' }, false],
    ['the same product on another site', { type: 'work_item', site: 'acme-eu' }, false],
    ['an unlicensed product', { type: 'work_item', product: 'loom' }, false],
    ['an AI conversation under a data grant', { type: 'ai_conversation', conversation: 'c1' }, false],
  ])('%s', (_n, resource, allowed) => {
    const d = engineerAccessDecision(ix, [g], 'sam', 'PS-107', resource);
    expect(d.allowed).toBe(allowed);
    expect(d.reason.length).toBeGreaterThan(5);
    if (allowed) expect(d.grantId).toBe('g1');
  });

  it('needs a grant on this very ticket, for the assigned engineer', () => {
    const other = active('g2', 'PS-101');
    expect(engineerAccessDecision(ix, [other], 'sam', 'PS-107', { type: 'work_item' }).allowed).toBe(false);
    expect(engineerAccessDecision(ix, [g], 'lee', 'PS-107', { type: 'work_item' }).allowed).toBe(false);
    expect(engineerAccessDecision(ix, [], 'sam', 'PS-107', { type: 'work_item' }).allowed).toBe(false);
    expect(engineerAccessDecision(ix, [g], 'sam', 'NOPE', { type: 'work_item' }).allowed).toBe(false);
  });

  it('nothing but an active grant lets Support in', () => {
    const t = ix.ticketsByKey.get('PS-102')!;
    const pending = applyGrantEvent(newGrant('p', t), { type: 'grant', by: 'ivan', at: AT, guardRequired: true });
    expect(engineerAccessDecision(ix, [pending], 'sam', 'PS-102', { type: 'work_item' }).allowed).toBe(false);
    const approved = applyGrantEvent(pending, { type: 'guard_approve', by: 'gus', at: AT });
    expect(engineerAccessDecision(ix, [approved], 'sam', 'PS-102', { type: 'work_item' }).allowed).toBe(true);
    const revoked = applyGrantEvent(approved, { type: 'revoke', by: 'ivan', at: AT, reason: 'admin' });
    expect(engineerAccessDecision(ix, [revoked], 'sam', 'PS-102', { type: 'work_item' }).allowed).toBe(false);
  });

  it('a closed ticket lets nobody in even with a grant still marked active', () => {
    const stale = { ...active('x', 'PS-107'), ticket: 'PS-104' };
    expect(engineerAccessDecision(ix, [stale], 'lee', 'PS-104', { type: 'work_item' }).allowed).toBe(false);
  });

  it('AI conversations need an active grant naming exactly that conversation', () => {
    const ai = applyGrantEvent(newAiConversationGrant('ai', ix.ticketsByKey.get('PS-105')!, ['rovo-conv-8812'], AT), { type: 'grant', by: 'alice', at: AT, guardRequired: false });
    expect(engineerAccessDecision(ix, [ai], 'sam', 'PS-105', { type: 'ai_conversation', conversation: 'rovo-conv-8812' }).allowed).toBe(true);
    expect(engineerAccessDecision(ix, [ai], 'sam', 'PS-105', { type: 'ai_conversation', conversation: 'rovo-conv-8813' }).allowed).toBe(false);
    expect(engineerAccessDecision(ix, [ai], 'sam', 'PS-105', { type: 'work_item' }).allowed).toBe(false);
  });
});
