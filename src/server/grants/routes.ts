// Ticket-side routes: eligibility, grants (create, revoke, Guard), Support's requests, AI grants,
// asks, close, and the enforcement check.
import { Hono } from 'hono';
import type { z } from 'zod';
import { ROUTES } from '../../api/contract';
import { eligibilityFor, grantEligibility, ticketStake } from '../../core/index';
import * as W from '../../api/schemas';
import { checkAccess } from './access-check';
import { askAdmin } from './asks-service';
import { listAudit } from '../audit/trail';
import { auditWire } from '../audit/views';
import type { ServerContext } from '../context';
import { accessRequesterRefusal, closeTicket, closerRefusal, decideGuard, etagOf, grantAiConversations, grantTicket, requestAccess, revokeGrant } from './service';
import { conditionalJson, withEtag, type Env } from '../http/request';
import { route, WHO } from '../http/route';
import { consentBoxRefusal, newTicketEligibilityFor, raiseTicket } from './tickets-service';
import { ticketView } from './ticket-view';
import { problem, asProblem, type HttpProblem } from '../http/problems';
import { clientText, recordRefusal, TARGET, type RefusalName } from '../http/refusals';
import type { FixedWindowLimiter } from '../http/throttle';
import { currentTicket, grantById, grantsOfTicket, withTicket } from './repository';
import { flaggedFor } from '../directory/effects';
import { shortList } from '../directory/grantors';
import { withLastSynced } from '../directory/sync-state';
import { isAdmin, isOrgAdmin, mayReadGrant, readableTicket, supportRequests, ticketWire, visibleGrants, peopleOf } from './views';
import { aiGrantRefusal, authorityPart, grantRefusal, guardDeciderRefusal, revokerRefusal } from './rules';
import type { Caller } from '../http/auth';
import type { Ticket } from '../../core/index';

const STATES = W.GrantState.options;

/** A refused check is on record as what it asked to do, a change whatever made it refused (a 400 included). */
const checkRefusal: RefusalName = {
  action: (b) => (typeof b.action !== 'string' || b.action === 'read' ? 'access.check' : b.action === 'change_permissions' ? 'access.change_permissions' : 'access.change'),
  target: async (s, _p, b) => {
    const ticket = clientText(b.ticket);
    return { ticket: ticket && (await currentTicket(s.db, s.ix, ticket)) ? ticket : null, resource: null };
  },
};

/**
 * A route's `authority` (route.ts) over the ticket of its path: `refusal` of the ticket as it is now
 * (none when there is no such ticket: the handler answers that).
 */
const onTicket =
  (refusal: (s: ServerContext, caller: Caller, t: Ticket) => HttpProblem | undefined) =>
  async (s: ServerContext, caller: Caller, { params }: { params: Record<string, string> }): Promise<HttpProblem | undefined> => {
    const t = await currentTicket(s.db, s.ix, params.key!);
    return t && refusal(s, caller, t);
  };

/** Granting is for whoever may grant for the ticket by their roles (the grant rule's own refusal, without what it says about existing grants). */
const granting = onTicket((s, caller, t) => authorityPart(grantRefusal(s, caller, t, [])));

/**
 * `asks` limits asks to another admin per asker: each lands in someone else's inbox. Handlers use
 * the context the pipeline hands them (`s`, journal-aware under an Idempotency-Key), not `_s`.
 */
export function ticketRoutes(_s: ServerContext, limits: { asks: FixedWindowLimiter }): Hono<Env> {
  const r = new Hono<Env>();

  // The request form's consent box: eligibility for a ticket not yet created.
  route(r, ROUTES.newTicketEligibility, { query: W.NewTicketEligibilityQuery }, async (c, { s, caller, query }) =>
    c.json(await withLastSynced(s.db, caller.id, shortList(newTicketEligibilityFor(s, caller, query.site, query.product)))),
  );

  // Refused whole (a ticked consent box its reporter may not give, an unknown site): no ticket exists, so the target is the product.
  const consentBox = (s: ServerContext, caller: Caller, { body }: { body: unknown }) => consentBoxRefusal(s, caller, body as z.infer<typeof W.TicketCreateBody>);
  route(r, ROUTES.createTicket, { refusal: { action: 'ticket.create', target: TARGET.product }, authority: consentBox }, async (c, { s, caller, body }) => {
    const { ticket, grant } = await raiseTicket(s, caller, body);
    c.header('Location', `/v1/tickets/${ticket.key}`);
    const out: W.TicketCreatedWire = { ticket: ticketWire(s, ticket), ...(grant ? { grant: { id: grant.id, state: grant.state } } : {}) };
    return c.json(out, 201);
  });

  route(r, ROUTES.ticket, {}, async (c, { s, caller, params }) => c.json(ticketWire(s, await readableTicket(s, s.db, caller, params.key))));

  // Any org user may ask "can I grant?"; one without a stake in the ticket gets only what they
  // need to ask someone (core's eligibilityFor).
  route(r, ROUTES.eligibility, { who: WHO.people('Eligibility is asked by admins of the customer org.') }, async (c, { s, caller, params }) => {
    const t = await currentTicket(s.db, s.ix, params.key);
    if (!t) throw problem('not-found', 'No such ticket.');
    const ix = withTicket(s.ix, t);
    return c.json(await withLastSynced(s.db, caller.id, shortList(eligibilityFor(grantEligibility(ix, caller.id, t.key), ticketStake(ix, t, caller)))));
  });

  // The panel's one read: one load of the ticket, one decision on the caller, the actions allowed.
  route(r, ROUTES.ticketView, {}, async (c, { s, caller, params }) => conditionalJson(c, 'view', await ticketView(s, caller, params.key)));

  route(r, ROUTES.ticketGrants, {}, async (c, { s, caller, params }) => {
    const t = await readableTicket(s, s.db, caller, params.key);
    const grants = flaggedFor(s.ix, isOrgAdmin(s, caller), await grantsOfTicket(s.db, t.key));
    return conditionalJson(c, 'grants', { grants, people: peopleOf(s, grants) });
  });

  route(r, ROUTES.grant, { refusal: { action: 'grant.create', target: TARGET.ticket }, authority: granting }, async (c, { s, caller, params }) => {
    const g = await grantTicket(s, caller, params.key);
    withEtag(c, etagOf('grant', g.id, g.version));
    c.header('Location', `/v1/grants/${g.id}`);
    return c.json({ id: g.id, state: g.state }, 201);
  });

  const aiGranting = onTicket((s, caller, t) => authorityPart(aiGrantRefusal(s, caller, t, [])));
  route(r, ROUTES.grantAiConversations, { refusal: { action: 'ai_grant.create', target: TARGET.ticket }, authority: aiGranting }, async (c, { s, caller, body, params }) => {
    const g = await grantAiConversations(s, caller, params.key, body.conversations);
    withEtag(c, etagOf('grant', g.id, g.version));
    return c.json({ id: g.id, state: g.state }, 201);
  });

  route(r, ROUTES.ask, { refusal: { action: 'grant.ask', target: TARGET.ticket } }, async (c, { s, caller, body, params }) => {
    limits.asks.take(`asker:${caller.id}`, `You have sent ${limits.asks.limit} asks to other admins this hour; wait before asking again.`);
    return c.json(await askAdmin(s, caller, params.key, body.adminId, body.message), 201);
  });

  const onItsEngineer = onTicket((_s, caller, t) => accessRequesterRefusal(caller, t));
  route(r, ROUTES.requestAccess, { refusal: { action: 'support_request.create', target: TARGET.ticket }, authority: onItsEngineer }, async (c, { s, caller, params }) => {
    const g = await requestAccess(s, caller, params.key);
    withEtag(c, etagOf('grant', g.id, g.version));
    return c.json({ id: g.id, state: g.state }, 201);
  });

  const closing = onTicket((_s, caller, t) => closerRefusal(caller, t));
  route(r, ROUTES.closeTicket, { refusal: { action: 'ticket.close', target: TARGET.ticket }, authority: closing }, async (c, { s, caller, params }) =>
    c.json(await closeTicket(s, caller, params.key)),
  );

  route(r, ROUTES.activity, { who: WHO.people('Support activity is shown to the customer org.') }, async (c, { s, caller, params }) => {
    const t = await readableTicket(s, s.db, caller, params.key);
    const rows = await listAudit(s.db, { ticket: t.key, actor: 'support', limit: 200, order: 'desc' });
    return conditionalJson(c, 'activity', { entries: rows.map((row) => auditWire(s, row)) });
  });

  route(r, ROUTES.grants, {}, async (c, { s, caller }) => {
    const q = c.req.query('state');
    const states = q ? q.split(',').filter((x) => (STATES as readonly string[]).includes(x)) : ['active'];
    if (q && states.length === 0) throw problem('bad-request', `state must be one of ${STATES.join(', ')}.`);
    const grants = flaggedFor(s.ix, isOrgAdmin(s, caller), await visibleGrants(s, caller, states));
    return conditionalJson(c, 'grants', { grants, people: peopleOf(s, grants) });
  });

  route(r, ROUTES.getGrant, {}, async (c, { s, caller, params }) => {
    const g = await grantById(s.db, params.id);
    if (!g || !(await mayReadGrant(s, caller, g))) throw problem('not-found', 'No such grant.');
    withEtag(c, etagOf('grant', g.id, g.version));
    return c.json(flaggedFor(s.ix, isOrgAdmin(s, caller), [g])[0]);
  });

  const revoking = async (s: ServerContext, caller: Caller, { params }: { params: Record<string, string> }) => {
    const g = await grantById(s.db, params.id!);
    return g && revokerRefusal(s, caller, g);
  };
  route(r, ROUTES.revoke, { refusal: { action: 'grant.revoke', target: TARGET.grant }, authority: revoking }, async (c, { s, caller, params }) => {
    const g = await revokeGrant(s, caller, params.id, c.req.header('if-match'));
    withEtag(c, etagOf('grant', g.id, g.version));
    return c.json({ id: g.id, state: g.state, grant: g });
  });

  const guardRefusal: RefusalName = {
    action: (b) => (b.decision === 'approve' ? 'grant.guard_approve' : b.decision === 'deny' ? 'grant.guard_deny' : 'request.refused'),
    target: TARGET.grant,
  };
  route(r, ROUTES.guardDecision, { refusal: guardRefusal, authority: (s, caller) => guardDeciderRefusal(s, caller, 'grants') }, async (c, { s, caller, body, params }) => {
    const g = await decideGuard(s, caller, params.id, body.decision, c.req.header('if-match'), body.message);
    withEtag(c, etagOf('grant', g.id, g.version));
    return c.json({ id: g.id, state: g.state, grant: g });
  });

  route(r, ROUTES.supportRequests, { who: WHO.people('Support requests are listed for admins.') }, async (c, { s, caller }) => c.json({ requests: await supportRequests(s, caller) }));

  // Per-row answers are for admins whose rights differ by ticket; anyone else is refused whole.
  const admins = WHO.when(isAdmin, 'Only admins of the customer org grant access.');
  // A fresh batch is decided row by row; its stored answer is sent again only while the caller may
  // still grant, by their roles, for every ticket it says they granted.
  const bulkGranting = async (s: ServerContext, caller: Caller, { replaying, stored }: { replaying: boolean; stored?: unknown }): Promise<HttpProblem | undefined> => {
    if (!replaying) return undefined;
    const lost: string[] = [];
    for (const key of new Set(((stored as { results?: W.BulkGrantRowWire[] } | undefined)?.results ?? []).filter((row) => row.ok).map((row) => row.ticket))) {
      const t = await currentTicket(s.db, s.ix, key);
      if (t && authorityPart(grantRefusal(s, caller, t, []))) lost.push(key);
    }
    return lost.length > 0
      ? problem('forbidden', `You can no longer grant data access for ${lost.slice(0, 10).join(', ')}${lost.length > 10 ? ` and ${lost.length - 10} more` : ''}.`, { code: 'no_longer_authorized' })
      : undefined;
  };
  route(r, ROUTES.bulkGrant, { who: admins, refusal: { action: 'grant.bulk_create' }, authority: bulkGranting }, async (c, { s, caller, body }) => {
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

  // Decisions, not changes: the enforcement point answers from the state committed when it is
  // asked, every time, and audits every call. A stored answer replayed under an Idempotency-Key
  // would hand out authority that a revoke has since ended, so the route ignores the header.
  route(r, ROUTES.checkAccess, { replay: 'never', refusal: checkRefusal }, async (c, { s, caller, body }) => {
    const d = await checkAccess(s, caller, body.ticket, body.resource, body.action, body.change);
    const out: W.AccessDecisionWire = { allowed: d.allowed, reason: d.reason, ...(d.grantId ? { grantId: d.grantId } : {}), ...(d.consentId ? { consentId: d.consentId } : {}) };
    return c.json(out);
  });

  return r;
}
