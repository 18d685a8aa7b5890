// Who can grant for a product on a site, for the console's roles page: every active person whose
// in-effect role reaches it, each once with their strongest role, the most relevant first (stronger
// role, then their own assignment before a group's, then name), capped, with the total. A group of
// thousands holding a role adds one row to `groups`, not thousands to the page.
import { compareRoles, type RoleHolder, type WorldIndex } from '../../core/index';
import type { GrantorListWire } from '../../api/directory-schemas';

/** `limit`: most people listed (the total counts them all). Cost: the holders reaching the site and product. */
export function grantorsOf(ix: WorldIndex, site: string, product: string, limit: number): GrantorListWire {
  const key = `${site}/${product}`;
  const best = new Map<string, RoleHolder>();
  const groups = new Map<string, { group: string; name: string; role: RoleHolder['role']; assignment: string; members: number }>();
  for (const list of [ix.orgAdmins, ix.siteAdminsBySite.get(site), ix.productAdminsBySiteKey.get(key), ix.contactsBySiteKey.get(key)]) {
    for (const h of list ?? []) {
      if (h.group !== undefined) {
        const k = h.assignment ?? `${h.group}/${h.role}`;
        const g = groups.get(k);
        if (g) g.members++;
        else groups.set(k, { group: h.group, name: ix.groupsById.get(h.group)?.name ?? h.group, role: h.role, assignment: h.assignment ?? '', members: 1 });
      }
      const prior = best.get(h.userId);
      if (!prior || better(h, prior)) best.set(h.userId, h);
    }
  }
  const nameOf = (id: string) => ix.usersById.get(id)?.name ?? id;
  const ranked = [...best.values()].sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : nameOf(a.userId).localeCompare(nameOf(b.userId)) || (a.userId < b.userId ? -1 : 1)));
  return {
    site,
    product,
    siteAcceptsGrants: ix.sitesById.get(site)?.status === 'active',
    guardRestricted: ix.restrictedSites.has(site),
    total: ranked.length,
    grantors: ranked.slice(0, limit).map((h) => {
      const u = ix.usersById.get(h.userId);
      return {
        userId: h.userId,
        name: u?.name ?? h.userId,
        email: u?.email ?? '',
        role: h.role,
        via:
          h.group !== undefined
            ? { kind: 'group' as const, assignment: h.assignment ?? '', group: h.group, groupName: ix.groupsById.get(h.group)?.name ?? h.group }
            : { kind: 'person' as const, assignment: h.assignment ?? '' },
      };
    }),
    groups: [...groups.values()].sort((a, b) => compareRoles(a.role, b.role) || a.name.localeCompare(b.name)),
  };
}

/** Stronger role first; for the same role, a person's own assignment before one through a group. */
function better(a: RoleHolder, b: RoleHolder): boolean {
  const byRole = compareRoles(a.role, b.role);
  if (byRole !== 0) return byRole < 0;
  return a.group === undefined && b.group !== undefined;
}

/** Most qualified admins an eligibility answer lists; `qualifiedAdminsTotal` says how many there are. */
export const QUALIFIED_ADMINS_SHOWN = 20;

/** The eligibility answer with its qualified admins cut to the most relevant few, and their total when cut. */
export function shortList<E extends { qualifiedAdmins: unknown[] }>(e: E): E & { qualifiedAdminsTotal?: number } {
  if (e.qualifiedAdmins.length <= QUALIFIED_ADMINS_SHOWN) return e;
  return { ...e, qualifiedAdmins: e.qualifiedAdmins.slice(0, QUALIFIED_ADMINS_SHOWN), qualifiedAdminsTotal: e.qualifiedAdmins.length };
}
