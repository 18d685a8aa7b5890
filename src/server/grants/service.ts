// Grant decisions as transactions. Every write path takes its locks in one order — the ticket's
// row, then its grant rows, then the audit chain head — so two writers on one ticket queue instead
// of deadlocking. Services refuse by throwing a problem, or let the rules' RuleError through for
// the route-level mapper (problems.ts) to answer; either way the change rolls back, and the write
// path (refusals.ts) records every refusal, so none is audited here.
import { applyGrantEvent, grantEligibility, isLive, newAiConversationGrant, newGrant, newSupportRequest, revokeForTicketClose, type Grant, type Ticket } from '../../core/index';
import type { Caller } from '../http/auth';
import type { AuditAction } from '../../api/vocabulary';
import type { ServerContext } from '../context';
import type { Queryable } from '../db/index';
import { recordEvent } from '../inbox/events';
import { problem } from '../http/problems';
import { markAsksDone } from './asks-repository';
import { aiGrantRefusal, grantRefusal, guardDeciderRefusal, revokerRefusal, ticketEngineerRefusal } from './rules';
import { changesMadeOn, endChangeRequestsOfTicket } from './changes-service';
import { closeTicketState, currentTicket, grantById, grantsOfTicket, newId, saveGrant, withTicket } from './repository';
import { checkIfMatch, etagOf, ticketAudience } from './write-common';

// Moved to write-common.ts (change requests use them too); kept here for the routes that import them from grants.
export { checkIfMatch, etagOf, ticketAudience };

function grantAudience(s: ServerContext, t: Ticket, g: Grant): string[] {
  const who = ticketAudience(s, t);
  if (g.state === 'pending_guard_approval' || g.guardDecidedBy) who.push(...s.guardAdmins);
  for (const x of [g.grantedBy, g.revokedBy, g.guardDecidedBy]) if (x && s.ix.usersById.has(x)) who.push(x);
  return who;
}

async function mustTicket(tx: Queryable, s: ServerContext, key: string, lock: boolean): Promise<Ticket> {
  const t = await currentTicket(tx, s.ix, key, lock);
  if (!t) throw problem('not-found', `No ticket "${key}".`);
  return t;
}

/** The grant, locked after its ticket (the lock order every write path keeps). */
async function lockGrant(tx: Queryable, s: ServerContext, id: string): Promise<{ g: Grant; t: Ticket }> {
  const seen = await grantById(tx, id);
  if (!seen) throw problem('not-found', `No grant "${id}".`);
  const t = await mustTicket(tx, s, seen.ticket, true);
  const g = (await grantById(tx, id, true))!;
  return { g, t };
}

/** Saves a changed grant with its audit row and its event, in the caller's transaction. */
export async function grantChanged(
  tx: Queryable,
  s: ServerContext,
  t: Ticket,
  g: Grant,
  action: AuditAction,
  actor: Caller | { kind: 'system'; id: string },
  at: string,
  extra: Record<string, unknown> = {},
) {
  // Locks make losing impossible today; the version check keeps a future unlocked path from
  // silently overwriting a decision (two states under one ETag).
  if (!(await saveGrant(tx, g))) throw problem('conflict', `Grant ${g.id} was changed by someone else meanwhile; read it again.`, { grantId: g.id });
  await s.trail.append(
    tx,
    {
      actor: actor.id,
      actorKind: actor.kind,
      action,
      ticket: t.key,
      resource: { type: 'grant', id: g.id, kind: g.kind },
      outcome: 'done',
      // An AI grant's every row names its conversations, so a revoke says which ones it ended.
      detail: { state: g.state, ...(g.kind === 'ai_conversations' ? { conversations: g.conversations } : {}), ...extra },
    },
    at,
  );
  await recordEvent(tx, 'grant.changed', grantAudience(s, t, g), t.key, { action, grant: g }, at);
}

/** Grant data access for a ticket (sidebar, console, bulk): grants Support's outstanding request, or a new one. */
export async function grantTicket(s: ServerContext, caller: Caller, key: string): Promise<Grant> {
  if (caller.kind !== 'admin') throw problem('forbidden', 'Only admins of the customer org grant access.');
  const at = s.now();
  return s.db.transaction(async (tx) => {
    const t = await mustTicket(tx, s, key, true);
    const grants = await grantsOfTicket(tx, key, true);
    const refusal = grantRefusal(s, caller, t, grants);
    if (refusal) throw refusal;
    const el = grantEligibility(withTicket(s.ix, t), caller.id, key);
    const data = grants.filter((g) => g.kind === 'data' && isLive(g));
    const base = data.find((g) => g.state === 'requested') ?? newGrant(newId('g'), t);
    const g = applyGrantEvent(base, { type: 'grant', by: caller.id, at, guardRequired: el.guardApprovalRequired });
    await markAsksDone(tx, key);
    await grantChanged(tx, s, t, g, 'grant.create', caller, at, { via: el.via, fromSupportRequest: data.includes(base) });
    return g;
  });
}

/**
 * The narrower grant naming AI conversations. Like data grants, a ticket has at most one live AI
 * conversation grant: decided under the ticket's row lock, so concurrent grants queue and the
 * second is refused (409), and revoking the one the panel shows ends Support's AI access.
 */
export async function grantAiConversations(s: ServerContext, caller: Caller, key: string, conversations: string[]): Promise<Grant> {
  if (caller.kind !== 'admin') throw problem('forbidden', 'Only admins of the customer org grant access.');
  const at = s.now();
  return s.db.transaction(async (tx) => {
    const t = await mustTicket(tx, s, key, true);
    const refusal = aiGrantRefusal(s, caller, t, await grantsOfTicket(tx, key, true));
    if (refusal) throw refusal;
    const el = grantEligibility(withTicket(s.ix, t), caller.id, key);
    const g = applyGrantEvent(newAiConversationGrant(newId('ai'), t, conversations, at), { type: 'grant', by: caller.id, at, guardRequired: el.guardApprovalRequired });
    await grantChanged(tx, s, t, g, 'ai_grant.create', caller, at, { conversations: g.conversations });
    return g;
  });
}

export async function revokeGrant(s: ServerContext, caller: Caller, id: string, ifMatch?: string): Promise<Grant> {
  const at = s.now();
  if (caller.kind !== 'admin') throw problem('forbidden', 'Only admins of the customer org revoke access.');
  return s.db.transaction(async (tx) => {
    const { g, t } = await lockGrant(tx, s, id);
    const refusal = revokerRefusal(s, caller, g);
    if (refusal) throw refusal;
    checkIfMatch(ifMatch, etagOf('grant', g.id, g.version));
    const next = applyGrantEvent(g, { type: 'revoke', by: caller.id, at, reason: 'admin' });
    await grantChanged(tx, s, t, next, 'grant.revoke', caller, at);
    // Consents live under the data grant: revoking it ends them (and what waits for them).
    if (next.kind === 'data') await endChangeRequestsOfTicket(tx, s, t, 'grant_revoked', caller, at);
    return next;
  });
}

/** A Guard admin's decision on a held grant; `message` (≤ MAX_MESSAGE_LENGTH, trimmed) goes on the grant and in its audit row. */
export async function decideGuard(s: ServerContext, caller: Caller, id: string, decision: 'approve' | 'deny', ifMatch?: string, message?: string): Promise<Grant> {
  const at = s.now();
  const refusal = guardDeciderRefusal(s, caller, 'grants');
  if (refusal) throw refusal;
  return s.db.transaction(async (tx) => {
    const { g, t } = await lockGrant(tx, s, id);
    checkIfMatch(ifMatch, etagOf('grant', g.id, g.version));
    const said = message?.trim() || undefined;
    const next = applyGrantEvent(g, { type: decision === 'approve' ? 'guard_approve' : 'guard_deny', by: caller.id, at, message: said });
    await grantChanged(tx, s, t, next, `grant.guard_${decision}`, caller, at, said ? { message: said } : {});
    return next;
  });
}

/** Support asks for access on a ticket, and closes it: its assigned engineer only (403). */
export const accessRequesterRefusal = (caller: Caller, t: Ticket) => ticketEngineerRefusal(caller, t, `Only the engineer on ${t.key} may request access to it.`);
export const closerRefusal = (caller: Caller, t: Ticket) => ticketEngineerRefusal(caller, t, `Only the engineer on ${t.key} (or the support system) closes it.`);

/** Support asks for data access on a ticket: outstanding until an admin grants it. */
export async function requestAccess(s: ServerContext, caller: Caller, key: string): Promise<Grant> {
  const at = s.now();
  return s.db.transaction(async (tx) => {
    const t = await mustTicket(tx, s, key, true);
    const refusal = accessRequesterRefusal(caller, t);
    if (refusal) throw refusal;
    if (t.status !== 'open') throw problem('illegal-transition', `Ticket ${key} is closed.`);
    const live = (await grantsOfTicket(tx, key, true)).find((g) => g.kind === 'data' && isLive(g));
    if (live) throw problem('illegal-transition', `Ticket ${key} already has a ${live.state.replaceAll('_', ' ')} grant or request (${live.id}).`, { grantId: live.id });
    const g = newSupportRequest(newId('g'), t, at);
    await grantChanged(tx, s, t, g, 'support_request.create', caller, at);
    return g;
  });
}

/**
 * A ticket reaching Closed revokes its live grants and outstanding requests in the same
 * transaction, and its asks ("please grant this") leave the inbox: there is nothing left to grant.
 */
export async function closeTicket(s: ServerContext, caller: Caller, key: string): Promise<{ key: string; status: 'closed'; revoked: string[] }> {
  const at = s.now();
  return s.db.transaction(async (tx) => {
    const t = await mustTicket(tx, s, key, true);
    const refusal = closerRefusal(caller, t);
    if (refusal) throw refusal;
    if (t.status === 'closed') throw problem('illegal-transition', `Ticket ${key} is already closed.`);
    const grants = await grantsOfTicket(tx, key, true);
    await closeTicketState(tx, key, at);
    await markAsksDone(tx, key);
    const closed = { ...t, status: 'closed' as const };
    await s.trail.append(tx, { actor: caller.id, actorKind: 'engineer', action: 'ticket.close', ticket: key, outcome: 'done' }, at);
    const changed = revokeForTicketClose(grants, at);
    for (const g of changed) await grantChanged(tx, s, closed, g, 'grant.revoke', { kind: 'system', id: 'support-system' }, at, { reason: 'ticket_closed' });
    const ended = await endChangeRequestsOfTicket(tx, s, closed, 'ticket_closed', { kind: 'system', id: 'support-system' }, at);
    // Nothing Support changed goes unseen: the close lists every change it made.
    const changesMade = await changesMadeOn(tx, key);
    await recordEvent(tx, 'ticket.closed', ticketAudience(s, t), key, { ticket: key, revoked: changed.map((g) => g.id), endedChangeRequests: ended, changesMade }, at);
    return { key, status: 'closed' as const, revoked: changed.map((g) => g.id), endedChangeRequests: ended, changesMade };
  });
}
