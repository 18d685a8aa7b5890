// Asks from one admin to another to grant data access on a ticket (stored by asks-repository.ts).
import type { Caller } from '../http/auth';
import type { ServerContext } from '../context';
import { recordEvent } from '../inbox/events';
import { problem } from '../http/problems';
import { currentTicket, grantsOfTicket, newId } from './repository';
import { askRefusal } from './rules';
import { insertAsk } from './asks-repository';

/**
 * Asks `adminId`, an admin who may grant for ticket `key`, to grant it: stored, audited and sent to
 * their inbox in one transaction. 403 for anyone but a person of the org; 404 for no such ticket;
 * 422 `not_qualified` / `self_ask` when that admin cannot grant or is the caller, 409
 * `already_granted` when the ticket is granted already (rules.ts askRefusal).
 */

export async function askAdmin(s: ServerContext, caller: Caller, key: string, adminId: string, message?: string): Promise<{ id: string; ticket: string; adminId: string; createdAt: string }> {
  if (caller.kind !== 'admin') throw problem('forbidden', 'Only admins of the customer org ask another admin to grant.');
  const at = s.now();
  return s.db.transaction(async (tx) => {
    const t = await currentTicket(tx, s.ix, key);
    if (!t) throw problem('not-found', `No ticket "${key}".`);
    const refusal = askRefusal(s, caller, t, adminId, await grantsOfTicket(tx, key));
    if (refusal) throw refusal;
    const id = newId('ask');
    const text = message?.trim() || null;
    await insertAsk(tx, { id, ticket: key, adminId, fromId: caller.id, message: text, at });
    await s.trail.append(tx, { actor: caller.id, actorKind: 'admin', action: 'grant.ask', ticket: key, resource: { type: 'admin', id: adminId }, outcome: 'done' }, at);
    await recordEvent(tx, 'ask.created', [adminId], key, { id, ticket: key, from: caller.id, message: text }, at);
    return { id, ticket: key, adminId, createdAt: at };
  });
}
