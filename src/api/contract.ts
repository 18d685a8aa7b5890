// The Access API's contract, declared once: every route's method, path, summary, request body and
// answer, by name, with the zod schemas of src/api/schemas.ts. The server registers its routes from
// it (server/routes/*: `on(r, ROUTES.x, handler)`), /openapi.json is generated from it
// (server/openapi.ts), and the extension's client (client.ts) builds every call from it: no path,
// body shape or answer type is written anywhere else. Runs in the service worker: zod only, no Node.
import type { z } from 'zod';
import * as W from './schemas';
import * as K from './api-key-schemas';
import * as D from './directory-schemas';
import type { ApiKeyScope } from './vocabulary';

/** A documented query or header parameter; `schema` is a zod type or a JSON Schema object. */
export type Param = { name: string; in: 'query' | 'header'; description: string; schema: z.ZodType | Record<string, unknown>; required?: boolean };

/**
 * One route: `path` in OpenAPI form (`/v1/tickets/{key}`); `body` null for none; `ok` null when the
 * answer is not JSON (a stream, a PEM, a 204). `keyScope`: the API-key scope that may call it (a
 * key without it, or on a route without one, gets 403); people's tokens are not affected.
 */
export interface RouteDef<M extends Method = Method, P extends string = string, B extends z.ZodType | null = z.ZodType | null, O extends z.ZodType | null = z.ZodType | null> {
  method: M;
  path: P;
  summary: string;
  body: B;
  status: number;
  ok: O;
  params: Param[];
  keyScope?: ApiKeyScope;
}

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

function route<const M extends Method, const P extends string, B extends z.ZodType | null, O extends z.ZodType | null>(
  method: M,
  path: P,
  summary: string,
  body: B,
  [status, ok]: [number, O],
  params: Param[] = [],
): RouteDef<M, P, B, O> {
  return { method, path, summary, body, status, ok, params };
}

/** The route, callable with an API key that has `scope` too (DESIGN §6). */
const keyScoped = <R extends RouteDef>(scope: ApiKeyScope, def: R): R & { keyScope: ApiKeyScope } => ({ ...def, keyScope: scope });

export const header = (name: string, description: string): Param => ({ name, in: 'header', description, schema: { type: 'string' } });
const states = (e: z.ZodEnum, dflt: string): Param => ({
  name: 'state',
  in: 'query',
  description: `Comma-separated states (default ${dflt}): ${e.options.join(', ')}`,
  schema: { type: 'string', default: dflt },
});

const IF_MATCH = header('If-Match', 'ETag from an earlier read; 412 problem if the resource changed since');
const LAST_EVENT_ID = header(
  'Last-Event-ID',
  'Resume after this event id (sent by EventSource on reconnect). Ids are "<n>.<tag>"; an id this server never issued (a restart, a restored database) gets a `reset` event and a replay from the start',
);
const AUDIT_FILTERS: Param[] = Object.entries(W.AuditQuery.shape).map(([name, s]) => ({
  name,
  in: 'query',
  description:
    {
      actor: 'Actor id, or "support" for every Support engineer',
      ticket: 'Ticket key',
      from: 'From this time (ISO 8601)',
      to: 'Up to this time (ISO 8601)',
      cursor: 'nextCursor of the previous page',
      limit: 'Rows per page (1–500, default 100)',
    }[name] ?? name,
  schema: s as z.ZodType,
}));

const CHECKPOINT_PAGING: Param[] = [
  { name: 'cursor', in: 'query', description: 'nextCursor of the previous page (checkpoints after this row)', schema: W.AuditCheckpointQuery.shape.cursor as z.ZodType },
  { name: 'limit', in: 'query', description: 'Checkpoints per page (1–500, default 100)', schema: W.AuditCheckpointQuery.shape.limit as z.ZodType },
];

const LIST_FILTERS: Param[] = [
  { name: 'site', in: 'query', description: 'Comma-separated site ids', schema: { type: 'string' } },
  { name: 'product', in: 'query', description: 'Comma-separated product keys', schema: { type: 'string' } },
  { name: 'kind', in: 'query', description: `Comma-separated kinds: ${W.AccessRequestKind.options.join(', ')}`, schema: { type: 'string' } },
];

/** Every route of the Access API, by name. */
export const ROUTES = {
  me: route('get', '/v1/me', 'Who am I: kind, org, roles, sites', null, [200, W.Me]),
  newTicketEligibility: route(
    'get',
    '/v1/eligibility',
    'For the request form: would ticking "allow Support to access my data" give Support access to this product on this site, and if not why and who can (eligibility for a ticket not yet created)',
    null,
    [200, W.Eligibility],
    [
      { name: 'site', in: 'query', description: "Site id or the site's address, e.g. https://acme.atlassian.net", schema: { type: 'string' }, required: true },
      { name: 'product', in: 'query', description: 'Product key, e.g. confluence', schema: { type: 'string' }, required: true },
    ],
  ),
  createTicket: route(
    'post',
    '/v1/tickets',
    'Raise a ticket with the caller as reporter; grantDataAccess (the consent box) creates its grant in the same transaction (active, or pending_guard_approval on a Guard-restricted site); ticked by someone who may not grant → 403 not-eligible with causes, nothing created',
    W.TicketCreateBody,
    [201, W.TicketCreated],
  ),
  ticket: route('get', '/v1/tickets/{key}', 'A ticket record (stakeholders only: 403 no_stake for other org users)', null, [200, W.Ticket]),
  eligibility: route('get', '/v1/tickets/{key}/eligibility', 'May I grant data access for this ticket, and if not why and who can (any org user; scope lists left out without a stake)', null, [
    200,
    W.Eligibility,
  ]),
  ticketView: route(
    'get',
    '/v1/tickets/{key}/view',
    "The ticket panel's answer in one read: eligibility, and with a stake the ticket, its grants, change requests and Support activity; the caller's open asks; and the actions the API allows this caller on the ticket, each grant and each change request, decided by the rules the write routes enforce (any org admin; ETag / If-None-Match → 304)",
    null,
    [200, W.TicketViewAnswer],
    [header('If-None-Match', 'ETag of the view last read; 304 while unchanged')],
  ),
  ticketGrants: route('get', '/v1/tickets/{key}/grants', "The ticket's grants (data and AI conversations; stakeholders only)", null, [200, W.GrantList]),
  grant: route('post', '/v1/tickets/{key}/grants', 'Grant data access (403 problem with causes when refused)', W.GrantCreateBody, [201, W.GrantCreated]),
  grantAiConversations: route('post', '/v1/tickets/{key}/ai-grants', 'Grant access to named AI conversations', W.AiGrantBody, [201, W.GrantCreated]),
  ask: route('post', '/v1/tickets/{key}/ask', 'Ask a qualified admin to grant (lands in their inbox; 429 past the per-asker hourly limit)', W.AskBody, [201, W.Ask]),
  requestAccess: route('post', '/v1/tickets/{key}/request-access', 'Support requests data access (engineer)', W.EmptyBody, [201, W.GrantCreated]),
  closeTicket: route('post', '/v1/tickets/{key}/close', 'Close the ticket; revokes its grants (engineer)', W.EmptyBody, [200, W.TicketClosed]),
  activity: route(
    'get',
    '/v1/tickets/{key}/activity',
    "Support's audited actions on the ticket, newest first (stakeholders only; ETag / If-None-Match → 304)",
    null,
    [200, W.ActivityPage],
    [header('If-None-Match', 'ETag of the activity last read; 304 while unchanged')],
  ),
  grants: route(
    'get',
    '/v1/grants',
    'My visible grants, by state (default active) (ETag / If-None-Match → 304)',
    null,
    [200, W.GrantList],
    [states(W.GrantState, 'active'), header('If-None-Match', 'ETag of the list last read; 304 while unchanged')],
  ),
  getGrant: route('get', '/v1/grants/{id}', 'One grant, with ETag', null, [200, W.Grant]),
  revoke: route('post', '/v1/grants/{id}/revoke', 'Revoke a grant (If-Match honoured)', W.RevokeBody, [200, W.GrantCreated], [IF_MATCH]),
  guardDecision: route(
    'post',
    '/v1/grants/{id}/guard-decision',
    "Guard admin approves or denies, optionally with a message (a denial's reason, kept on the grant and in the audit row; If-Match honoured)",
    W.GuardDecisionBody,
    [200, W.GrantCreated],
    [IF_MATCH],
  ),
  supportRequests: route('get', '/v1/support-requests', "Support's outstanding requests I could grant", null, [200, W.SupportRequestList]),
  bulkGrant: route('post', '/v1/support-requests/bulk-grant', 'Grant several tickets; per-row results', W.BulkGrantBody, [200, W.BulkGrantResult]),
  checkAccess: keyScoped(
    'access_check',
    route(
      'post',
      '/v1/access/check',
      'Enforcement point: may this engineer do `action` on this resource now? Absent action = "read" (the grant decides); "change_permissions" is allowed under an active grant on permission-holding resources (project, group, user, permission_config) and shown to the admins live with `change`; any other action is a change, allowed only under an approved change request naming that action on that canonical resource (once or until its end). Every call is audited; a non-string action is a 400; an access_check API key checks as its engineer',
      W.AccessCheckBody,
      [200, W.AccessDecision],
    ),
  ),
  createChangeRequest: route(
    'post',
    '/v1/tickets/{key}/change-requests',
    "Support (the ticket's engineer) asks for consent to one change: action on a named resource, why, for how long (duration from approval, or until); once by default. Lands in the inbox of the admins who may grant for the ticket",
    W.ChangeRequestCreateBody,
    [201, W.ChangeRequest],
  ),
  ticketChangeRequests: route('get', '/v1/tickets/{key}/change-requests', "The ticket's change requests, newest first (stakeholders only)", null, [200, W.ChangeRequestList]),
  changeRequest: route('get', '/v1/change-requests/{id}', 'One change request, with ETag (stakeholders of its ticket)', null, [200, W.ChangeRequest]),
  approveChangeRequest: route(
    'post',
    '/v1/change-requests/{id}/approve',
    'Consent to the change (admins who may grant for the ticket: 403 not-eligible with causes otherwise; needs the active data grant it will live under: 409 no_active_grant). On a Guard-restricted site it waits on Guard (If-Match honoured)',
    W.EmptyBody,
    [200, W.ChangeRequest],
    [IF_MATCH],
  ),
  declineChangeRequest: route(
    'post',
    '/v1/change-requests/{id}/decline',
    'Decline the change, with an optional message (admins who may grant for the ticket; If-Match honoured)',
    W.ChangeRequestDeclineBody,
    [200, W.ChangeRequest],
    [IF_MATCH],
  ),
  guardDecideChangeRequest: route(
    'post',
    '/v1/change-requests/{id}/guard-decision',
    'Guard admin approves or denies a change waiting on Guard (not the admin who approved it)',
    W.GuardDecisionBody,
    [200, W.ChangeRequest],
    [IF_MATCH],
  ),
  inbox: route('get', '/v1/inbox', 'Everything waiting on me (ETag / If-None-Match → 304)', null, [200, W.Inbox], [header('If-None-Match', 'ETag of the inbox last read; 304 while unchanged')]),
  requestProductAccess: route('post', '/v1/access-requests', 'Request product access (201); the same ask while it is pending answers 200 with that request', W.AccessRequestCreateBody, [
    201,
    W.AccessRequest,
  ]),
  accessRequests: route(
    'get',
    '/v1/access-requests',
    "Product access requests I review (or made), with the person's access, seats and the bar a denial brings",
    null,
    [200, W.AccessRequestList],
    [states(W.AccessRequestState, 'pending'), ...LIST_FILTERS],
  ),
  bulkDecideAccessRequests: route('post', '/v1/access-requests/bulk-decision', 'Approve or deny several requests, each in its own transaction; per-request results', W.AccessRequestBulkBody, [
    200,
    W.AccessRequestBulkResult,
  ]),
  accessRequestContext: route(
    'get',
    '/v1/access-requests/context',
    'For the caller: may I request this product on this site (by site id or address), for whom, who reviews, my standing bar and my requests for it',
    null,
    [200, W.AccessRequestContext],
    [
      { name: 'site', in: 'query', description: "Site id or the site's address, e.g. https://acme.atlassian.net", schema: { type: 'string' }, required: true },
      { name: 'product', in: 'query', description: 'Product key, e.g. confluence', schema: { type: 'string' }, required: true },
    ],
  ),
  myAccessRequests: route(
    'get',
    '/v1/me/access-requests',
    'Product access requests I made or that are for me, with state, reviewers and decision (ETag / If-None-Match → 304)',
    null,
    [200, W.MyAccessRequestList],
    [header('If-None-Match', 'ETag of the list last read; 304 while unchanged')],
  ),
  accessRequest: route('get', '/v1/access-requests/{id}', 'One product access request, with ETag', null, [200, W.AccessRequest]),
  approveAccessRequest: route(
    'post',
    '/v1/access-requests/{id}/approve',
    'Approve, with every pending request for the same person, site and product (If-Match honoured; 409 code already_has_access)',
    W.EmptyBody,
    [200, W.AccessRequest],
    [IF_MATCH],
  ),
  denyAccessRequest: route(
    'post',
    '/v1/access-requests/{id}/deny',
    'Deny with an optional message, with every pending request for the same person, site and product (If-Match honoured)',
    W.AccessRequestDenyBody,
    [200, W.AccessRequest],
    [IF_MATCH],
  ),
  audit: keyScoped('audit_read', route('get', '/v1/audit', 'Audit log: actor (or "support"), ticket, from, to, cursor, limit', null, [200, W.AuditPage], AUDIT_FILTERS)),
  verifyAudit: keyScoped('audit_read', route('get', '/v1/audit/verify', 'Verify the hash chain', null, [200, W.AuditVerify])),
  auditCheckpoints: keyScoped(
    'audit_read',
    route(
      'get',
      '/v1/audit/checkpoints',
      'Signed checkpoints of the audit chain head, oldest first, with the public key that verifies them (org admins)',
      null,
      [200, W.AuditCheckpointPage],
      CHECKPOINT_PAGING,
    ),
  ),
  auditPublicKey: keyScoped('audit_read', route('get', '/v1/audit/public-key', 'The Ed25519 public key (SPKI PEM) that signs audit checkpoints (org admins)', null, [200, null])),
  auditStream: keyScoped(
    'audit_read',
    route(
      'get',
      '/v1/audit/stream',
      'Audit rows as server-sent events (org admins; Last-Event-ID; 429 past the open-stream caps: 4 per token, 8 per person, the server budget)',
      null,
      [200, null],
      [LAST_EVENT_ID],
    ),
  ),
  createApiKey: route(
    'post',
    '/v1/api-keys',
    'Make an API key for a machine caller (org admins): the answer carries its secret, shown this once and never stored (the API keeps its SHA-256); Idempotency-Key is ignored so no copy of the secret is kept',
    K.ApiKeyCreateBody,
    [201, K.ApiKeyCreated],
  ),
  apiKeys: route('get', '/v1/api-keys', "The org's API keys, without secrets, and the engineers an access_check key may check as (org admins)", null, [200, K.ApiKeyList]),
  deleteApiKey: route('delete', '/v1/api-keys/{id}', 'Delete an API key (org admins): refused (401) from its next use, by every API process', null, [204, null]),
  createRoleAssignment: route(
    'post',
    '/v1/role-assignments',
    "Assign a role to a person or a group (org admins), validated like the world file: a role foreign to the org's experience, an unknown person, group, site or product, a product not on the site → 422 problem naming it. Seen by the next decision in every API process; one audit row",
    D.RoleAssignmentCreateBody,
    [201, D.RoleAssignment],
  ),
  roleAssignments: route(
    'get',
    '/v1/role-assignments',
    "The org's role assignments, to people and groups (org admins); filter by user (their own, not their groups') or group",
    null,
    [200, D.RoleAssignmentList],
    [
      { name: 'user', in: 'query', description: 'Person id: their own assignments', schema: { type: 'string' } },
      { name: 'group', in: 'query', description: "Group id: the group's assignments", schema: { type: 'string' } },
    ],
  ),
  deleteRoleAssignment: route(
    'delete',
    '/v1/role-assignments/{id}',
    'Remove a role assignment (org admins): the next decision in every API process no longer sees it; grants its holders made stay, flagged for org admins',
    null,
    [204, null],
  ),
  grantors: route(
    'get',
    '/v1/directory/grantors',
    'Who may grant data access for a product on a site now, and through which role or group (org admins): the most relevant first, at most `limit`, with the total; the groups that bring people in',
    null,
    [200, D.GrantorList],
    [
      { name: 'site', in: 'query', description: 'Site id', schema: { type: 'string' }, required: true },
      { name: 'product', in: 'query', description: 'Product key', schema: { type: 'string' }, required: true },
      { name: 'limit', in: 'query', description: 'Most people listed (1–100, default 20)', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
    ],
  ),
  directoryLookup: route(
    'get',
    '/v1/directory/lookup',
    'People and groups whose name, email or id contains q (org admins; at most 20 of each), to name a role assignment',
    null,
    [200, D.DirectoryLookup],
    [{ name: 'q', in: 'query', description: 'Text to look for (case-insensitive); empty lists the first 20', schema: { type: 'string' } }],
  ),
  directorySites: route(
    'get',
    '/v1/directory/sites',
    "The org's user-management experience and its sites with their products by name (org admins), for picking where to see and change who can grant",
    null,
    [200, D.DirectorySites],
  ),
  directorySync: route('get', '/v1/directory/sync', "When the directory last heard from the org's identity provider (any signed-in person of the org)", null, [200, D.DirectorySync]),
  flaggedGrants: route(
    'get',
    '/v1/directory/flagged-grants',
    'Live grants (active or waiting on Guard) made by someone who no longer could: deactivated, removed or demoted (org admins); each carries grantedByNoLongerCan: true. Revoke with POST /v1/grants/{id}/revoke',
    null,
    [200, W.GrantList],
  ),
  setSiteStatus: route(
    'post',
    '/v1/sites/{id}/status',
    "The vendor's side (support system or engineer): a site pending deletion accepts tickets and refuses grants; its grants stop allowing access at once",
    D.SiteStatusBody,
    [200, D.SiteState],
  ),
  setSiteGuard: route(
    'post',
    '/v1/sites/{id}/guard',
    "The vendor's side (support system or engineer): Guard support-access restriction on or off. Turned on, the site's active grants wait for Guard approval again (pending_guard_approval)",
    D.SiteGuardBody,
    [200, D.SiteState],
  ),
  assignTicket: route(
    'post',
    '/v1/tickets/{key}/assign',
    "The vendor's side (support system or engineer): reassign the ticket to another engineer. The previous engineer's access ends at once; the ticket's grants serve the new one",
    D.TicketAssignBody,
    [200, D.TicketAssigned],
  ),
  events: route(
    'get',
    '/v1/events',
    'Changes that concern me as server-sent events (Last-Event-ID; 429 past the open-stream caps: 4 per token, 8 per person, the server budget)',
    null,
    [200, null],
    [LAST_EVENT_ID],
  ),
  authConfig: route('get', '/v1/auth/config', "The org's OpenID Connect provider: issuer, client id and scopes (no credentials; 404 when the org has none)", null, [200, W.AuthConfig]),
  createSession: route(
    'post',
    '/v1/auth/session',
    "Sign in: exchange an ID token from the org's provider, sent as the bearer token, for an API session of at most an hour (no API credential needed; every unfit ID token is 401)",
    W.SessionCreateBody,
    [201, W.SessionCreated],
  ),
  signOut: route('post', '/v1/auth/sign-out', 'End the API session this request is made with, on every API process at once (personal access tokens have no session: ended false)', W.EmptyBody, [
    200,
    W.SignedOut,
  ]),
  health: route('get', '/healthz', 'Liveness, database kind and whether acknowledged writes are synced to disk (503 with ok: false once the storage failed)', null, [200, W.Health]),
  openapi: route('get', '/openapi.json', 'This document (OpenAPI 3.1)', null, [200, null]),
} as const;

/** Routes answered without a token. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set([ROUTES.health.path, ROUTES.openapi.path, ROUTES.authConfig.path]);

/** The `{name}` parameters of an OpenAPI path, as an object type: `/v1/tickets/{key}` → `{ key: string }`. */
export type PathParams<P extends string> = P extends `${string}{${infer K}}${infer Rest}` ? { [k in K]: string } & PathParams<Rest> : unknown;

/** The path with its parameters filled in, each URI-encoded. */
export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_m, k: string) => {
    const v = params[k];
    if (v === undefined) throw new TypeError(`missing path parameter ${k} for ${path}`);
    return encodeURIComponent(v);
  });
}

/** The path as Hono declares it under `prefix`: `/v1/tickets/{key}` under `/v1` → `/tickets/:key`. */
export function honoPath(path: string, prefix = ''): string {
  if (!path.startsWith(prefix)) throw new TypeError(`${path} is not under ${prefix}`);
  return path.slice(prefix.length).replace(/\{(\w+)\}/g, ':$1');
}

/** How the server names a route: `POST /v1/tickets/:key/grants` (method and Hono path). */
export function routeKey(def: RouteDef): string {
  return `${def.method.toUpperCase()} ${honoPath(def.path)}`;
}
