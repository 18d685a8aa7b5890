// What each write on a ticket asks of its caller and of the state it finds, as refusals: the write
// services throw them (inside their transaction, on locked rows), and the ticket's view answer
// offers exactly the actions none of them refuses (on the rows it read). One rule, two uses, so a
// page never offers what the API would refuse. State transitions are core's own (applyGrantEvent,
// applyChangeRequestEvent): the view tries them on a copy instead of restating them.
import {
  consentEligibility,
  grantEligibility,
  isLive,
  mayDecideGuard,
  mayRevokeGrant,
  qualifiedAdmins,
  RuleError,
  type Cause,
  type CauseCode,
  type ChangeRequest,
  type Grant,
  type Ticket,
} from '../../core/index';
import type { Caller } from '../http/auth';
import type { ServerContext } from '../context';
import { notEligible, problem, ruleProblem, type HttpProblem } from '../http/problems';
import { withTicket } from './repository';

/** The problem a rule's transition throws, or undefined when `apply` passes. */
export function transitionRefusal(apply: () => unknown): HttpProblem | undefined {
  try {
    apply();
    return undefined;
  } catch (e) {
    if (e instanceof RuleError) return ruleProblem(e);
    throw e;
  }
}

/** "an active grant", "a grant waiting on Guard": a live grant's state in a sentence. */
const grantWords = (g: Grant, what = 'grant'): string => (g.state === 'active' ? `an active ${what}` : g.state === 'requested' ? `a ${what} request` : `a ${what} waiting on Guard approval`);

/** The ticket's live data grant that is granted (active or waiting on Guard), if any. */
export const grantedDataGrant = (grants: Grant[]): Grant | undefined => grants.find((g) => g.kind === 'data' && isLive(g) && g.state !== 'requested');

/**
 * Why `caller` may not grant data access for `t` (undefined: they may): 403 for anyone but an org
 * user, 403 not-eligible with the checklist's causes, 409 when the ticket already has a granted
 * (active or Guard-held) data grant. `grants`: the ticket's.
 */
export function grantRefusal(s: ServerContext, caller: Caller, t: Ticket, grants: Grant[]): HttpProblem | undefined {
  if (caller.kind !== 'admin') return problem('forbidden', 'Only admins of the customer org grant access.');
  const el = grantEligibility(withTicket(s.ix, t), caller.id, t.key);
  if (!el.allowed) return notEligible(`You cannot grant data access for ${t.key}.`, el.causes);
  const live = grantedDataGrant(grants);
  if (live) return problem('illegal-transition', `Ticket ${t.key} already has ${grantWords(live)} (${live.id}).`, { grantId: live.id });
  return undefined;
}

/** As grantRefusal, for the AI-conversation grant: at most one live per ticket (409). */
export function aiGrantRefusal(s: ServerContext, caller: Caller, t: Ticket, grants: Grant[]): HttpProblem | undefined {
  if (caller.kind !== 'admin') return problem('forbidden', 'Only admins of the customer org grant access.');
  const el = grantEligibility(withTicket(s.ix, t), caller.id, t.key);
  if (!el.allowed) return notEligible(`You cannot grant AI conversation access for ${t.key}.`, el.causes);
  const live = grants.find((g) => g.kind === 'ai_conversations' && isLive(g));
  if (live)
    return problem('illegal-transition', `Ticket ${t.key} already has ${grantWords(live, 'AI conversation grant')} (${live.id}); revoke it before granting others.`, {
      grantId: live.id,
    });
  return undefined;
}

/** Who may revoke `g` (core's mayRevokeGrant: its granter, or an admin who could grant for it); the state is checked by the transition. */
export function revokerRefusal(s: ServerContext, caller: Caller, g: Grant): HttpProblem | undefined {
  if (caller.kind !== 'admin') return problem('forbidden', 'Only admins of the customer org revoke access.');
  if (!mayRevokeGrant(s.ix, g, caller.id)) return problem('forbidden', `Only an admin who can grant for ${g.ticket} may revoke its grants.`);
  return undefined;
}

/** Guard decisions (on grants and on changes) are for Guard admins; the state and "not your own" are checked by the transition. */
export function guardDeciderRefusal(s: ServerContext, caller: Caller, what: 'grants' | 'changes'): HttpProblem | undefined {
  if (caller.kind !== 'admin' || !mayDecideGuard(s.ix, caller.id)) return problem('forbidden', `Only Guard admins decide ${what} held for Guard approval.`);
  return undefined;
}

/** Consent to (or declining) a change on `t` is for whoever may grant for it: the same causes. */
export function consenterRefusal(s: ServerContext, caller: Caller, t: Ticket): HttpProblem | undefined {
  if (caller.kind !== 'admin') return problem('forbidden', 'Only admins of the customer org consent to changes.');
  const el = consentEligibility(withTicket(s.ix, t), caller.id, t.key);
  if (!el.allowed) return notEligible(`You cannot consent to changes on ${t.key}: only an admin who can grant data access for it can.`, el.causes);
  return undefined;
}

/** A consent lives under the ticket's active data grant: approving without one is a 409 `no_active_grant`. */
export function consentGrantRefusal(t: Ticket, grants: Grant[]): HttpProblem | undefined {
  if (grants.some((g) => g.kind === 'data' && g.state === 'active')) return undefined;
  return problem('conflict', `Ticket ${t.key} has no active data-access grant: grant access first, then consent to the change.`, { code: 'no_active_grant' });
}

/** Guard approving a change needs the grant it was approved under still active (409 `grant_not_active`). */
export function guardConsentGrantRefusal(c: ChangeRequest, grants: Grant[]): HttpProblem | undefined {
  if (grants.some((g) => g.id === c.grantId && g.state === 'active')) return undefined;
  return problem('conflict', `The grant change request ${c.id} was approved under is no longer active.`, { code: 'grant_not_active' });
}

/**
 * Why `caller` may not ask `adminId` to grant for `t`: only org users ask; only an admin who can
 * grant is asked, never oneself; and once the ticket is granted (active or waiting on Guard) there
 * is nothing to ask for (409 `already_granted`).
 */
export function askRefusal(s: ServerContext, caller: Caller, t: Ticket, adminId: string, grants: Grant[]): HttpProblem | undefined {
  if (caller.kind !== 'admin') return problem('forbidden', 'Only admins of the customer org ask another admin to grant.');
  const admins = qualifiedAdmins(withTicket(s.ix, t), t.key);
  if (!admins.some((a) => a.userId === adminId)) return problem('request-refused', `${adminId} cannot grant data access for ${t.key}; ask one of the listed admins.`, { code: 'not_qualified' });
  if (adminId === caller.id) return problem('request-refused', 'You cannot ask yourself.', { code: 'self_ask' });
  const live = grantedDataGrant(grants);
  if (live) return problem('conflict', `Ticket ${t.key} already has ${grantWords(live)}: there is nothing to ask for.`, { code: 'already_granted', grantId: live.id });
  return undefined;
}

/** The checklist's causes about the person (their roles), not about the ticket or its site. */
const ROLE_CAUSES: ReadonlySet<CauseCode> = new Set<CauseCode>(['wrong_product', 'wrong_site', 'contact_not_listed', 'scim_not_synced', 'no_admin_role']);

/**
 * The part of a write's refusal that is about the caller's authority (a route's `authority`, asked
 * before a stored answer is replayed): a 403 that says it is not theirs to do, or `not-eligible`
 * naming a cause about their roles. Undefined for a refusal about the state they found (a closed
 * ticket, a site pending deletion, a grant already made), and for none.
 */
export function authorityPart(refusal: HttpProblem | undefined): HttpProblem | undefined {
  if (refusal?.status !== 403) return undefined;
  if (refusal.kind !== 'not-eligible') return refusal;
  const causes = (refusal.extra.causes ?? []) as Cause[];
  return causes.some((c) => ROLE_CAUSES.has(c.code)) ? refusal : undefined;
}

/** Support's own writes on a ticket (ask for access, close it, hand it over) are the assigned engineer's: 403 for anyone else. */
export function ticketEngineerRefusal(caller: Caller, t: Ticket, refused: string): HttpProblem | undefined {
  return caller.kind === 'engineer' && t.engineer === caller.id ? undefined : problem('forbidden', refused);
}
