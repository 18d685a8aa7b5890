// The first grant path (DESIGN §2.3): a ticket raised through the request form, with the consent box.
// The ticket, its audit row and, when the box is ticked by someone who may grant, the grant (active,
// or held for Guard) commit together; a ticked box from someone who may not refuses the whole
// request, so no ticket exists without the access its reporter asked for.
import { applyGrantEvent, grantEligibility, newGrant, newTicketEligibility, RuleError, type Eligibility, type Grant, type Ticket } from '../../core/index';
import type { Caller } from '../http/auth';
import type { ServerContext } from '../context';
import { grantChanged } from './service';
import { notEligible, problem, type HttpProblem } from '../http/problems';
import { authorityPart } from './rules';
import { resolveSite } from '../access-requests/requester-views';
import { currentTicket, newId, nextTicketKey, saveRaisedTicket, withTicket } from './repository';

export interface NewTicketInput {
  site: string;
  product: string;
  summary: string;
  description?: string;
  grantDataAccess: boolean;
}

/**
 * Would ticking the consent box, as the caller, give Support access to `product` on `site` (a site
 * id, or its address: a vendor form shows the address)? Core's newTicketEligibility (the ticket
 * rules for an open ticket there). Org users only (403); an unknown site, or a product not on it,
 * is a 404 problem.
 */
export function newTicketEligibilityFor(s: ServerContext, caller: Caller, site: string, product: string): Eligibility {
  if (caller.kind !== 'admin') throw problem('forbidden', 'Eligibility is asked by users of the customer org.');
  try {
    return newTicketEligibility(s.ix, caller.id, resolveSite(s.ix, site).id, product);
  } catch (e) {
    if (e instanceof RuleError) throw problem('not-found', e.message, { code: e.code });
    throw e;
  }
}

const consentBoxProblem = (el: Eligibility) => notEligible('You ticked "allow Support to access my data", but you cannot grant data access for this product and site; nothing was created.', el.causes);

/**
 * The route's `authority` (route.ts): a ticked consent box is for a reporter who may grant, by
 * their roles, for the product and site (the 403 raiseTicket answers); undefined otherwise, and for
 * an unticked box or a site or product not in the org (raiseTicket answers those).
 */
export function consentBoxRefusal(s: ServerContext, caller: Caller, input: Pick<NewTicketInput, 'site' | 'product' | 'grantDataAccess'>): HttpProblem | undefined {
  if (caller.kind !== 'admin') return problem('forbidden', 'Requests are raised by users of the customer org.');
  if (!input.grantDataAccess || !s.ix.productsBySiteKey.has(`${input.site}/${input.product}`)) return undefined;
  const el = newTicketEligibility(s.ix, caller.id, input.site, input.product);
  return el.allowed ? undefined : authorityPart(consentBoxProblem(el));
}

/**
 * Raises a ticket with the caller as reporter, assigned to the org's first Support engineer
 * (triage). With `grantDataAccess`, the caller must be eligible (403 `not-eligible` with causes
 * otherwise, and nothing is created); the grant is then created in the same transaction, `active`
 * or `pending_guard_approval` on a Guard-restricted site, audited as `grant.create`.
 * Returns the ticket and the grant, if any. Errors: 403 for engineers; 422 `unknown_site` /
 * `unknown_product`; 409 when the world has no Support engineer to take the request.
 */
export async function raiseTicket(s: ServerContext, caller: Caller, input: NewTicketInput): Promise<{ ticket: Ticket; grant?: Grant }> {
  if (caller.kind !== 'admin') throw problem('forbidden', 'Requests are raised by users of the customer org.');
  if (!s.ix.sitesById.has(input.site)) throw problem('request-refused', `No site "${input.site}" in this org.`, { code: 'unknown_site' });
  if (!s.ix.productsBySiteKey.has(`${input.site}/${input.product}`)) throw problem('request-refused', `${input.site} has no product "${input.product}".`, { code: 'unknown_product' });
  const engineer = s.ix.world.engineers[0];
  if (!engineer) throw problem('conflict', 'No Support engineer can take a request in this org.', { code: 'no_engineer' });
  if (input.grantDataAccess) {
    const el = newTicketEligibility(s.ix, caller.id, input.site, input.product);
    if (!el.allowed) throw consentBoxProblem(el);
  }
  const at = s.now();
  return s.db.transaction(async (tx) => {
    const key = await nextTicketKey(tx, s.ix);
    const description = input.description?.trim();
    const t: Ticket = {
      key,
      title: input.summary.trim(),
      ...(description ? { description } : {}),
      site: input.site,
      product: input.product,
      reporter: caller.id,
      engineer: engineer.id,
      status: 'open',
      dataAccessRequested: false,
    };
    await saveRaisedTicket(tx, t);
    await s.trail.append(
      tx,
      {
        actor: caller.id,
        actorKind: 'admin',
        action: 'ticket.create',
        ticket: key,
        resource: { type: 'ticket', id: key },
        outcome: 'done',
        detail: { site: t.site, product: t.product, grantDataAccess: input.grantDataAccess },
      },
      at,
    );
    if (!input.grantDataAccess) return { ticket: t };
    // Decided again on the stored ticket, under its row lock, by the rule every grant path uses.
    const locked = (await currentTicket(tx, s.ix, key, true))!;
    const el = grantEligibility(withTicket(s.ix, locked), caller.id, key);
    if (!el.allowed) throw notEligible(`You cannot grant data access for ${key}.`, el.causes);
    const g = applyGrantEvent(newGrant(newId('g'), locked), { type: 'grant', by: caller.id, at, guardRequired: el.guardApprovalRequired });
    await grantChanged(tx, s, locked, g, 'grant.create', caller, at, { via: el.via, atTicketCreation: true });
    return { ticket: t, grant: g };
  });
}
