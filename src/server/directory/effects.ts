// What a directory change does to what already exists (issue 21, README "The live directory"),
// the same for a live change and a re-imported world file:
// - a site that becomes Guard-restricted holds its active grants for Guard approval again;
// - a grant whose granter no longer could grant it (deactivated, removed, demoted) stays, flagged
//   for org admins (computed when read, from the current index, so no change can forget it).
import { applyGrantEvent, isGrantingRole, isInEffect, isLive, roleFit, type Grant, type WorldIndex } from '../../core/index';
import type { Queryable } from '../db/index';
import { saveGrant } from '../grants/repository';

/** Holds every active grant on `site` for Guard approval (`guard_required`); answers the grants changed. */
export async function holdLiveGrantsForGuard(tx: Queryable, site: string, at: string, by: string): Promise<Grant[]> {
  const rows = await tx.query<{ body: unknown }>("SELECT body FROM grants WHERE state = 'active' AND body->>'site' = $1 ORDER BY created_seq FOR UPDATE", [site]);
  const held: Grant[] = [];
  for (const r of rows) {
    const g = (typeof r.body === 'string' ? JSON.parse(r.body) : r.body) as Grant;
    const next = applyGrantEvent(g, { type: 'guard_required', by, at });
    if (!(await saveGrant(tx, next))) throw new Error(`grant ${g.id} changed while its site became Guard-restricted`);
    held.push(next);
  }
  return held;
}

/** May `userId` grant for `product` on `site` now, by role (an active person with an in-effect fitting role)? Site and ticket state aside. */
export function holdsGrantingRole(ix: WorldIndex, userId: string, site: string, product: string): boolean {
  if (ix.usersById.get(userId)?.active === false) return false;
  return (ix.rolesByUser.get(userId) ?? []).some((r) => isGrantingRole(r.role) && isInEffect(r) && roleFit(r, site, product).fits);
}

/** A live grant whose granter could not grant it now (org admins see it flagged, with revoke). */
export function grantedByNoLongerCan(ix: WorldIndex, g: Grant): boolean {
  return isLive(g) && g.state !== 'requested' && g.grantedBy !== undefined && !holdsGrantingRole(ix, g.grantedBy, g.site, g.product);
}

/** The grants as an org admin reads them: each live one whose granter no longer could carries `grantedByNoLongerCan: true`. Others read them unflagged. */
export function flaggedFor<G extends Grant>(ix: WorldIndex, orgAdmin: boolean, grants: G[]): Array<G & { grantedByNoLongerCan?: true }> {
  if (!orgAdmin) return grants;
  return grants.map((g) => (grantedByNoLongerCan(ix, g) ? { ...g, grantedByNoLongerCan: true as const } : g));
}
