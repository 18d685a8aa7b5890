// The ticket panel's one answer (GET /v1/tickets/{key}/view): one load of the ticket, one decision
// on the caller's stake, then what the panel shows and the actions this caller is allowed, each
// decided by the refusal the write route would throw (rules.ts) on the rows read here.
import { applyChangeRequestEvent, applyGrantEvent, eligibilityFor, grantEligibility, ticketStake, type ChangeRequest, type Grant, type Ticket } from '../../core/index';
import type { TicketActionsWire, TicketViewAnswerWire } from '../../api/schemas';
import type { Caller } from '../http/auth';
import type { ServerContext } from '../context';
import { problem } from '../http/problems';
import { listAudit } from '../audit/trail';
import { auditWire } from '../audit/views';
import { openAsksFrom } from './asks-repository';
import { changeRequestsOfTicket } from './change-requests-repository';
import { changeRequestWire } from './changes-service';
import { currentTicket, grantsOfTicket, withTicket } from './repository';
import { aiGrantRefusal, askRefusal, consenterRefusal, consentGrantRefusal, grantRefusal, guardConsentGrantRefusal, guardDeciderRefusal, revokerRefusal, transitionRefusal } from './rules';
import { isOrgAdmin, peopleOf, ticketWire } from './views';
import { flaggedFor } from '../directory/effects';
import { withLastSynced } from '../directory/sync-state';
import { shortList } from '../directory/grantors';

/** Support activity rows the panel lists (newest first), as /activity answers them. */
const ACTIVITY_ROWS = 200;

/**
 * The view answer for `key` as `caller` sees it. Org users only (403 otherwise); 404 for an unknown
 * ticket. Without a stake (core's ticketStake) the answer carries eligibility cut down as
 * /eligibility does, the asks this caller may make, and nothing of the ticket's record.
 */
export async function ticketView(s: ServerContext, caller: Caller, key: string): Promise<TicketViewAnswerWire> {
  if (caller.kind !== 'admin') throw problem('forbidden', "The ticket's view is for admins of the customer org.");
  const t = await currentTicket(s.db, s.ix, key);
  if (!t) throw problem('not-found', 'No such ticket.');
  const ix = withTicket(s.ix, t);
  const stake = ticketStake(ix, t, caller);
  if (stake === 'assigned_engineer') throw problem('forbidden', "The ticket's view is for admins of the customer org.");
  // Capped like /eligibility: a group of thousands holding the role is the strongest few and a total.
  const eligibility = await withLastSynced(s.db, caller.id, shortList(eligibilityFor(grantEligibility(ix, caller.id, t.key), stake)));
  // Asks need the grants (nothing to ask once granted) even when the caller may not see them.
  const grants = (await grantsOfTicket(s.db, t.key)).sort((a, b) => (b.grantedAt ?? b.requestedAt ?? '').localeCompare(a.grantedAt ?? a.requestedAt ?? ''));
  const asks = (await openAsksFrom(s.db, caller.id, t.key)).map((a) => ({ id: a.id, adminId: a.admin_id, createdAt: a.created_at }));
  const ask = eligibility.qualifiedAdmins.filter((a) => !askRefusal(s, caller, t, a.userId, grants)).map((a) => a.userId);
  const people: Record<string, string> = { [caller.id]: s.ix.usersById.get(caller.id)?.name ?? caller.id };
  for (const a of eligibility.qualifiedAdmins) people[a.userId] = a.name;
  if (stake === 'none') {
    return { key: t.key, stake, eligibility, grants: [], changeRequests: [], activity: [], asks, people, actions: { ticket: [], ask, grants: {}, changeRequests: {} } };
  }
  const changeRequests = (await changeRequestsOfTicket(s.db, t.key)).reverse();
  const activity = await listAudit(s.db, { ticket: t.key, actor: 'support', limit: ACTIVITY_ROWS, order: 'desc' });
  Object.assign(people, peopleOf(s, grants));
  for (const c of changeRequests) {
    for (const who of [c.engineer, c.approvedBy, c.declinedBy, c.guardDecidedBy]) {
      const name = who && (s.ix.usersById.get(who)?.name ?? s.ix.engineersById.get(who)?.name ?? s.ix.engineersById.get(who)?.email);
      if (who && name) people[who] = name;
    }
  }
  const ticket = ticketWire(s, t);
  for (const g of ticket.guardAdmins) people[g.userId] = g.name;
  return {
    key: t.key,
    stake,
    ticket,
    eligibility,
    // Org admins read a grant whose granter no longer could grant flagged, as /grants answers it.
    grants: flaggedFor(s.ix, isOrgAdmin(s, caller), grants),
    changeRequests: changeRequests.map(changeRequestWire),
    activity: activity.map((row) => auditWire(s, row)),
    asks,
    people,
    actions: ticketActions(s, caller, t, grants, changeRequests, ask),
  };
}

/** The actions allowed to `caller` now: each one the write route's refusal (rules.ts) lets through. */
function ticketActions(s: ServerContext, caller: Caller, t: Ticket, grants: Grant[], changeRequests: ChangeRequest[], ask: string[]): TicketActionsWire {
  const at = s.now();
  const by = caller.id;
  const ticket: TicketActionsWire['ticket'] = [];
  if (!grantRefusal(s, caller, t, grants)) ticket.push('grant');
  // The AI grant names the conversations Support asked for: nothing asked, nothing to grant.
  if ((t.aiConversationsRequested?.length ?? 0) > 0 && !aiGrantRefusal(s, caller, t, grants)) ticket.push('grant_ai_conversations');
  const onGrants: TicketActionsWire['grants'] = {};
  const guardRefused = guardDeciderRefusal(s, caller, 'grants');
  for (const g of grants) {
    const offered: TicketActionsWire['grants'][string] = [];
    if (!revokerRefusal(s, caller, g) && !transitionRefusal(() => applyGrantEvent(g, { type: 'revoke', by, at, reason: 'admin' }))) offered.push('revoke');
    if (!guardRefused && !transitionRefusal(() => applyGrantEvent(g, { type: 'guard_approve', by, at }))) offered.push('guard_approve', 'guard_deny');
    onGrants[g.id] = offered;
  }
  const onChanges: TicketActionsWire['changeRequests'] = {};
  const consentRefused = consenterRefusal(s, caller, t);
  const guardChangesRefused = guardDeciderRefusal(s, caller, 'changes');
  for (const c of changeRequests) {
    const offered: TicketActionsWire['changeRequests'][string] = [];
    if (!consentRefused) {
      const approve = { type: 'approve', by, at, guardRequired: false, grantId: '' } as const;
      if (!consentGrantRefusal(t, grants) && !transitionRefusal(() => applyChangeRequestEvent(c, approve))) offered.push('approve');
      if (!transitionRefusal(() => applyChangeRequestEvent(c, { type: 'decline', by, at }))) offered.push('decline');
    }
    if (!guardChangesRefused) {
      if (!guardConsentGrantRefusal(c, grants) && !transitionRefusal(() => applyChangeRequestEvent(c, { type: 'guard_approve', by, at }))) offered.push('guard_approve');
      if (!transitionRefusal(() => applyChangeRequestEvent(c, { type: 'guard_deny', by, at }))) offered.push('guard_deny');
    }
    onChanges[c.id] = offered;
  }
  return { ticket, ask, grants: onGrants, changeRequests: onChanges };
}
