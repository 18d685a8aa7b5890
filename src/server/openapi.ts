// The OpenAPI document, assembled from a route table and the same zod schemas the routes use.
import { z } from 'zod';
import * as W from '../api/schemas';

type Param = { name: string; in: 'query' | 'header'; description: string; schema: Record<string, unknown>; required?: boolean };
type Route = [method: 'get' | 'post', path: string, summary: string, body: z.ZodType | null, ok: [number, z.ZodType | null], params?: Param[]];

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
const header = (name: string, description: string): Param => ({ name, in: 'header', description, schema: { type: 'string' } });
const states = (e: z.ZodEnum, dflt: string): Param => ({ name: 'state', in: 'query', description: `Comma-separated states (default ${dflt}): ${e.options.join(', ')}`, schema: { type: 'string', default: dflt } });

const IF_MATCH = header('If-Match', 'ETag from an earlier read; 412 problem if the resource changed since');
const LAST_EVENT_ID = header('Last-Event-ID', 'Resume after this event id (sent by EventSource on reconnect). Ids are "<n>.<tag>"; an id this server never issued (a restart, a restored database) gets a `reset` event and a replay from the start');
const AUDIT_FILTERS: Param[] = Object.entries(W.AuditQuery.shape).map(([name, s]) => ({
  name,
  in: 'query',
  description: { actor: 'Actor id, or "support" for every Support engineer', ticket: 'Ticket key', from: 'From this time (ISO 8601)', to: 'Up to this time (ISO 8601)', cursor: 'nextCursor of the previous page', limit: 'Rows per page (1–500, default 100)' }[name] ?? name,
  schema: schema(s as z.ZodType),
}));

const CHECKPOINT_PAGING: Param[] = [
  { name: 'cursor', in: 'query', description: 'nextCursor of the previous page (checkpoints after this row)', schema: schema(W.AuditCheckpointQuery.shape.cursor as z.ZodType) },
  { name: 'limit', in: 'query', description: 'Checkpoints per page (1–500, default 100)', schema: schema(W.AuditCheckpointQuery.shape.limit as z.ZodType) },
];

const LIST_FILTERS: Param[] = [
  { name: 'site', in: 'query', description: 'Comma-separated site ids', schema: { type: 'string' } },
  { name: 'product', in: 'query', description: 'Comma-separated product keys', schema: { type: 'string' } },
  { name: 'kind', in: 'query', description: `Comma-separated kinds: ${W.AccessRequestKind.options.join(', ')}`, schema: { type: 'string' } },
];

const ROUTES: Route[] = [
  ['get', '/v1/me', 'Who am I: kind, org, roles, sites', null, [200, W.Me]],
  ['get', '/v1/eligibility', 'For the request form: would ticking "allow Support to access my data" give Support access to this product on this site, and if not why and who can (eligibility for a ticket not yet created)', null, [200, W.Eligibility], [
    { name: 'site', in: 'query', description: "Site id or the site's address, e.g. https://acme.atlassian.net", schema: { type: 'string' }, required: true },
    { name: 'product', in: 'query', description: 'Product key, e.g. confluence', schema: { type: 'string' }, required: true },
  ]],
  ['post', '/v1/tickets', 'Raise a ticket with the caller as reporter; grantDataAccess (the consent box) creates its grant in the same transaction (active, or pending_guard_approval on a Guard-restricted site); ticked by someone who may not grant → 403 not-eligible with causes, nothing created', W.TicketCreateBody, [201, W.TicketCreated]],
  ['get', '/v1/tickets/{key}', 'A ticket record (stakeholders only: 403 no_stake for other org users)', null, [200, W.Ticket]],
  ['get', '/v1/tickets/{key}/eligibility', 'May I grant data access for this ticket, and if not why and who can (any org user; scope lists left out without a stake)', null, [200, W.Eligibility]],
  ['get', '/v1/tickets/{key}/grants', "The ticket's grants (data and AI conversations; stakeholders only)", null, [200, W.GrantList]],
  ['post', '/v1/tickets/{key}/grants', 'Grant data access (403 problem with causes when refused)', W.GrantCreateBody, [201, W.GrantCreated]],
  ['post', '/v1/tickets/{key}/ai-grants', 'Grant access to named AI conversations', W.AiGrantBody, [201, W.GrantCreated]],
  ['post', '/v1/tickets/{key}/ask', 'Ask a qualified admin to grant (lands in their inbox; 429 past the per-asker hourly limit)', W.AskBody, [201, W.Ask]],
  ['post', '/v1/tickets/{key}/request-access', 'Support requests data access (engineer)', W.EmptyBody, [201, W.GrantCreated]],
  ['post', '/v1/tickets/{key}/close', "Close the ticket; revokes its grants (engineer)", W.EmptyBody, [200, null]],
  ['get', '/v1/tickets/{key}/activity', "Support's audited actions on the ticket, newest first (stakeholders only; ETag / If-None-Match → 304)", null, [200, z.object({ entries: z.array(W.AuditRow) })], [header('If-None-Match', 'ETag of the activity last read; 304 while unchanged')]],
  ['get', '/v1/grants', 'My visible grants, by state (default active) (ETag / If-None-Match → 304)', null, [200, W.GrantList], [states(W.GrantState, 'active'), header('If-None-Match', 'ETag of the list last read; 304 while unchanged')]],
  ['get', '/v1/grants/{id}', 'One grant, with ETag', null, [200, W.Grant]],
  ['post', '/v1/grants/{id}/revoke', 'Revoke a grant (If-Match honoured)', W.RevokeBody, [200, W.GrantCreated], [IF_MATCH]],
  ['post', '/v1/grants/{id}/guard-decision', 'Guard admin approves or denies (If-Match honoured)', W.GuardDecisionBody, [200, W.GrantCreated], [IF_MATCH]],
  ['get', '/v1/support-requests', "Support's outstanding requests I could grant", null, [200, W.SupportRequestList]],
  ['post', '/v1/support-requests/bulk-grant', 'Grant several tickets; per-row results', W.BulkGrantBody, [200, W.BulkGrantResult]],
  ['post', '/v1/access/check', "Enforcement point: may this engineer read this resource now? (audited)", W.AccessCheckBody, [200, W.AccessDecision]],
  ['get', '/v1/inbox', 'Everything waiting on me (ETag / If-None-Match → 304)', null, [200, W.Inbox], [header('If-None-Match', 'ETag of the inbox last read; 304 while unchanged')]],
  ['post', '/v1/access-requests', 'Request product access (201); the same ask while it is pending answers 200 with that request', W.AccessRequestCreateBody, [201, W.AccessRequest]],
  ['get', '/v1/access-requests', "Product access requests I review (or made), with the person's access, seats and the bar a denial brings", null, [200, W.AccessRequestList], [states(W.AccessRequestState, 'pending'), ...LIST_FILTERS]],
  ['post', '/v1/access-requests/bulk-decision', 'Approve or deny several requests, each in its own transaction; per-request results', W.AccessRequestBulkBody, [200, W.AccessRequestBulkResult]],
  ['get', '/v1/access-requests/context', 'For the caller: may I request this product on this site (by site id or address), for whom, who reviews, my standing bar and my requests for it', null, [200, W.AccessRequestContext], [
    { name: 'site', in: 'query', description: "Site id or the site's address, e.g. https://acme.atlassian.net", schema: { type: 'string' }, required: true },
    { name: 'product', in: 'query', description: 'Product key, e.g. confluence', schema: { type: 'string' }, required: true },
  ]],
  ['get', '/v1/me/access-requests', 'Product access requests I made or that are for me, with state, reviewers and decision (ETag / If-None-Match → 304)', null, [200, W.MyAccessRequestList], [header('If-None-Match', 'ETag of the list last read; 304 while unchanged')]],
  ['get', '/v1/access-requests/{id}', 'One product access request, with ETag', null, [200, W.AccessRequest]],
  ['post', '/v1/access-requests/{id}/approve', 'Approve, with every pending request for the same person, site and product (If-Match honoured; 409 code already_has_access)', W.EmptyBody, [200, W.AccessRequest], [IF_MATCH]],
  ['post', '/v1/access-requests/{id}/deny', 'Deny with an optional message, with every pending request for the same person, site and product (If-Match honoured)', W.AccessRequestDenyBody, [200, W.AccessRequest], [IF_MATCH]],
  ['get', '/v1/audit', 'Audit log: actor (or "support"), ticket, from, to, cursor, limit', null, [200, W.AuditPage], AUDIT_FILTERS],
  ['get', '/v1/audit/verify', 'Verify the hash chain', null, [200, W.AuditVerify]],
  ['get', '/v1/audit/checkpoints', 'Signed checkpoints of the audit chain head, oldest first, with the public key that verifies them (org admins)', null, [200, W.AuditCheckpointPage], CHECKPOINT_PAGING],
  ['get', '/v1/audit/public-key', 'The Ed25519 public key (SPKI PEM) that signs audit checkpoints (org admins)', null, [200, null]],
  ['get', '/v1/audit/stream', 'Audit rows as server-sent events (org admins; Last-Event-ID)', null, [200, null], [LAST_EVENT_ID]],
  ['get', '/v1/events', 'Changes that concern me as server-sent events (Last-Event-ID)', null, [200, null], [LAST_EVENT_ID]],
  ['get', '/healthz', 'Liveness and database kind', null, [200, W.Health]],
  ['get', '/openapi.json', 'This document (OpenAPI 3.1)', null, [200, null]],
];

/** Routes answered without a token. */
const PUBLIC = new Set(['/healthz', '/openapi.json']);

/** Every POST may carry one: a retry with the same key and request gets the first answer. */
const IDEMPOTENCY_KEY = header('Idempotency-Key', 'Up to 200 visible ASCII characters; a retry with the same key and request (method, path, body, If-Match, content type) replays the first answer, another request is 422. 409, 412 and 428 answers are not kept: the key runs again once the precondition is fixed');
/** The enforcement point decides every call anew: a replayed answer could outlive a revoke. */
const NOT_REPLAYED = header('Idempotency-Key', 'Ignored: every check is decided on current state and audited');

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const problem = { description: 'Problem', content: { 'application/problem+json': { schema: schema(W.Problem) } } };
  for (const [method, path, summary, body, [status, ok], extra = []] of ROUTES) {
    const params: Array<Record<string, unknown>> = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    params.push(...extra.map((p) => ({ ...p, required: p.required ?? false })));
    if (method === 'post') params.push({ ...(path === '/v1/access/check' ? NOT_REPLAYED : IDEMPOTENCY_KEY), required: false });
    const sse = path.endsWith('/stream') || path === '/v1/events';
    paths[path] ??= {};
    paths[path][method] = {
      summary,
      ...(params.length ? { parameters: params } : {}),
      ...(PUBLIC.has(path) ? { security: [] } : {}),
      ...(body ? { requestBody: { required: false, content: { 'application/json': { schema: schema(body) } } } } : {}),
      responses: {
        [status]: { description: 'OK', ...(ok ? { content: { 'application/json': { schema: schema(ok) } } } : sse ? { content: { 'text/event-stream': {} } } : {}) },
        '4XX': problem,
        '5XX': problem,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Access Companion — Access API', version: '0.1.0' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
