// Who may read a ticket's record, grants and Support activity: only those with a stake in it.
//
// - org admins (they answer for the whole org);
// - admins who could grant for the ticket: an in-effect granting role that fits the ticket's
//   product on its site, the qualification eligibility uses, but regardless of whether the ticket
//   is closed or the site pending deletion, so the history stays readable to them afterwards
//   (as revoking stays possible, see mayRevokeGrant);
// - the ticket's reporter;
// - Guard admins, when the ticket's site is Guard-restricted (they decide its grants);
// - the Support engineer the ticket is assigned to (their own grants and actions).
// Anyone else signed in to the org still gets eligibility, cut down to what they need to ask
// someone (see eligibilityFor).
import type { WorldIndex } from './index-world';
import { isGrantingRole, isInEffect, roleFit } from './roles';
import type { Eligibility, Ticket } from './types';

export type TicketReader = { kind: 'admin' | 'engineer'; id: string };

/** Why a reader may read a ticket, strongest first; `none` means they may not. */
export type TicketStake = 'org_admin' | 'could_grant' | 'reporter' | 'guard_admin' | 'assigned_engineer' | 'none';

/** The reader's stake in the ticket (pure; the ticket is passed in so its current state counts). */
export function ticketStake(ix: WorldIndex, t: Ticket, reader: TicketReader): TicketStake {
  if (reader.kind === 'engineer') return t.engineer === reader.id ? 'assigned_engineer' : 'none';
  const roles = (ix.rolesByUser.get(reader.id) ?? []).filter(isInEffect);
  if (roles.some((r) => r.role === 'org_admin')) return 'org_admin';
  if (roles.some((r) => isGrantingRole(r.role) && roleFit(r, t.site, t.product).fits)) return 'could_grant';
  if (t.reporter === reader.id) return 'reporter';
  if (ix.restrictedSites.has(t.site) && roles.some((r) => r.role === 'guard_admin')) return 'guard_admin';
  return 'none';
}

/** May the reader see the ticket's record, its grants and Support's activity on it? */
export function mayReadTicket(ix: WorldIndex, t: Ticket, reader: TicketReader): boolean {
  return ticketStake(ix, t, reader) !== 'none';
}

/**
 * Eligibility as the reader may see it. With a stake, the whole answer. Without one (such a
 * reader never holds a fitting role, so `allowed` is false), only what they need to ask someone:
 * their own causes, whom to ask, and whether a grant would also wait for Guard. Dropped: what a
 * grant would expose (`scope` keeps only the product and site the ticket page already shows, with
 * no lists and no summary): that is for the admins who decide. The ticket record (reporter,
 * engineer, Guard admins by name), its grants and Support's activity are not in eligibility.
 */
export function eligibilityFor(full: Eligibility, stake: TicketStake): Eligibility {
  if (stake !== 'none') return full;
  const { product, site, siteUrl } = full.scope;
  return { ...full, scope: { product, site, siteUrl, includes: [], excludes: [], summary: '' } };
}
