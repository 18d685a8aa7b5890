// The two role tables of DESIGN §2.1, as data: which roles each experience has, what fields each
// role takes, and how a role relates to a (site, product).
import type { CentralizedRole, OriginalRole, RoleAssignment, RoleName, UserManagement } from './types';

export const CENTRALIZED_ROLES: readonly CentralizedRole[] = ['org_admin', 'product_admin', 'billing_admin', 'technical_contact', 'user_access_admin', 'guard_admin'];
export const ORIGINAL_ROLES: readonly OriginalRole[] = ['org_admin', 'site_admin', 'product_admin', 'trusted_user', 'billing_contact', 'technical_contact', 'guard_admin'];

export function rolesOf(experience: UserManagement): readonly RoleName[] {
  return experience === 'centralized' ? CENTRALIZED_ROLES : ORIGINAL_ROLES;
}

/** What a role grants for: the whole org, a whole site, one product, or the products it is listed on. */
export type RoleReach = 'org' | 'site' | 'product' | 'listed' | 'none';

interface RoleShape {
  site: boolean;
  fields: 'none' | 'product' | 'products';
  reach: RoleReach;
  /** Lower is stronger; `via` and qualified-admin roles prefer the strongest. */
  rank: number;
  /** The role inside a sentence: "ask an org admin". */
  label: string;
  /** The role as a heading or badge: "Organization admin". */
  title: string;
}

export const ROLE_SHAPES: Record<RoleName, RoleShape> = {
  org_admin: { site: false, fields: 'none', reach: 'org', rank: 0, label: 'org admin', title: 'Organization admin' },
  site_admin: { site: true, fields: 'none', reach: 'site', rank: 1, label: 'site admin', title: 'Site admin' },
  user_access_admin: { site: true, fields: 'none', reach: 'site', rank: 1, label: 'user access admin', title: 'User access admin' },
  product_admin: { site: true, fields: 'product', reach: 'product', rank: 2, label: 'product admin', title: 'Product admin' },
  trusted_user: { site: true, fields: 'product', reach: 'product', rank: 3, label: 'trusted user', title: 'Trusted user' },
  billing_admin: { site: true, fields: 'products', reach: 'listed', rank: 4, label: 'billing admin', title: 'Billing admin' },
  billing_contact: { site: true, fields: 'products', reach: 'listed', rank: 4, label: 'billing contact', title: 'Billing contact' },
  technical_contact: { site: true, fields: 'products', reach: 'listed', rank: 5, label: 'technical contact', title: 'Technical contact' },
  guard_admin: { site: false, fields: 'none', reach: 'none', rank: 9, label: 'Guard admin', title: 'Guard admin' },
};

export function roleLabel(role: RoleName): string {
  return ROLE_SHAPES[role].label;
}

/** May this role, by its kind, ever grant data access? (`guard_admin` never does.) */
export function isGrantingRole(role: RoleName): boolean {
  return ROLE_SHAPES[role].reach !== 'none';
}

/** Is the role in effect now? A SCIM-set role that has not synced is not. */
export function isInEffect(r: RoleAssignment): boolean {
  return !(r.source === 'scim' && r.pendingSync === true);
}

export type RoleFit = { fits: true } | { fits: false; wrongSite: boolean; wrongProduct: boolean; notListed: boolean };

/** How a granting role relates to the ticket's product on the ticket's site, ignoring SCIM state. */
export function roleFit(r: RoleAssignment, site: string, product: string): RoleFit {
  const reach = ROLE_SHAPES[r.role].reach;
  if (reach === 'org') return { fits: true };
  const wrongSite = r.site !== site;
  const wrongProduct = reach === 'product' && r.product !== product;
  const notListed = reach === 'listed' && !(r.products ?? []).includes(product);
  if (!wrongSite && !wrongProduct && !notListed) return { fits: true };
  return { fits: false, wrongSite, wrongProduct, notListed };
}

/** Stronger role first; ties broken by name so every answer is deterministic. */
export function compareRoles(a: RoleName, b: RoleName): number {
  return ROLE_SHAPES[a].rank - ROLE_SHAPES[b].rank || (a < b ? -1 : a > b ? 1 : 0);
}

/** Roles that may review product access requests of a site (DESIGN §2.4). */
export function reviewsAccessRequests(r: RoleAssignment, site: string): boolean {
  if (!isInEffect(r)) return false;
  if (r.role === 'org_admin') return true;
  return (r.role === 'site_admin' || r.role === 'user_access_admin') && r.site === site;
}
