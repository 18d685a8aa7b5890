// Table-driven from the two role tables of DESIGN §2.1: every role of each experience, placed
// against the ticket's product and site in each way the checklist distinguishes.
import { describe, expect, it } from 'vitest';
import { grantEligibility, indexWorld, parseWorld, type RoleAssignment, type RoleName, type UserManagement } from '../../src/core/index';
import { smallWorld } from './helpers';

type Reach = 'org' | 'site' | 'product' | 'listed' | 'none';

// Restated from DESIGN §2.1 on purpose, not imported from src: the test is the second opinion.
const TABLES: Record<UserManagement, Partial<Record<RoleName, Reach>>> = {
  centralized: { org_admin: 'org', product_admin: 'product', billing_admin: 'listed', technical_contact: 'listed', user_access_admin: 'site', guard_admin: 'none' },
  original: { org_admin: 'org', site_admin: 'site', product_admin: 'product', trusted_user: 'product', billing_contact: 'listed', technical_contact: 'listed', guard_admin: 'none' },
};

type Placement = 'same' | 'other_product' | 'other_site' | 'scim_pending' | 'site_pending_deletion' | 'ticket_closed';

function assignment(role: RoleName, reach: Reach, placement: Placement): RoleAssignment {
  const site = placement === 'other_site' ? 'other' : placement === 'site_pending_deletion' ? 'doomed' : 'main';
  const product = placement === 'other_product' ? 'confluence' : 'jira';
  const r: RoleAssignment = { user: 'u', role };
  if (reach === 'site' || reach === 'product' || reach === 'listed') r.site = site;
  if (reach === 'product') r.product = product;
  if (reach === 'listed') r.products = [product];
  if (placement === 'scim_pending') Object.assign(r, { source: 'scim', pendingSync: true });
  return r;
}

const TICKET: Record<Placement, string> = {
  same: 'OPEN-1',
  other_product: 'OPEN-1',
  other_site: 'OPEN-1',
  scim_pending: 'OPEN-1',
  site_pending_deletion: 'DOOMED-1',
  ticket_closed: 'CLOSED-1',
};

/** Expected causes; [] means allowed. */
function expected(reach: Reach, placement: Placement): string[] {
  if (reach === 'none') {
    return { site_pending_deletion: ['site_deactivated', 'no_admin_role'], ticket_closed: ['no_admin_role', 'ticket_closed'] }[placement as string] ?? ['no_admin_role'];
  }
  switch (placement) {
    case 'same':
      return [];
    case 'other_product':
      return reach === 'product' ? ['wrong_product'] : reach === 'listed' ? ['contact_not_listed'] : [];
    case 'other_site':
      return reach === 'org' ? [] : ['wrong_site'];
    case 'scim_pending':
      return ['scim_not_synced'];
    case 'site_pending_deletion':
      return ['site_deactivated'];
    case 'ticket_closed':
      return ['ticket_closed'];
  }
}

const PLACEMENTS: Placement[] = ['same', 'other_product', 'other_site', 'scim_pending', 'site_pending_deletion', 'ticket_closed'];
const rows = (Object.keys(TABLES) as UserManagement[]).flatMap((exp) =>
  Object.entries(TABLES[exp]).flatMap(([role, reach]) => PLACEMENTS.map((placement) => ({ exp, role: role as RoleName, reach: reach!, placement }))),
);

describe('grant eligibility by role table', () => {
  it.each(rows)('$exp $role, $placement', ({ exp, role, reach, placement }) => {
    const ix = indexWorld(parseWorld(smallWorld(exp, [assignment(role, reach, placement)])));
    const e = grantEligibility(ix, 'u', TICKET[placement]);
    const want = expected(reach, placement);
    expect(e.causes.map((c) => c.code)).toEqual(want);
    expect(e.allowed).toBe(want.length === 0);
    expect(e.via).toBe(want.length === 0 ? role : null);
    expect(e.qualifiedAdmins.some((a) => a.userId === 'u')).toBe(want.length === 0);
    for (const c of e.causes) {
      expect(c.message.length).toBeGreaterThan(10);
      expect(c.fix.length).toBeGreaterThan(10);
    }
  });
});

describe('cause wording', () => {
  const ix = indexWorld(
    parseWorld(
      smallWorld(
        'centralized',
        [
          { user: 'pa', role: 'product_admin', site: 'main', product: 'confluence' },
          { user: 'pj', role: 'product_admin', site: 'main', product: 'jira' },
        ],
        ['nobody'],
      ),
    ),
  );

  it('wrong_product names the ticket product and site and lists who can grant', () => {
    const [c] = grantEligibility(ix, 'pa', 'OPEN-1').causes;
    expect(c!.code).toBe('wrong_product');
    expect(c!.message).toContain('Confluence');
    expect(c!.fix).toContain('Jira on main.atlassian.net');
    expect(c!.fix).toContain('Olivia Admin (org admin)');
    expect(c!.fix).toContain('Name pj (product admin)');
  });

  it('no_admin_role lists the qualified admins by name', () => {
    const e = grantEligibility(ix, 'nobody', 'OPEN-1');
    expect(e.causes.map((c) => c.code)).toEqual(['no_admin_role']);
    expect(e.causes[0]!.fix).toMatch(/Olivia Admin.*Name pj/);
    expect(e.qualifiedAdmins.map((a) => [a.userId, a.role])).toEqual([
      ['olivia', 'org_admin'],
      ['pj', 'product_admin'],
    ]);
  });

  it('a product admin of another product on another site gets both wrong_product and wrong_site', () => {
    const ix2 = indexWorld(parseWorld(smallWorld('centralized', [{ user: 'x', role: 'product_admin', site: 'other', product: 'confluence' }])));
    expect(grantEligibility(ix2, 'x', 'OPEN-1').causes.map((c) => c.code)).toEqual(['wrong_product', 'wrong_site']);
  });

  it('a SCIM-pending fitting role hides the misfits of other roles', () => {
    const ix2 = indexWorld(
      parseWorld(
        smallWorld('centralized', [
          { user: 'x', role: 'product_admin', site: 'other', product: 'confluence' },
          { user: 'x', role: 'product_admin', site: 'main', product: 'jira', source: 'scim', pendingSync: true },
        ]),
      ),
    );
    expect(grantEligibility(ix2, 'x', 'OPEN-1').causes.map((c) => c.code)).toEqual(['scim_not_synced']);
  });

  it('via prefers the strongest fitting role', () => {
    const ix2 = indexWorld(
      parseWorld(
        smallWorld('original', [
          { user: 'x', role: 'technical_contact', site: 'main', products: ['jira'] },
          { user: 'x', role: 'site_admin', site: 'main' },
          { user: 'x', role: 'product_admin', site: 'main', product: 'jira' },
        ]),
      ),
    );
    expect(grantEligibility(ix2, 'x', 'OPEN-1').via).toBe('site_admin');
    expect(grantEligibility(ix2, 'x', 'OPEN-1').qualifiedAdmins.find((a) => a.userId === 'x')?.role).toBe('site_admin');
  });

  it('nobody is qualified on a closed ticket or a site pending deletion, and the fix says so', () => {
    expect(grantEligibility(ix, 'olivia', 'CLOSED-1').qualifiedAdmins).toEqual([]);
    expect(grantEligibility(ix, 'nobody', 'DOOMED-1').causes.find((c) => c.code === 'no_admin_role')!.fix).toContain('nobody can grant');
  });

  it('unknown users and tickets are errors, not refusals', () => {
    expect(() => grantEligibility(ix, 'ghost', 'OPEN-1')).toThrow(expect.objectContaining({ code: 'unknown_user' }));
    expect(() => grantEligibility(ix, 'olivia', 'NOPE-1')).toThrow(expect.objectContaining({ code: 'unknown_ticket' }));
  });
});

describe('what Support will see, and Guard', () => {
  const world = smallWorld('centralized', [{ user: 'pj', role: 'product_admin', site: 'main', product: 'jira' }]);
  world.organization.guard = { restrictedSites: ['other'] };
  world.tickets.push({ key: 'GUARD-1', site: 'other', product: 'jira', reporter: 'rep', engineer: 'sam', status: 'open' });
  const ix = indexWorld(parseWorld(world));

  it('scope names the ticket product and site, and says what stays out', () => {
    const { scope } = grantEligibility(ix, 'pj', 'OPEN-1');
    expect(scope).toMatchObject({ product: 'jira', site: 'main', siteUrl: 'https://main.atlassian.net' });
    expect(scope.summary).toContain('Jira on main.atlassian.net');
    expect(scope.summary).toContain('OPEN-1');
    expect(scope.includes.join(' ')).toMatch(/work item, comment, attachment or page in Jira on main\.atlassian\.net/);
    const excludes = scope.excludes.join(' ');
    expect(excludes).toMatch(/Other sites/);
    expect(excludes).toMatch(/not licensed/);
    expect(excludes).toMatch(/without your consent/);
    expect(excludes).toMatch(/AI \(Rovo\) conversation/);
  });

  it('guardApprovalRequired follows the ticket site, not the caller', () => {
    expect(grantEligibility(ix, 'olivia', 'GUARD-1').guardApprovalRequired).toBe(true);
    expect(grantEligibility(ix, 'olivia', 'OPEN-1').guardApprovalRequired).toBe(false);
    expect(grantEligibility(ix, 'pj', 'GUARD-1').guardApprovalRequired).toBe(true);
  });

  it('a caller changing its list of qualified admins does not change the next answer', () => {
    const first = grantEligibility(ix, 'pj', 'OPEN-1').qualifiedAdmins;
    first.length = 0;
    expect(grantEligibility(ix, 'olivia', 'OPEN-1').qualifiedAdmins.map((a) => a.userId)).toEqual(['olivia', 'pj']);
  });
});
