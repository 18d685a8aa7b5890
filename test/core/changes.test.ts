// Changes need consent: the action vocabulary, change requests' life, who consents, and the
// enforcement decision for a change (exact action on the exact canonical resource, once or until
// its end, never more; a revoked grant or a closed ticket ends it).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  actionKind,
  applyChangeRequestEvent,
  applyGrantEvent,
  canonicalResource,
  changeAccessDecision,
  changeWords,
  consentEligibility,
  durationMs,
  endChangeRequests,
  indexWorld,
  newChangeRequest,
  newGrant,
  parseWorld,
  RESOURCE_TYPES,
  RuleError,
  type ChangeRequest,
  type Resource,
} from '../../src/core/index';
import { smallWorld } from './helpers';

const world = smallWorld('centralized', [
  { user: 'pat', role: 'product_admin', site: 'main', product: 'jira' },
  { user: 'cora', role: 'product_admin', site: 'main', product: 'confluence' },
  { user: 'gail', role: 'guard_admin' },
]);
const ix = indexWorld(world);
const T0 = '2026-01-01T10:00:00.000Z';
const later = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const ticket = ix.ticketsByKey.get('OPEN-1')!;
const grant = applyGrantEvent(newGrant('g1', ticket), { type: 'grant', by: 'pat', at: T0, guardRequired: false });
const bug = canonicalResource(ix, 'OPEN-1', { type: 'workflow', id: 'Bug', project: 'PS' });

function approved(over: Partial<Parameters<typeof newChangeRequest>[3]> = {}, id = 'cr1'): ChangeRequest {
  const cr = newChangeRequest(ix, ticket, 'sam', { action: 'update', resource: bug, reason: 'Fix the transition', duration: 'PT2H', ...over }, id, T0);
  return applyChangeRequestEvent(cr, { type: 'approve', by: 'pat', at: T0, guardRequired: false, grantId: 'g1' });
}
const decide = (consents: ChangeRequest[], resource: Resource, action: string | undefined, at = later(1), spent?: Set<string>, grants = [grant]) =>
  changeAccessDecision(ix, grants, consents, 'sam', 'OPEN-1', canonicalResource(ix, 'OPEN-1', resource), action, at, spent);

describe('the action vocabulary', () => {
  it('reads by default, change_permissions apart, anything else is a change', () => {
    expect(actionKind(undefined)).toBe('read');
    expect(actionKind('read')).toBe('read');
    expect(actionKind('change_permissions')).toBe('change_permissions');
    for (const a of ['update', 'delete', 'run_test', 'Read', 'READ']) expect(actionKind(a)).toBe('change');
  });

  it('workflows and projects are resources, named once', () => {
    expect(RESOURCE_TYPES).toContain('workflow');
    expect(RESOURCE_TYPES).toContain('project');
    expect(bug).toEqual({ type: 'workflow', id: 'Bug', project: 'PS', site: 'main', product: 'jira' });
    expect(() => canonicalResource(ix, 'OPEN-1', { type: 'page', id: 'x', project: 'PS' })).toThrow(RuleError);
    expect(changeWords('update', bug)).toBe("update workflow 'Bug' in project PS");
    expect(changeWords('run_test', { type: 'project', id: 'PS' })).toBe('run test project PS');
  });

  it('durations are ISO 8601 without years or months', () => {
    expect(durationMs('PT2H')).toBe(7_200_000);
    expect(durationMs('P1DT30M')).toBe(86_400_000 + 1_800_000);
    for (const bad of ['P', 'PT', 'P1Y', 'PT0M', '2h', 'P1M']) expect(() => durationMs(bad)).toThrow(RuleError);
  });
});

describe('change requests', () => {
  it('only the assigned engineer asks, for a named change on the ticket’s own product and site, for a bounded time', () => {
    const ask =
      (over: object, engineer = 'sam', t = ticket) =>
      () =>
        newChangeRequest(ix, t, engineer, { action: 'update', resource: bug, reason: 'why', duration: 'PT1H', ...over } as never, 'x', T0);
    expect(ask({})().state).toBe('pending');
    expect(ask({})().once).toBe(true);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as RuleError).code;
      }
      return 'none';
    };
    expect(code(ask({}, 'lee'))).toBe('not_assigned');
    expect(code(ask({}, 'sam', ix.ticketsByKey.get('CLOSED-1')!))).toBe('ticket_closed');
    expect(code(ask({ action: 'read' }))).toBe('not_a_change');
    expect(code(ask({ action: 'change_permissions' }))).toBe('not_a_change');
    expect(code(ask({ resource: canonicalResource(ix, 'OPEN-1', { type: 'workflow' }) }))).toBe('unnamed_resource');
    expect(code(ask({ resource: canonicalResource(ix, 'OPEN-1', { type: 'workflow', id: 'Bug', site: 'other' }) }))).toBe('other_place');
    expect(code(ask({ reason: '   ' }))).toBe('no_reason');
    expect(code(ask({ duration: undefined }))).toBe('invalid_duration');
    expect(code(ask({ until: later(60) }))).toBe('invalid_duration');
    expect(code(ask({ duration: 'P31D' }))).toBe('invalid_duration');
    expect(code(ask({ duration: undefined, until: later(-1) }))).toBe('invalid_until');
  });

  it('who may consent is who may grant for the ticket', () => {
    expect(consentEligibility(ix, 'pat', 'OPEN-1').allowed).toBe(true);
    expect(consentEligibility(ix, 'olivia', 'OPEN-1').allowed).toBe(true);
    const cora = consentEligibility(ix, 'cora', 'OPEN-1');
    expect(cora.allowed).toBe(false);
    expect(cora.causes.map((c) => c.code)).toEqual(['wrong_product']);
    expect(consentEligibility(ix, 'gail', 'OPEN-1').allowed).toBe(false);
    expect(consentEligibility(ix, 'pat', 'CLOSED-1').causes.map((c) => c.code)).toEqual(['ticket_closed']);
  });

  it('Guard-restricted: waits on a Guard admin other than the approver; the clock starts at Guard approval', () => {
    const cr = newChangeRequest(ix, ticket, 'sam', { action: 'update', resource: bug, reason: 'r', duration: 'PT1H' }, 'c', T0);
    const held = applyChangeRequestEvent(cr, { type: 'approve', by: 'pat', at: T0, guardRequired: true, grantId: 'g1' });
    expect(held.state).toBe('pending_guard_approval');
    expect(held.endsAt).toBeUndefined();
    expect(() => applyChangeRequestEvent(held, { type: 'guard_approve', by: 'pat', at: later(5) })).toThrow(/someone other/);
    const ok = applyChangeRequestEvent(held, { type: 'guard_approve', by: 'gail', at: later(5) });
    expect(ok).toMatchObject({ state: 'approved', endsAt: later(65) });
    expect(applyChangeRequestEvent(held, { type: 'guard_deny', by: 'gail', at: later(5) }).state).toBe('declined');
    // Nothing is decided twice.
    expect(() => applyChangeRequestEvent(ok, { type: 'approve', by: 'pat', at: T0, guardRequired: false, grantId: 'g1' })).toThrow(RuleError);
    expect(() => applyChangeRequestEvent(ok, { type: 'decline', by: 'pat', at: T0 })).toThrow(RuleError);
  });

  it('an "until" that passed before approval cannot be approved', () => {
    const cr = newChangeRequest(ix, ticket, 'sam', { action: 'update', resource: bug, reason: 'r', until: later(10) }, 'c', T0);
    expect(() => applyChangeRequestEvent(cr, { type: 'approve', by: 'pat', at: later(11), guardRequired: false, grantId: 'g1' })).toThrow(/passed/);
  });

  it('revoke or close ends what waits and what is in effect, not what is over', () => {
    const waiting = newChangeRequest(ix, ticket, 'sam', { action: 'delete', resource: bug, reason: 'r', duration: 'PT1H' }, 'w', T0);
    const declined = applyChangeRequestEvent(waiting, { type: 'decline', by: 'pat', at: T0 });
    const ended = endChangeRequests([approved(), waiting, declined], later(2), 'grant_revoked');
    expect(ended.map((c) => [c.id, c.state, c.endReason])).toEqual([
      ['cr1', 'ended', 'grant_revoked'],
      ['w', 'ended', 'grant_revoked'],
    ]);
  });
});

describe('the decision for a change', () => {
  it('reads are decided as before, with or without action', () => {
    expect(decide([], { type: 'workflow', id: 'Bug', project: 'PS' }, undefined).allowed).toBe(true);
    expect(decide([], { type: 'workflow', id: 'Bug', project: 'PS' }, 'read').allowed).toBe(true);
    expect(decide([], { type: 'work_item' }, 'read', later(1), undefined, []).allowed).toBe(false);
  });

  it('no consent: refused', () => {
    const d = decide([], { type: 'workflow', id: 'Bug', project: 'PS' }, 'update');
    expect(d).toMatchObject({ allowed: false });
    expect(d.reason).toMatch(/No consent to "update workflow 'Bug' in project PS"/);
  });

  it('exactly the consented action on exactly that resource', () => {
    const c = [approved()];
    const d = decide(c, { type: 'workflow', id: 'Bug', project: 'PS' }, 'update');
    expect(d).toMatchObject({ allowed: true, consentId: 'cr1', consumes: true, grantId: 'g1' });
    expect(decide(c, { type: 'workflow', id: 'Bug', project: 'PS' }, 'delete').allowed).toBe(false);
    expect(decide(c, { type: 'workflow', id: 'Bug' }, 'update').allowed).toBe(false);
    expect(decide(c, { type: 'workflow', id: 'Task', project: 'PS' }, 'update').allowed).toBe(false);
    expect(decide(c, { type: 'workflow', id: 'Bug', project: 'PS', product: 'confluence' }, 'update').allowed).toBe(false);
    expect(decide(c, { type: 'project', id: 'PS' }, 'update').allowed).toBe(false);
    expect(decide(c, { type: 'workflow', id: 'Bug', project: 'PS' }, 'Update').allowed).toBe(false);
    // Another engineer, or the same consent on another ticket, never.
    expect(changeAccessDecision(ix, [grant], c, 'lee', 'OPEN-1', bug, 'update', later(1)).allowed).toBe(false);
  });

  it('once means once: a consent spent by an earlier check is refused, and a used one says so', () => {
    const c = approved();
    expect(decide([c], { type: 'workflow', id: 'Bug', project: 'PS' }, 'update', later(1), new Set(['cr1'])).allowed).toBe(false);
    const used = applyChangeRequestEvent(c, { type: 'use', at: later(1) });
    const d = decide([used], { type: 'workflow', id: 'Bug', project: 'PS' }, 'update', later(2));
    expect(d.allowed).toBe(false);
    expect(d.reason).toMatch(/once and was used/);
  });

  it('until its end, any number of times, never after', () => {
    const c = approved({ once: false });
    const many = decide([c], { type: 'workflow', id: 'Bug', project: 'PS' }, 'update', later(1), new Set(['cr1']));
    expect(many.allowed).toBe(true);
    expect(many.consumes).toBeUndefined();
    expect(decide([c], { type: 'workflow', id: 'Bug', project: 'PS' }, 'update', later(119)).allowed).toBe(true);
    const expired = decide([c], { type: 'workflow', id: 'Bug', project: 'PS' }, 'update', later(120));
    expect(expired.allowed).toBe(false);
    expect(expired.reason).toMatch(/ended at/);
    // A once consent ends at its end too, even unused.
    expect(decide([approved()], { type: 'workflow', id: 'Bug', project: 'PS' }, 'update', later(121)).allowed).toBe(false);
  });

  it('a revoked grant or a closed ticket ends it', () => {
    const c = approved({ once: false });
    const revoked = applyGrantEvent(grant, { type: 'revoke', by: 'pat', at: later(1), reason: 'admin' });
    expect(decide([c], { type: 'workflow', id: 'Bug', project: 'PS' }, 'update', later(2), undefined, [revoked]).allowed).toBe(false);
    // A new grant does not bring back a consent given under the old one.
    const again = applyGrantEvent(newGrant('g2', ticket), { type: 'grant', by: 'pat', at: later(3), guardRequired: false });
    const d = decide([c], { type: 'workflow', id: 'Bug', project: 'PS' }, 'update', later(4), undefined, [revoked, again]);
    expect(d.allowed).toBe(false);
    expect(d.reason).toMatch(/no longer the active grant/);
    const [ended] = endChangeRequests([c], later(2), 'ticket_closed');
    expect(decide([ended!], { type: 'workflow', id: 'Bug', project: 'PS' }, 'update', later(3)).reason).toMatch(/ticket closed/);
    const closed = indexWorld({ ...world, tickets: world.tickets.map((t) => (t.key === 'OPEN-1' ? { ...t, status: 'closed' as const } : t)) });
    expect(changeAccessDecision(closed, [grant], [c], 'sam', 'OPEN-1', bug, 'update', later(2)).allowed).toBe(false);
  });

  it('pending, Guard-held and declined requests allow nothing', () => {
    const cr = newChangeRequest(ix, ticket, 'sam', { action: 'update', resource: bug, reason: 'r', duration: 'PT1H' }, 'p', T0);
    const held = applyChangeRequestEvent(cr, { type: 'approve', by: 'pat', at: T0, guardRequired: true, grantId: 'g1' });
    const declined = applyChangeRequestEvent(cr, { type: 'decline', by: 'pat', at: T0 });
    for (const c of [cr, held, declined]) expect(decide([c], { type: 'workflow', id: 'Bug', project: 'PS' }, 'update').allowed).toBe(false);
  });

  it('change_permissions: allowed under an active grant on what holds permissions, never without one', () => {
    expect(decide([], { type: 'project', id: 'PS' }, 'change_permissions')).toMatchObject({ allowed: true, grantId: 'g1' });
    expect(decide([], { type: 'group', id: 'jira-users' }, 'change_permissions').allowed).toBe(true);
    expect(decide([], { type: 'work_item', id: 'PS-1' }, 'change_permissions').allowed).toBe(false);
    expect(decide([], { type: 'project', id: 'PS' }, 'change_permissions', later(1), undefined, []).allowed).toBe(false);
    expect(decide([], { type: 'project', id: 'PS', site: 'other' }, 'change_permissions').allowed).toBe(false);
  });

  it('AI conversations are never changed', () => {
    expect(decide([], { type: 'ai_conversation', conversation: 'c1' }, 'delete').allowed).toBe(false);
  });
});

describe('change requests in the world file', () => {
  const base = (changeRequests: unknown) => ({ ...world, changeRequests });
  const cr = { id: 'wf', ticket: 'OPEN-1', action: 'update', resource: { type: 'workflow', id: 'Bug', project: 'PS' }, reason: 'r', duration: 'PT1H' };

  it('parses them, and names the offending entry otherwise', () => {
    expect(parseWorld(base([cr])).changeRequests).toEqual([cr]);
    expect(() => parseWorld(base([{ ...cr, ticket: 'NOPE-1' }]))).toThrow(/changeRequests\[0\].*ticket "NOPE-1" does not exist/);
    expect(() => parseWorld(base([{ ...cr, extra: 1 }]))).toThrow(/changeRequests\[0\]/);
    expect(() => parseWorld(base([{ ...cr, resource: { type: 'spaceship', id: 'x' } }]))).toThrow(/type must be one of/);
    expect(() => parseWorld(base([cr, cr]))).toThrow(/change request id/);
  });

  it('the demo world starts with a pending change request', () => {
    const demo = parseWorld(JSON.parse(readFileSync(new URL('../../fixtures/demo-world.json', import.meta.url), 'utf8')));
    expect(demo.changeRequests?.length).toBeGreaterThan(0);
  });
});
