// The vendor's side of the directory: a site's status and Guard restriction, and a ticket's engineer.
// Each is a directory change (one transaction, change row, audit row, event) and takes effect on the
// next decision everywhere: a site pending deletion refuses grants and Support's access; a site
// becoming Guard-restricted holds its active grants for Guard approval again; a ticket handed to
// another engineer ends the previous one's access at once (the grants serve the new engineer).
import type { Grant, Site, Ticket } from '../../core/index';
import type { ServerContext } from '../context';
import { isOrgAdmin } from '../grants/views';
import { currentTicket, grantsOfTicket, saveGrant } from '../grants/repository';
import { ticketAudience } from '../grants/write-common';
import { ticketEngineerRefusal } from '../grants/rules';
import type { Caller } from '../http/auth';
import { problem } from '../http/problems';
import { recordEvent } from '../inbox/events';
import { holdLiveGrantsForGuard } from './effects';
import { assignTicketRow, updateSite } from './repository';
import { directoryWrite } from './service';
import type { DirectoryActor } from './store';

const actorOf = (caller: Caller): DirectoryActor => (caller.kind === 'engineer' ? { kind: 'engineer', id: caller.id } : { kind: 'admin', id: caller.id });

/** Everyone whose panel may change with the site: people holding any role. */
const rolePeople = (s: ServerContext): string[] => [...s.ix.rolesByUser.keys()];

/** Sets a site's status or Guard restriction; answers the site as it is now and how many grants the change held for Guard. */
export async function setSiteState(s: ServerContext, caller: Caller, siteId: string, change: { status?: Site['status']; guardRestricted?: boolean }) {
  if (!s.ix.sitesById.has(siteId)) throw problem('not-found', `No site "${siteId}".`);
  // The restricted party never controls its restriction (outside review 2026-12-07: an engineer
  // lifted Guard, then read under a grant no Guard admin approved). The vendor's side may only
  // tighten: restrict a site, mark it pending deletion; loosening is the customer's org admins' call.
  const loosens = change.guardRestricted === false || (change.status !== undefined && change.status !== 'pending_deletion');
  if (loosens && !isOrgAdmin(s, caller))
    throw problem(
      'forbidden',
      "Lifting a Guard restriction or reactivating a site is the customer's decision: an org admin makes it. The support system may only restrict a site or mark it pending deletion.",
    );
  const wasRestricted = s.ix.restrictedSites.has(siteId);
  return directoryWrite(s, actorOf(caller), async (tx, at) => {
    const after = await updateSite(tx, siteId, change);
    if (!after) throw problem('not-found', `No site "${siteId}".`);
    let held: Grant[] = [];
    if (change.guardRestricted === true && !wasRestricted) held = await holdLiveGrantsForGuard(tx, siteId, at, caller.id);
    for (const g of held) {
      const t = s.ix.ticketsByKey.get(g.ticket) ?? (await currentTicket(tx, s.ix, g.ticket));
      const audience = [...(t ? ticketAudience(s, t) : []), ...s.guardAdmins, ...(g.grantedBy ? [g.grantedBy] : [])];
      await recordEvent(tx, 'grant.changed', audience, g.ticket, { action: 'grant.guard_hold', grant: g }, at);
    }
    return {
      result: { id: siteId, url: after.url, status: after.status, guardRestricted: after.guard_restricted, grantsAffected: held.length },
      action: change.status !== undefined ? 'directory.site_status' : 'directory.site_guard',
      resource: { type: 'site', id: siteId },
      detail: change.status !== undefined ? { status: after.status } : { guardRestricted: after.guard_restricted, grantsHeldForGuard: held.map((g) => g.id) },
      people: rolePeople(s),
      groups: [],
      complete: false,
    };
  });
}

/**
 * Hands ticket `key` to `engineer`. Only the ticket's engineer (the support system acting for them)
 * does: anyone else could move a granted ticket to themselves. The ticket's live grants now name the
 * new engineer; the previous one is refused from the next check.
 */
/** A ticket is handed over by the engineer on it (403 for anyone else). */
export const handOverRefusal = (caller: Caller, t: Ticket) => ticketEngineerRefusal(caller, t, `Only the engineer on ${t.key} hands it over.`);

export async function assignTicket(s: ServerContext, caller: Caller, key: string, engineer: string) {
  if (caller.kind !== 'engineer' || caller.key) throw problem('forbidden', 'A ticket is reassigned by the support system, with the engineer on it.');
  if (!s.ix.engineersById.has(engineer)) throw problem('request-refused', `No Support engineer "${engineer}".`, { code: 'unknown_engineer' });
  return directoryWrite(s, actorOf(caller), async (tx, at) => {
    const t = await currentTicket(tx, s.ix, key, true);
    if (!t) throw problem('not-found', `No ticket "${key}".`);
    const refused = handOverRefusal(caller, t);
    if (refused) throw refused;
    if (engineer === t.engineer) throw problem('request-refused', `${key} is already assigned to ${engineer}.`, { code: 'already_assigned' });
    await assignTicketRow(tx, key, engineer, at);
    let moved = 0;
    for (const g of await grantsOfTicket(tx, key, true)) {
      if (!['requested', 'pending_guard_approval', 'active'].includes(g.state)) continue;
      if (!(await saveGrant(tx, { ...g, engineer, version: g.version + 1 }))) throw new Error(`grant ${g.id} changed while its ticket was reassigned`);
      moved++;
    }
    await recordEvent(tx, 'ticket.assigned', ticketAudience(s, t), key, { ticket: key, engineer, previous: t.engineer }, at);
    return {
      result: { key, engineer, previous: t.engineer, grantsMoved: moved },
      action: 'ticket.assign',
      resource: { type: 'ticket', id: key },
      detail: { engineer, previous: t.engineer },
      people: [],
      groups: [],
      ticket: key,
      complete: false,
    };
  });
}
