// Index a world once so each decision costs time in the user's own roles (and the ticket's
// candidate admins), never in the size of the org.
import { compareRoles, isInEffect, ROLE_SHAPES } from './roles';
import { normalizeEmail } from './email';
import type { Engineer, Group, Product, QualifiedAdmin, RoleAssignment, RoleName, Site, Ticket, User, World } from './types';

export interface RoleHolder {
  userId: string;
  role: RoleName;
  /** The group the role comes through (absent: the person's own). */
  group?: string;
  /** The directory's id of the assignment, when it has one. */
  assignment?: string;
}

export interface WorldIndex {
  /** The world the index was built from. After a directory patch its people, groups and roles lists are not current: read the maps. */
  world: World;
  usersById: Map<string, User>;
  sitesById: Map<string, Site>;
  ticketsByKey: Map<string, Ticket>;
  engineersById: Map<string, Engineer>;
  groupsById: Map<string, Group>;
  /** Group ids by member. */
  groupsByUser: Map<string, string[]>;
  /** A person's roles: their own and their groups' (each with `group` set), strongest first. Deactivated people hold none. */
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
    groupsById: new Map((world.groups ?? []).map((g) => [g.id, g])),
    groupsByUser: new Map(),
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
  for (const g of world.groups ?? []) for (const m of g.members) push(ix.groupsByUser, m, g.id);
  const active = (userId: string) => ix.usersById.get(userId)?.active !== false;
  const hold = (r: RoleAssignment) => holdRole(ix, r);
  for (const r of world.roles) if (active(r.user)) hold(r);
  for (const gr of world.groupRoles ?? []) {
    const { group, ...role } = gr;
    for (const member of ix.groupsById.get(group)?.members ?? []) if (active(member)) hold({ ...role, user: member, group });
  }
  for (const list of ix.rolesByUser.values()) list.sort((a, b) => compareRoles(a.role, b.role));
  return ix;
}

/** Lists `r` under its holder and, when in effect, among the holders of what it reaches. */
function holdRole(ix: WorldIndex, r: RoleAssignment): void {
  push(ix.rolesByUser, r.user, r);
  if (!isInEffect(r)) return;
  const holder: RoleHolder = { userId: r.user, role: r.role };
  if (r.group !== undefined) holder.group = r.group;
  if (r.id !== undefined) holder.assignment = r.id;
  for (const [list, key] of holderLists(r)) {
    if (list === 'org') ix.orgAdmins.push(holder);
    else push(ix[list], key, holder);
  }
}

type HolderList = 'org' | 'siteAdminsBySite' | 'productAdminsBySiteKey' | 'contactsBySiteKey';

/** The holder lists (and their keys) a role's holder is in. */
function holderLists(r: RoleAssignment): Array<[HolderList, string]> {
  switch (ROLE_SHAPES[r.role].reach) {
    case 'org':
      return [['org', '']];
    case 'site':
      return [['siteAdminsBySite', r.site!]];
    case 'product':
      return [['productAdminsBySiteKey', `${r.site}/${r.product}`]];
    case 'listed':
      return (r.products ?? []).map((p) => ['contactsBySiteKey', `${r.site}/${p}`] as [HolderList, string]);
    case 'none':
      return [];
  }
}

/** What the directory now says about one person: their record (undefined: removed), the groups they are in, their own roles and their groups' (each with `group`). */
export interface PersonFacts {
  id: string;
  user: User | undefined;
  groups: string[];
  roles: RoleAssignment[];
}

/**
 * Brings `ix` up to date for the people and groups a directory change touched, in place, in time
 * proportional to them and the holder lists they are in (not to the org): their records, group
 * memberships, roles (a deactivated person holds none) and the holder lists "who can grant" reads.
 * `groups`: each touched group's record, undefined when it was removed. Synchronous, so no request
 * sees the index half patched. Sites, products and tickets are not patched (a full index is built
 * for those changes).
 */
export function reindexPeople(ix: WorldIndex, people: PersonFacts[], groups: Array<{ id: string; group: Group | undefined }>): void {
  for (const g of groups) {
    if (g.group) ix.groupsById.set(g.id, g.group);
    else ix.groupsById.delete(g.id);
  }
  const touched = new Set(people.map((p) => p.id));
  // Out of every holder list they were in, by their roles before the change.
  const lists = new Set<string>();
  for (const id of touched) {
    for (const r of ix.rolesByUser.get(id) ?? []) for (const [list, key] of holderLists(r)) lists.add(`${list}\u0000${key}`);
    ix.rolesByUser.delete(id);
  }
  for (const entry of lists) {
    const [list, key] = entry.split('\u0000') as [HolderList, string];
    if (list === 'org') ix.orgAdmins = ix.orgAdmins.filter((h) => !touched.has(h.userId));
    else {
      const kept = (ix[list].get(key) ?? []).filter((h) => !touched.has(h.userId));
      if (kept.length > 0) ix[list].set(key, kept);
      else ix[list].delete(key);
    }
  }
  for (const p of people) {
    const before = ix.usersById.get(p.id);
    if (before) ix.usersByEmail.delete(normalizeEmail(before.email));
    if (p.user) {
      ix.usersById.set(p.id, p.user);
      ix.usersByEmail.set(normalizeEmail(p.user.email), p.user);
    } else ix.usersById.delete(p.id);
    if (p.groups.length > 0) ix.groupsByUser.set(p.id, p.groups);
    else ix.groupsByUser.delete(p.id);
    if (!p.user || p.user.active === false) continue;
    for (const r of [...p.roles].sort((a, b) => compareRoles(a.role, b.role))) holdRole(ix, r);
  }
  // Who qualifies per product and site is built again on first use.
  ix.qualifiedBySiteKey.clear();
}
