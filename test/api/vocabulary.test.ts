// The shared vocabulary names every action the server can write, and nothing else: a raw action
// string appended in src/server, or a label for an action never written, fails here.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ACCESS_REQUEST_STATE_LABELS,
  AUDIT_ACTION_LABELS,
  auditActionLabel,
  GRANT_STATE_LABELS,
  isTicketKey,
  MAX_MESSAGE_LENGTH,
  ROLE_LABELS,
  roleTitle,
  stateLabel,
  TICKET_KEY_MAX_LENGTH,
} from '../../src/api/vocabulary';
import { ORIGINAL_ROLES, CENTRALIZED_ROLES } from '../../src/core/roles';
import * as wire from '../../src/api/schemas';
import { AuditAction, Role } from '../../src/api/schemas';

const serverDir = join(__dirname, '../../src/server');
const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });

/**
 * Action strings the server code hands to the audit log: `action: '…'` (AuditTrail.append inputs and
 * refused attempts) and the action argument of `grantChanged(…)` and `changeRequestChanged(…)`,
 * quoted or as a template.
 */
function writtenActions(): { literal: Set<string>; templates: string[] } {
  const literal = new Set<string>();
  const templates: string[] = [];
  const found = /(?:\baction:\s*|(?:grantChanged|changeRequestChanged)\((?:[^,()]+,\s*){4})(['`])([^'`]+)\1/g;
  for (const file of sources(serverDir)) {
    for (const m of readFileSync(file, 'utf8').matchAll(found)) {
      if (m[1] === '`' && m[2]!.includes('${')) templates.push(m[2]!);
      else literal.add(m[2]!);
    }
  }
  return { literal, templates };
}
const templateRegex = (t: string) =>
  new RegExp(
    `^${t
      .split(/\$\{[^}]+\}/)
      .map((s) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
      .join('[a-z_]+')}$`,
  );

describe('audit actions', () => {
  it('every action has a human label that is not its raw name', () => {
    expect(AuditAction.options.length).toBeGreaterThan(0);
    for (const a of AuditAction.options) {
      expect(AUDIT_ACTION_LABELS[a].trim(), a).not.toBe('');
      expect(auditActionLabel(a), a).not.toBe(a);
    }
  });

  it('every action string src/server writes is in the vocabulary', () => {
    const { literal, templates } = writtenActions();
    // The scan must see the server's real calls, or this test proves nothing.
    expect([...literal]).toEqual(expect.arrayContaining(['access.check', 'grant.create', 'ticket.close', 'support_request.create']));
    expect(templates).toEqual(expect.arrayContaining(['grant.guard_${decision}', 'access_request.${decision}']));
    for (const a of literal) expect(AuditAction.options, `src/server writes "${a}"`).toContain(a);
    for (const t of templates)
      expect(
        AuditAction.options.filter((a) => templateRegex(t).test(a)),
        `src/server writes \`${t}\``,
      ).not.toEqual([]);
  });

  it('the vocabulary has no action the server never writes (a label for nothing is drift)', () => {
    const { literal, templates } = writtenActions();
    for (const a of AuditAction.options) expect(literal.has(a) || templates.some((t) => templateRegex(t).test(a)), a).toBe(true);
    expect(AuditAction.options).toEqual(expect.arrayContaining(['grant.guard_approve', 'grant.guard_deny']));
    expect(AuditAction.options).not.toContain('grant.guard_decision');
    expect(AuditAction.options).not.toContain('grant.request');
  });

  it('an action from a newer server keeps its name', () => {
    expect(auditActionLabel('grant.something_new')).toBe('grant.something_new');
    expect(auditActionLabel('toString')).toBe('toString');
  });
});

describe('roles, states, limits', () => {
  it('labels every role of both experiences', () => {
    for (const r of new Set([...CENTRALIZED_ROLES, ...ORIGINAL_ROLES])) {
      expect(Role.options).toContain(r);
      expect(ROLE_LABELS[r]).toMatch(/\S/);
    }
    expect(roleTitle('org_admin')).toBe('Organization admin');
    expect(roleTitle('some_new_role')).toBe('some new role');
    expect(roleTitle(undefined)).toBe('');
  });

  it('the wire schemas use the vocabulary states', () => {
    expect(wire.GrantState.options).toEqual(Object.keys(GRANT_STATE_LABELS));
    expect(wire.AccessRequestState.options).toEqual(Object.keys(ACCESS_REQUEST_STATE_LABELS));
    expect(stateLabel('pending_guard_approval')).toBe('Waiting on Guard');
    expect(stateLabel('approved')).toBe('Approved');
    expect(stateLabel('constructor')).toBe('constructor');
  });

  it('one ticket-key rule: shape and length', () => {
    for (const k of ['PS-101', 'CA-98765', 'A_B2-1']) expect(isTicketKey(k), k).toBe(true);
    for (const k of ['ps-101', 'PS-', '-1', 'PS 101', 'PS-101 ', '1PS-2', 'PS-1a']) expect(isTicketKey(k), k).toBe(false);
    const longest = `P${'S'.repeat(TICKET_KEY_MAX_LENGTH - 4)}-12`;
    expect(longest.length).toBe(TICKET_KEY_MAX_LENGTH);
    expect(isTicketKey(longest)).toBe(true);
    expect(isTicketKey(`${longest}3`)).toBe(false);
  });

  it('the wire schemas take the shared limits', () => {
    expect(wire.AccessRequestDenyBody.safeParse({ message: 'x'.repeat(MAX_MESSAGE_LENGTH) }).success).toBe(true);
    expect(wire.AccessRequestDenyBody.safeParse({ message: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) }).success).toBe(false);
    expect(wire.AccessCheckBody.safeParse({ ticket: 'P'.repeat(TICKET_KEY_MAX_LENGTH + 1), resource: 'page' }).success).toBe(false);
  });
});
