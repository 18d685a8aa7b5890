// The roles page's words and choices: which roles an org's experience has that can grant for one
// product on one site, what an assignment of each looks like on the wire (DESIGN §6), and a role
// assignment described as an admin says it ("product admin of Confluence on acme.atlassian.net").
import { ROLE_SHAPES, rolesOf, type RoleName, type UserManagement } from '../core/index';

/** `POST /v1/role-assignments` without its holder: the role and the place it applies to. */
export interface RolePlace {
  role: RoleName;
  site?: string;
  product?: string;
  products?: string[];
}

/**
 * The granting roles of `experience`, strongest first (org admin,
 * then site-wide, then the product's own, then contacts listed for it). Guard admin grants nothing
 * (DESIGN §2.1), so it is not offered here.
 */
export function grantingRolesFor(experience: UserManagement): RoleName[] {
  return rolesOf(experience)
    .filter((r) => ROLE_SHAPES[r].reach !== 'none')
    .sort((a, b) => ROLE_SHAPES[a].rank - ROLE_SHAPES[b].rank);
}

/** The assignment that makes `role` reach `product` on `site`: org-wide, site-wide, the one product, or listed for it. */
export function placeFor(role: RoleName, site: string, product: string): RolePlace {
  const shape = ROLE_SHAPES[role];
  if (!shape.site) return { role };
  if (shape.fields === 'product') return { role, site, product };
  if (shape.fields === 'products') return { role, site, products: [product] };
  return { role, site };
}

/** "Organization admin" … "Technical contact": the role's title. */
export const roleTitle = (role: RoleName): string => ROLE_SHAPES[role].title;

/**
 * What the role covers, in words, given how the page names products and sites:
 * "across the organization", "on every product of acme.atlassian.net", "of Confluence on acme.atlassian.net".
 */
export function roleReachWords(r: RolePlace, productName: (key: string) => string, siteName: (id: string) => string): string {
  const shape = ROLE_SHAPES[r.role];
  if (shape.reach === 'org') return 'across the organization';
  if (shape.reach === 'none') return 'deciding Guard holds';
  const site = r.site ? siteName(r.site) : 'a site';
  if (shape.reach === 'site') return `on every product of ${site}`;
  const products = r.product ? [r.product] : (r.products ?? []);
  return `of ${products.map(productName).join(', ') || 'no product'} on ${site}`;
}

/**
 * The flag on a live grant whose granter can no longer grant (the API's `grantedByNoLongerCan`), in
 * the words the panel and the popup both say: "Granted by Bob Okafor, who can no longer grant. …".
 * `granter`: their display name.
 */
export function grantedByNoLongerCanText(granter: string): string {
  return `Granted by ${granter}, who can no longer grant. The grant stands until someone revokes it.`;
}
