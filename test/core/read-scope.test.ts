// Who may read a ticket: a table of readers against tickets, and eligibility cut down for a reader
// with no stake.
import { describe, expect, it } from 'vitest';
import {
  eligibilityFor,
  grantEligibility,
  indexWorld,
  mayReadTicket,
  parseWorld,
  qualifiedAdmins,
  ticketStake,
  type RoleAssignment,
  type TicketReader,
  type TicketStake,
  type UserManagement,
} from '../../src/core/index';
import { smallWorld } from './helpers';

type Row = [experience: UserManagement, reader: string, role: Omit<RoleAssignment, 'user'> | undefined, restricted: boolean, stakes: Record<'OPEN-1' | 'CLOSED-1' | 'DOOMED-1', TicketStake>];

const all = (s: TicketStake) => ({ 'OPEN-1': s, 'CLOSED-1': s, 'DOOMED-1': s });
const mainOnly = (s: TicketStake) => ({ 'OPEN-1': s, 'CLOSED-1': s, 'DOOMED-1': 'none' as const });
const scim = { source: 'scim' as const, pendingSync: true };

// Tickets: OPEN-1 and CLOSED-1 on main/jira, DOOMED-1 on doomed/jira (pending deletion); reporter "rep", engineer "sam".
const TABLE: Row[] = [
  ['centralized', 'u', { role: 'org_admin' }, false, all('org_admin')],
  ['centralized', 'u', { role: 'org_admin', ...scim }, false, all('none')],
  ['centralized', 'u', { role: 'product_admin', site: 'main', product: 'jira' }, false, mainOnly('could_grant')],
  ['centralized', 'u', { role: 'product_admin', site: 'main', product: 'jira', ...scim }, false, all('none')],
  ['centralized', 'u', { role: 'product_admin', site: 'main', product: 'confluence' }, false, all('none')],
  ['centralized', 'u', { role: 'product_admin', site: 'other', product: 'jira' }, false, all('none')],
  ['centralized', 'u', { role: 'user_access_admin', site: 'main' }, false, mainOnly('could_grant')],
  ['centralized', 'u', { role: 'technical_contact', site: 'main', products: ['jira'] }, false, mainOnly('could_grant')],
  ['centralized', 'u', { role: 'billing_admin', site: 'main', products: ['confluence'] }, false, all('none')],
  ['centralized', 'u', { role: 'guard_admin' }, false, all('none')],
  ['centralized', 'u', { role: 'guard_admin' }, true, mainOnly('guard_admin')],
  ['centralized', 'u', { role: 'guard_admin', ...scim }, true, all('none')],
  ['centralized', 'rep', undefined, false, all('reporter')],
  ['centralized', 'u', undefined, true, all('none')],
  ['original', 'u', { role: 'site_admin', site: 'main' }, false, mainOnly('could_grant')],
  ['original', 'u', { role: 'site_admin', site: 'other' }, false, all('none')],
  ['original', 'u', { role: 'trusted_user', site: 'main', product: 'jira' }, false, mainOnly('could_grant')],
  ['original', 'u', { role: 'billing_contact', site: 'main', products: ['jira'] }, false, mainOnly('could_grant')],
];

function world(experience: UserManagement, roles: RoleAssignment[], restricted: boolean) {
  const w = smallWorld(experience, roles, ['u']);
  if (restricted) w.organization.guard = { restrictedSites: ['main'] };
  return indexWorld(parseWorld(w));
}

describe('ticket read scope', () => {
  it.each(TABLE)('%s: %s with %o (main restricted: %s)', (experience, reader, role, restricted, stakes) => {
    const ix = world(experience, role ? [{ user: reader, ...role } as RoleAssignment] : [], restricted);
    for (const [key, stake] of Object.entries(stakes)) {
      const t = ix.ticketsByKey.get(key)!;
      expect(ticketStake(ix, t, { kind: 'admin', id: reader }), key).toBe(stake);
      expect(mayReadTicket(ix, t, { kind: 'admin', id: reader }), key).toBe(stake !== 'none');
    }
  });

  it('the assigned engineer reads the ticket; another engineer does not, whatever the user ids', () => {
    const ix = world('centralized', [], false);
    const t = ix.ticketsByKey.get('OPEN-1')!;
    expect(ticketStake(ix, t, { kind: 'engineer', id: 'sam' })).toBe('assigned_engineer');
    expect(ticketStake(ix, t, { kind: 'engineer', id: 'lee' })).toBe('none');
    // An engineer whose id matches an org admin's user id is still an engineer.
    expect(ticketStake(ix, t, { kind: 'engineer', id: 'olivia' })).toBe('none');
  });

  it('on an open ticket of an active site, "could grant" is exactly the qualified admins of eligibility', () => {
    const roles: RoleAssignment[] = [
      { user: 'a', role: 'product_admin', site: 'main', product: 'jira' },
      { user: 'b', role: 'product_admin', site: 'main', product: 'confluence' },
      { user: 'c', role: 'technical_contact', site: 'main', products: ['jira'] },
      { user: 'd', role: 'user_access_admin', site: 'other' },
      { user: 'e', role: 'product_admin', site: 'main', product: 'jira', ...scim },
    ];
    const ix = world('centralized', roles, false);
    const t = ix.ticketsByKey.get('OPEN-1')!;
    const qualified = new Set(qualifiedAdmins(ix, 'OPEN-1').map((q) => q.userId));
    for (const u of ['olivia', 'a', 'b', 'c', 'd', 'e']) {
      const reader: TicketReader = { kind: 'admin', id: u };
      expect(['org_admin', 'could_grant'].includes(ticketStake(ix, t, reader)), u).toBe(qualified.has(u));
    }
  });
});

describe('eligibility for a reader without a stake', () => {
  const ix = world('centralized', [{ user: 'u', role: 'product_admin', site: 'main', product: 'confluence' }], true);

  it('keeps allowed, their causes and whom to ask; drops what a grant would expose', () => {
    const full = grantEligibility(ix, 'u', 'OPEN-1');
    const cut = eligibilityFor(full, 'none');
    expect(cut.allowed).toBe(false);
    expect(cut.causes).toEqual(full.causes);
    expect(cut.qualifiedAdmins).toEqual(full.qualifiedAdmins);
    expect(cut.guardApprovalRequired).toBe(true);
    expect(cut.scope).toEqual({ product: full.scope.product, site: full.scope.site, siteUrl: full.scope.siteUrl, includes: [], excludes: [], summary: '' });
    expect(full.scope.includes.length).toBeGreaterThan(0);
  });

  it('a reader with a stake gets the whole answer', () => {
    const full = grantEligibility(ix, 'olivia', 'OPEN-1');
    expect(eligibilityFor(full, 'org_admin')).toBe(full);
  });
});
