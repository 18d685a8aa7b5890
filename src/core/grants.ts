// The grant lifecycle (DESIGN §2.3) as an explicit state machine:
//
//   requested ──grant──▶ active                         (site without Guard restrictions)
//   requested ──grant──▶ pending_guard_approval ──guard_approve──▶ active
//                                                └──guard_deny────▶ denied
//   requested | pending_guard_approval | active ──revoke──▶ revoked
//
// `denied` and `revoked` are final: the engineer re-requests with a new grant. Every other event
// is an illegal transition and throws; nothing is a silent no-op. Who may grant is decided by
// `grantEligibility`, who may decide for Guard by `mayDecideGuard`, who may revoke by
// `mayRevokeGrant`; `applyGrantEvent` only orders events.
import type { WorldIndex } from './index-world';
import { isGrantingRole, isInEffect, roleFit } from './roles';
import { RuleError, type AiConversation, type Grant, type GrantEvent, type GrantKind, type GrantState, type Ticket } from './types';

/** Support asked for data access on a ticket; outstanding until an admin grants it. */
export function newSupportRequest(id: string, ticket: Ticket, at: string): Grant {
  return { ...blank(id, ticket, 'data'), requestedAt: at };
}

/** A grant an admin makes without a prior Support request (ticket creation, sidebar, bulk). */
export function newGrant(id: string, ticket: Ticket): Grant {
  return blank(id, ticket, 'data');
}

/** The narrower AI (Rovo) conversation grant: exact conversation ids, revocable on its own. */
export function newAiConversationGrant(id: string, ticket: Ticket, conversations: string[], at: string): Grant {
  const ids = conversations.map((c) => c.trim());
  if (ids.length === 0 || ids.some((c) => c === '')) {
    throw new RuleError('invalid_conversations', 'An AI conversation grant must name at least one conversation.');
  }
  if (new Set(ids).size !== ids.length) throw new RuleError('invalid_conversations', 'A conversation is named twice.');
  // Support named no conversations: nothing may be granted, not everything.
  const requested = conversationIds(ticket);
  const unrequested = ids.filter((c) => !requested.includes(c));
  if (unrequested.length > 0) {
    throw new RuleError('conversation_not_requested', `Support did not ask for conversation ${unrequested.join(', ')} on ${ticket.key}.`);
  }
  return { ...blank(id, ticket, 'ai_conversations'), conversations: ids, requestedAt: at };
}

function blank(id: string, t: Ticket, kind: GrantKind): Grant {
  return { id, kind, ticket: t.key, site: t.site, product: t.product, engineer: t.engineer, state: 'requested', version: 1 };
}

const LIVE: readonly GrantState[] = ['requested', 'pending_guard_approval', 'active'];

export function applyGrantEvent(grant: Grant, event: GrantEvent): Grant {
  const illegal = (why: string): never => {
    throw new RuleError('illegal_transition', `Grant ${grant.id} is ${grant.state.replaceAll('_', ' ')}: ${why}`);
  };
  const next = { ...grant, version: grant.version + 1 };
  switch (event.type) {
    case 'grant':
      if (grant.state !== 'requested') illegal('it can be granted only while requested.');
      return { ...next, state: event.guardRequired ? 'pending_guard_approval' : 'active', grantedBy: event.by, grantedAt: event.at };
    case 'guard_approve':
    case 'guard_deny':
      if (grant.state !== 'pending_guard_approval') illegal('only a grant pending Guard approval can be approved or denied.');
      if (event.by === grant.grantedBy) {
        throw new RuleError('guard_self_decision', `The Guard decision on grant ${grant.id} must come from someone other than the admin who granted it.`);
      }
      return {
        ...next,
        state: event.type === 'guard_approve' ? 'active' : 'denied',
        guardDecidedBy: event.by,
        guardDecidedAt: event.at,
        ...(event.message ? { guardMessage: event.message } : {}),
      };
    case 'guard_required':
      // Support had access without Guard; now Guard decides, as for a new grant on this site.
      if (grant.state !== 'active') illegal('only an active grant can be held for Guard approval.');
      return { ...next, state: 'pending_guard_approval', guardDecidedBy: undefined, guardDecidedAt: undefined, guardMessage: undefined };
    case 'revoke':
      if (!LIVE.includes(grant.state)) illegal('it is already over; ask Support to request access again.');
      return { ...next, state: 'revoked', revokedBy: event.by, revokedAt: event.at, revokeReason: event.reason };
  }
}

/** A ticket reaching Closed revokes its live grants and outstanding requests; returns only those changed. */
export function revokeForTicketClose(grants: Grant[], at: string, by = 'support-system'): Grant[] {
  return grants.filter((g) => LIVE.includes(g.state)).map((g) => applyGrantEvent(g, { type: 'revoke', by, at, reason: 'ticket_closed' }));
}

/** Only an in-effect guard_admin decides grants held for Guard approval. */
export function mayDecideGuard(ix: WorldIndex, userId: string): boolean {
  return (ix.rolesByUser.get(userId) ?? []).some((r) => r.role === 'guard_admin' && isInEffect(r));
}

/**
 * Who may revoke a grant: the admin who granted it, or anyone whose in-effect role could grant for
 * its product on its site. Unlike granting, this ignores whether the ticket is closed or the site is
 * pending deletion: revoking must stay possible whatever happened to them since.
 */
export function mayRevokeGrant(ix: WorldIndex, grant: Grant, userId: string): boolean {
  if (grant.grantedBy !== undefined && grant.grantedBy === userId) return true;
  return (ix.rolesByUser.get(userId) ?? []).some((r) => isGrantingRole(r.role) && isInEffect(r) && roleFit(r, grant.site, grant.product).fits);
}

export function isLive(g: Grant): boolean {
  return LIVE.includes(g.state);
}

/** The ids of the AI conversations Support asked to see on `ticket`, in the order asked. */
export function conversationIds(ticket: Pick<Ticket, 'aiConversationsRequested'>): string[] {
  return (ticket.aiConversationsRequested ?? []).map((c) => (typeof c === 'string' ? c : c.id));
}

/** What the vendor knows of each AI conversation asked for on `ticket` (title, owner), by id. */
export function conversationsById(ticket: Pick<Ticket, 'aiConversationsRequested'> | undefined): Map<string, AiConversation> {
  return new Map((ticket?.aiConversationsRequested ?? []).map((c) => (typeof c === 'string' ? [c, { id: c }] : [c.id, c])));
}
