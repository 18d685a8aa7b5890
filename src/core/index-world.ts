// Index a world once so each decision costs time in the user's own roles (and the ticket's
// candidate admins), never in the size of the org.
import { compareRoles, isInEffect, ROLE_SHAPES } from './roles';
import { normalizeEmail } from './email';
import type { Engineer, Product, QualifiedAdmin, RoleAssignment, RoleName, Site, Ticket, User, World } from './types';

export interface RoleHolder {
  userId: string;
  role: RoleName;
}

export interface WorldIndex {
  world: World;
  usersById: Map<string, User>;
  sitesById: Map<string, Site>;
  ticketsByKey: Map<string, Ticket>;
  engineersById: Map<string, Engineer>;
  rolesByUser: Map<string, RoleAssignment[]>;
  /** Key `${site}/${product}`. */
  productsBySiteKey: Map<string, Product>;
  /** Key: `normalizeEmail(email)`; look up with the same function. */
  usersByEmail: Map<string, User>;
  /** In-effect (not SCIM-pending) granting roles, split by what they reach. */
  orgAdmins: RoleHolder[];
  siteAdminsBySite: Map<string, RoleHolder[]>;
  productAdminsBySiteKey: Map<string, RoleHolder[]>;
  contactsBySiteKey: Map<string, RoleHolder[]>;
  /** Guard-restricted sites. */
  restrictedSites: Set<string>;
  /**
   * Qualified admins per `${site}/${product}`, filled on first use. Roles are fixed once the
   * world is loaded, so the sorted list is built once per product and site, not per decision.
   */
  qualifiedBySiteKey: Map<string, readonly QualifiedAdmin[]>;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

export function indexWorld(world: World): WorldIndex {
  const ix: WorldIndex = {
    world,
    usersById: new Map(world.users.map((u) => [u.id, u])),
    sitesById: new Map(world.sites.map((s) => [s.id, s])),
    ticketsByKey: new Map(world.tickets.map((t) => [t.key, t])),
    engineersById: new Map(world.engineers.map((e) => [e.id, e])),
    rolesByUser: new Map(),
    productsBySiteKey: new Map(world.products.map((p) => [`${p.site}/${p.key}`, p])),
    usersByEmail: new Map(world.users.map((u) => [normalizeEmail(u.email), u])),
    orgAdmins: [],
    siteAdminsBySite: new Map(),
    productAdminsBySiteKey: new Map(),
    contactsBySiteKey: new Map(),
    restrictedSites: new Set(world.organization.guard?.restrictedSites ?? []),
    qualifiedBySiteKey: new Map(),
  };
  for (const r of world.roles) {
    push(ix.rolesByUser, r.user, r);
    if (!isInEffect(r)) continue;
    const holder = { userId: r.user, role: r.role };
    switch (ROLE_SHAPES[r.role].reach) {
      case 'org':
        ix.orgAdmins.push(holder);
        break;
      case 'site':
        push(ix.siteAdminsBySite, r.site!, holder);
        break;
      case 'product':
        push(ix.productAdminsBySiteKey, `${r.site}/${r.product}`, holder);
        break;
      case 'listed':
        for (const p of r.products ?? []) push(ix.contactsBySiteKey, `${r.site}/${p}`, holder);
        break;
      case 'none':
        break;
    }
  }
  for (const list of ix.rolesByUser.values()) list.sort((a, b) => compareRoles(a.role, b.role));
  return ix;
}
