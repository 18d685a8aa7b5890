// Ticket-side routes: eligibility, grants (create, revoke, Guard), Support's requests, AI grants,
// asks, close, and the enforcement check.
import { Hono } from 'hono';
import { ROUTES } from '../../api/contract';
import { eligibilityFor, grantEligibility, ticketStake } from '../../core/index';
import * as W from '../../api/schemas';
import { askAdmin, checkAccess } from '../access-service';
import { listAudit } from '../audit';
import { auditWire } from '../audit-views';
import type { ServerContext } from '../context';
import { closeTicket, decideGuard, etagOf, grantAiConversations, grantTicket, requestAccess, revokeGrant } from '../grants-service';
import { callerOf, conditionalJson, jsonBody, pathParam, validate, withEtag, on, type Env } from '../http';
import { newTicketEligibilityFor, raiseTicket } from '../tickets-service';
import { problem, asProblem } from '../problems';
import { recordRefusal } from '../refusals';
import type { FixedWindowLimiter } from '../throttle';
import { currentTicket, grantById, grantsOfTicket, withTicket } from '../store';
import { isAdmin, mayReadGrant, readableTicket, supportRequests, ticketWire, visibleGrants, peopleOf } from '../views';

const STATES = W.GrantState.options;

/** `asks` limits asks to another admin per asker: each lands in someone else's inbox. */
export function ticketRoutes(s: ServerContext, limits: { asks: FixedWindowLimiter }): Hono<Env> {
  const r = new Hono<Env>();

  // The request form's consent box: eligibility for a ticket not yet created.
  on(r, ROUTES.newTicketEligibility, async (c) => {
    const q = validate(W.NewTicketEligibilityQuery, c.req.query());
    return c.json(newTicketEligibilityFor(s, callerOf(c), q.site, q.product));
  });

  on(r, ROUTES.createTicket, async (c) => {
    const body = await jsonBody(c, ROUTES.createTicket.body);
    const { ticket, grant } = await raiseTicket(s, callerOf(c), body);
    c.header('Location', `/v1/tickets/${ticket.key}`);
    const out: W.TicketCreatedWire = { ticket: ticketWire(s, ticket), ...(grant ? { grant: { id: grant.id, state: grant.state } } : {}) };
    return c.json(out, 201);
  });

  on(r, ROUTES.ticket, async (c) => c.json(ticketWire(s, await readableTicket(s, s.db, callerOf(c), pathParam(c, 'key')))));

  on(r, ROUTES.eligibility, async (c) => {
    const caller = callerOf(c);
    if (caller.kind !== 'admin') throw problem('forbidden', 'Eligibility is asked by admins of the customer org.');
    // Any org user may ask "can I grant?"; one without a stake in the ticket gets only what they
    // need to ask someone (core's eligibilityFor).
    const t = await currentTicket(s.db, s.ix, pathParam(c, 'key'));
    if (!t) throw problem('not-found', 'No such ticket.');
    const ix = withTicket(s.ix, t);
    return c.json(eligibilityFor(grantEligibility(ix, caller.id, t.key), ticketStake(ix, t, caller)));
  });

  on(r, ROUTES.ticketGrants, async (c) => {
    const t = await readableTicket(s, s.db, callerOf(c), pathParam(c, 'key'));
    const grants = await grantsOfTicket(s.db, t.key);
    return conditionalJson(c, 'grants', { grants, people: peopleOf(s, grants) });
  });

  on(r, ROUTES.grant, async (c) => {
    await jsonBody(c, ROUTES.grant.body);
    const g = await grantTicket(s, callerOf(c), pathParam(c, 'key'));
    withEtag(c, etagOf('grant', g.id, g.version));
    c.header('Location', `/v1/grants/${g.id}`);
    return c.json({ id: g.id, state: g.state }, 201);
  });

  on(r, ROUTES.grantAiConversations, async (c) => {
    const body = await jsonBody(c, ROUTES.grantAiConversations.body);
    const g = await grantAiConversations(s, callerOf(c), pathParam(c, 'key'), body.conversations);
    withEtag(c, etagOf('grant', g.id, g.version));
    return c.json({ id: g.id, state: g.state }, 201);
  });

  on(r, ROUTES.ask, async (c) => {
    const body = await jsonBody(c, ROUTES.ask.body);
    const caller = callerOf(c);
    limits.asks.take(`asker:${caller.id}`, `You have sent ${limits.asks.limit} asks to other admins this hour; wait before asking again.`);
    return c.json(await askAdmin(s, caller, pathParam(c, 'key'), body.adminId, body.message), 201);
  });

  on(r, ROUTES.requestAccess, async (c) => {
    await jsonBody(c, ROUTES.requestAccess.body);
    const g = await requestAccess(s, callerOf(c), pathParam(c, 'key'));
    withEtag(c, etagOf('grant', g.id, g.version));
    return c.json({ id: g.id, state: g.state }, 201);
  });

  on(r, ROUTES.closeTicket, async (c) => {
    await jsonBody(c, ROUTES.closeTicket.body);
    return c.json(await closeTicket(s, callerOf(c), pathParam(c, 'key')));
  });

  on(r, ROUTES.activity, async (c) => {
    const caller = callerOf(c);
    if (caller.kind !== 'admin') throw problem('forbidden', 'Support activity is shown to the customer org.');
    const t = await readableTicket(s, s.db, caller, pathParam(c, 'key'));
    const rows = await listAudit(s.db, { ticket: t.key, engineersOnly: true, limit: 200, order: 'desc' });
    return conditionalJson(c, 'activity', { entries: rows.map((row) => auditWire(s, row)) });
  });

  on(r, ROUTES.grants, async (c) => {
    const q = c.req.query('state');
    const states = q ? q.split(',').filter((x) => (STATES as readonly string[]).includes(x)) : ['active'];
    if (q && states.length === 0) throw problem('bad-request', `state must be one of ${STATES.join(', ')}.`);
    const grants = await visibleGrants(s, callerOf(c), states);
    return conditionalJson(c, 'grants', { grants, people: peopleOf(s, grants) });
  });

  on(r, ROUTES.getGrant, async (c) => {
    const caller = callerOf(c);
    const g = await grantById(s.db, pathParam(c, 'id'));
    if (!g || !(await mayReadGrant(s, caller, g))) throw problem('not-found', 'No such grant.');
    withEtag(c, etagOf('grant', g.id, g.version));
    return c.json(g);
  });

  on(r, ROUTES.revoke, async (c) => {
    await jsonBody(c, ROUTES.revoke.body);
    const g = await revokeGrant(s, callerOf(c), pathParam(c, 'id'), c.req.header('if-match'));
    withEtag(c, etagOf('grant', g.id, g.version));
    return c.json({ id: g.id, state: g.state, grant: g });
  });

  on(r, ROUTES.guardDecision, async (c) => {
    const body = await jsonBody(c, ROUTES.guardDecision.body);
    const g = await decideGuard(s, callerOf(c), pathParam(c, 'id'), body.decision, c.req.header('if-match'), body.message);
    withEtag(c, etagOf('grant', g.id, g.version));
    return c.json({ id: g.id, state: g.state, grant: g });
  });

  on(r, ROUTES.supportRequests, async (c) => {
    const caller = callerOf(c);
    if (caller.kind !== 'admin') throw problem('forbidden', 'Support requests are listed for admins.');
    return c.json({ requests: await supportRequests(s, caller) });
  });

  on(r, ROUTES.bulkGrant, async (c) => {
    const caller = callerOf(c);
    // Per-row answers are for admins whose rights differ by ticket; anyone else is refused whole.
    if (!isAdmin(s, caller)) throw problem('forbidden', 'Only admins of the customer org grant access.');
    const body = await jsonBody(c, ROUTES.bulkGrant.body);
    const results: W.BulkGrantRowWire[] = [];
    for (const ticket of [...new Set(body.tickets)]) {
      try {
        const g = await grantTicket(s, caller, ticket);
        results.push({ ticket, ok: true, status: 201, id: g.id, state: g.state });
      } catch (e) {
        const refusal = asProblem(e);
        if (!refusal || refusal.status >= 500) throw e;
        // The answer is a 200, so the write path cannot see this row's refusal: record it here, by the same means.
        await recordRefusal(s, caller, 'grant.create', (await currentTicket(s.db, s.ix, ticket)) ? { ticket, resource: null } : { ticket: null, resource: { type: 'ticket', id: ticket } }, refusal);
        const p = refusal as { status: number; kind: string; detail?: string; extra: { causes?: W.BulkGrantRowWire['causes'] } };
        results.push({ ticket, ok: false, status: p.status, type: `https://access-companion.dev/problems/${p.kind}`, reason: p.detail, causes: p.extra?.causes ?? [] });
      }
    }
    return c.json({ results });
  });

  on(r, ROUTES.checkAccess, async (c) => {
    const body = await jsonBody(c, ROUTES.checkAccess.body);
    const d = await checkAccess(s, callerOf(c), body.ticket, body.resource, body.action, body.change);
    const out: W.AccessDecisionWire = { allowed: d.allowed, reason: d.reason, ...(d.grantId ? { grantId: d.grantId } : {}), ...(d.consentId ? { consentId: d.consentId } : {}) };
    return c.json(out);
  });

  return r;
}
