// Wire schemas of the Access API. The server validates requests with them, the OpenAPI document is
// generated from them, and the extension's client takes its types from them. No Node imports here.
import { z } from 'zod';
import {
  ACCESS_REQUEST_STATES,
  AUDIT_ACTIONS,
  CHANGE_REQUEST_STATES,
  GRANT_STATES,
  MAX_ACTION_LENGTH,
  MAX_CHANGE_LENGTH,
  MAX_ID_LENGTH,
  MAX_MESSAGE_LENGTH,
  RESOURCE_TYPES,
  ROLE_NAMES,
  TICKET_KEY_MAX_LENGTH,
} from './vocabulary';

// The vocabulary's closed lists as zod enums (labels: vocabulary.ts).
export const AuditAction = z.enum(AUDIT_ACTIONS);
export const Role = z.enum(ROLE_NAMES);
export const GrantState = z.enum(GRANT_STATES);
export const AccessRequestState = z.enum(ACCESS_REQUEST_STATES);
export const ChangeRequestState = z.enum(CHANGE_REQUEST_STATES);

/**
 * PostgreSQL text and jsonb cannot hold a NUL character, and a lone surrogate is not valid UTF-8.
 * Every string a client sends is checked here, so such a value is a 400 naming its field instead
 * of a store error in the middle of a transaction (where it would fail its neighbours too).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what the store cannot hold.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const isStorableText = (v: string): boolean => !UNSTORABLE.test(v);
const storable = <S extends z.ZodString>(s: S) => s.refine(isStorableText, { error: 'must not contain NUL characters or unpaired surrogates' });

const id = storable(z.string().min(1).max(MAX_ID_LENGTH));
const short = (max: number) => storable(z.string().max(max));
/** A ticket key as a client sends it; its shape is checked where a key is looked up, so an unknown one is refused and audited, not a 400. */
const ticketKey = storable(z.string().min(1).max(TICKET_KEY_MAX_LENGTH));
const message = short(MAX_MESSAGE_LENGTH);

export { RESOURCE_TYPES };

// ---- requests ----

export const GrantCreateBody = z.object({ note: message.optional() }).strict();
/** `message`: why (a denial's reason), recorded in the audit row and shown to the granter. */
export const GuardDecisionBody = z.object({ decision: z.enum(['approve', 'deny']), message: message.optional() }).strict();
export const RevokeBody = z.object({ reason: message.optional() }).strict();
export const AiGrantBody = z.object({ conversations: z.array(id).min(1).max(100) }).strict();
export const AskBody = z.object({ adminId: id, message: message.optional() }).strict();
export const BulkGrantBody = z.object({ tickets: z.array(ticketKey).min(1).max(200) }).strict();
export const EmptyBody = z.object({}).strict();
const ResourceObject = z
  .object({
    type: z.enum(RESOURCE_TYPES),
    id: short(500).optional(),
    site: short(200).optional(),
    product: short(200).optional(),
    conversation: short(500).optional(),
    project: short(200).optional(),
  })
  .strict()
  // The decision reads one conversation; a second, different one would be logged but ignored.
  .refine((r) => r.type !== 'ai_conversation' || r.id === undefined || r.conversation === undefined || r.id === r.conversation, {
    error: 'an ai_conversation is ambiguous when id and conversation differ; send one of them',
  })
  .refine((r) => r.type === 'ai_conversation' || r.conversation === undefined, { error: 'only an ai_conversation names a conversation' })
  .refine((r) => r.type === 'workflow' || r.project === undefined, { error: 'only a workflow names the project it is in' });
/** Short form for scripts and SIEM rules: "page", "work_item:PS-1", "ai_conversation:conv-7". */
const ResourceString = short(600).transform((v, ctx) => {
  const i = v.indexOf(':');
  const type = (i < 0 ? v : v.slice(0, i)) as (typeof RESOURCE_TYPES)[number];
  const rest = i < 0 ? undefined : v.slice(i + 1) || undefined;
  if (!RESOURCE_TYPES.includes(type)) {
    ctx.addIssue({ code: 'custom', message: `resource type must be one of ${RESOURCE_TYPES.join(', ')}` });
    return z.NEVER;
  }
  return type === 'ai_conversation' ? { type, conversation: rest } : { type, id: rest };
});
/** What a client is told when its resource fits neither form. */
const RESOURCE_FORMS = `resource must be a string "type" or "type:id" (e.g. "work_item:PS-1", "ai_conversation:conv-7"), or an object {type, id?, site?, product?, conversation?, project?}; type is one of ${RESOURCE_TYPES.join(', ')}`;
const resource = z.union([ResourceObject, ResourceString], { error: RESOURCE_FORMS });
/** An action a check or a change request names: `read`, `change_permissions`, or a change (`update`, `delete`, `run_test`, …), matched exactly. */
const action = storable(z.string({ error: 'action must be a string: "read", "change_permissions", or the change (e.g. "update")' }).min(1).max(MAX_ACTION_LENGTH));
export const AccessCheckBody = z
  .object({
    ticket: ticketKey,
    resource,
    /** Absent: "read". */
    action: action.optional(),
    /** What a change did, in words an admin reads ("added sam to project PS viewers"); shown with a permission change, recorded with any change. */
    change: storable(z.string().trim().min(1).max(MAX_CHANGE_LENGTH)).optional(),
  })
  .strict()
  .refine((b) => b.change === undefined || (b.action !== undefined && b.action !== 'read'), { error: 'change describes a change: a read changes nothing', path: ['change'] });
/** Support asks for consent to one change: what (action on resource), why, and for how long (an ISO 8601 duration from approval, or an end). */
export const ChangeRequestCreateBody = z
  .object({
    action,
    resource,
    reason: storable(z.string().trim().min(1).max(MAX_MESSAGE_LENGTH)),
    once: z.boolean().optional(),
    duration: short(40).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .refine((b) => (b.duration === undefined) !== (b.until === undefined), { error: 'give how long the consent lasts: duration (e.g. "PT2H") or until, not both' });
export const ChangeRequestDeclineBody = z.object({ message: message.optional() }).strict();
export const AccessRequestCreateBody = z
  .object({
    site: id,
    product: id,
    for: z.union([z.object({ userId: id }).strict(), z.object({ email: storable(z.string().min(3).max(320)) }).strict()]).optional(),
  })
  .strict();
/** Raise a ticket (the request form); `grantDataAccess` is the consent box. */
export const TicketCreateBody = z
  .object({
    site: id,
    product: id,
    summary: storable(z.string().trim().min(1).max(255)),
    description: short(10_000).optional(),
    grantDataAccess: z.boolean(),
  })
  .strict();
/** Eligibility for a ticket not yet created: the product and the site (id or address) the form names. */
export const NewTicketEligibilityQuery = z.object({ site: id, product: id });
export const AccessRequestDenyBody = z.object({ message: message.optional() }).strict();
const ACCESS_REQUEST_KINDS = ['self_on_site', 'self_off_site', 'teammate', 'new_person'] as const;
export const AccessRequestKind = z.enum(ACCESS_REQUEST_KINDS);
const csvItems = short(2000).transform((v) =>
  v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const csv = () => csvItems.pipe(z.array(id).max(50));
const csvOf = <const T extends readonly [string, ...string[]]>(values: T) => csvItems.pipe(z.array(z.enum(values)).max(50));
/** List filters: each a comma-separated list; absent means any. */
export const AccessRequestQuery = z.object({
  state: csvOf(['pending', 'approved', 'denied']).optional(),
  site: csv().optional(),
  product: csv().optional(),
  kind: csvOf(ACCESS_REQUEST_KINDS).optional(),
});
/** Each request is decided in its own transaction; `message` goes with every denial. */
export const AccessRequestBulkBody = z
  .object({
    ids: z.array(id).min(1).max(100),
    decision: z.enum(['approve', 'deny']),
    message: message.optional(),
  })
  .strict();
export const AuditQuery = z.object({
  actor: short(200).optional(),
  ticket: short(TICKET_KEY_MAX_LENGTH).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

// ---- answers ----

export const Cause = z.object({
  code: z.string(),
  message: z.string(),
  fix: z.string(),
  /** On `scim_not_synced` only: when the org's identity provider (SCIM) last changed this person, ISO 8601; null when it never has. */
  lastSyncedAt: z.string().nullable().optional(),
});
export const QualifiedAdmin = z.object({ userId: z.string(), name: z.string(), role: z.string() });
export const Scope = z.object({
  product: z.string(),
  site: z.string(),
  siteUrl: z.string(),
  includes: z.array(z.string()),
  excludes: z.array(z.string()),
  summary: z.string(),
});
export const Eligibility = z.object({
  allowed: z.boolean(),
  via: z.string().nullable(),
  causes: z.array(Cause),
  /** The most relevant first (strongest role, then name), at most 20: a group of thousands holding a role does not list them all. */
  qualifiedAdmins: z.array(QualifiedAdmin),
  /** How many people qualify in all (present when the list was cut short). */
  qualifiedAdminsTotal: z.number().int().optional(),
  guardApprovalRequired: z.boolean(),
  scope: Scope,
});
export const Grant = z.object({
  id: z.string(),
  kind: z.enum(['data', 'ai_conversations']),
  ticket: z.string(),
  site: z.string(),
  product: z.string(),
  engineer: z.string(),
  state: GrantState,
  conversations: z.array(z.string()).optional(),
  requestedAt: z.string().optional(),
  grantedBy: z.string().optional(),
  /** Org admins only: the granter could not grant this now (deactivated, removed or demoted); the grant stands until revoked. */
  grantedByNoLongerCan: z.boolean().optional(),
  grantedAt: z.string().optional(),
  guardDecidedBy: z.string().optional(),
  guardDecidedAt: z.string().optional(),
  guardMessage: z.string().optional(),
  revokedBy: z.string().optional(),
  revokedAt: z.string().optional(),
  revokeReason: z.enum(['admin', 'ticket_closed']).optional(),
  version: z.number().int(),
});
export const GrantCreated = z.object({ id: z.string(), state: GrantState });
/** `people`: display names by id for the engineers and admins the grants mention. */
export const GrantList = z.object({ grants: z.array(Grant), people: z.record(z.string(), z.string()).optional() });
/** An AI (Rovo) conversation Support asked to read: `owner` a user id, `ownerName` their name. */
export const AiConversation = z.object({ id: z.string(), title: z.string().optional(), owner: z.string().optional(), ownerName: z.string().optional() });
export const Ticket = z.object({
  key: z.string(),
  title: z.string(),
  site: z.string(),
  siteUrl: z.string(),
  product: z.string(),
  productName: z.string(),
  status: z.enum(['open', 'closed']),
  /** What the reporter wrote (tickets raised through the API only). */
  description: z.string().optional(),
  reporter: z.string(),
  engineer: z.string(),
  dataAccessRequested: z.boolean(),
  aiConversationsRequested: z.array(z.string()),
  /** The requested conversations in the same order, each with its title and owner where the vendor knows them. */
  aiConversations: z.array(AiConversation).optional(),
  guardAdmins: z.array(z.object({ userId: z.string(), name: z.string() })),
});
/** A raised ticket, and the grant its consent box made (absent when the box was not ticked). */
export const TicketCreated = z.object({ ticket: Ticket, grant: GrantCreated.optional() });
export const Me = z.object({
  kind: z.enum(['admin', 'engineer']),
  id: z.string(),
  name: z.string(),
  email: z.string(),
  org: z.object({ id: z.string(), name: z.string(), userManagement: z.enum(['centralized', 'original']) }),
  roles: z.array(z.object({ role: z.string(), site: z.string().optional(), product: z.string().optional(), products: z.array(z.string()).optional(), pendingSync: z.boolean().optional() })),
  sites: z.array(z.object({ id: z.string(), url: z.string(), status: z.string() })),
  /**
   * What the API lets me do beyond my tickets, decided by the checks those routes make: read the
   * audit log (its filters, verify, checkpoints, stream), manage API keys, decide Guard holds.
   */
  capabilities: z.array(z.enum(['read_audit', 'manage_api_keys', 'decide_guard'])),
  /** When the org's identity provider last changed this person (SCIM), null if never: the panel says it beside a role waiting on sync. */
  lastSyncedAt: z.string().nullable().optional(),
  /** The group each role comes through, by role index (absent: the person's own). */
  roleGroups: z.array(z.string().nullable()).optional(),
});
export const SupportRequest = z.object({
  grantId: z.string(),
  ticket: z.string(),
  title: z.string(),
  site: z.string(),
  siteUrl: z.string(),
  product: z.string(),
  engineer: z.string(),
  /** The assigned Support engineer's display name. */
  engineerName: z.string(),
  requestedAt: z.string().optional(),
  eligibility: Eligibility,
  /** What the API allows me on this ticket now: `grant`, decided by the rule the grant route enforces (absent from older APIs). */
  actions: z.array(z.enum(['grant'])).optional(),
});
export const SupportRequestList = z.object({ requests: z.array(SupportRequest) });
export const BulkGrantRow = z.object({
  ticket: z.string(),
  ok: z.boolean(),
  status: z.number().int(),
  id: z.string().optional(),
  state: GrantState.optional(),
  causes: z.array(Cause).optional(),
  reason: z.string().optional(),
  type: z.string().optional(),
});
export const BulkGrantResult = z.object({ results: z.array(BulkGrantRow) });
export const AccessDecision = z.object({ allowed: z.boolean(), reason: z.string(), grantId: z.string().optional(), consentId: z.string().optional() });
export const ResourceWire = z.object({
  type: z.string(),
  id: z.string().optional(),
  site: z.string().optional(),
  product: z.string().optional(),
  conversation: z.string().optional(),
  project: z.string().optional(),
});
export const ChangeRequest = z.object({
  id: z.string(),
  ticket: z.string(),
  site: z.string(),
  product: z.string(),
  engineer: z.string(),
  action: z.string(),
  resource: ResourceWire,
  /** The change in words: "update workflow 'Bug' in project PS". */
  summary: z.string(),
  reason: z.string(),
  once: z.boolean(),
  duration: z.string().optional(),
  until: z.string().optional(),
  state: ChangeRequestState,
  createdAt: z.string(),
  approvedBy: z.string().optional(),
  approvedAt: z.string().optional(),
  guardDecidedBy: z.string().optional(),
  guardDecidedAt: z.string().optional(),
  endsAt: z.string().optional(),
  grantId: z.string().optional(),
  declinedBy: z.string().optional(),
  declinedAt: z.string().optional(),
  message: z.string().optional(),
  usedAt: z.string().optional(),
  endedAt: z.string().optional(),
  endReason: z.enum(['grant_revoked', 'ticket_closed']).optional(),
  version: z.number().int(),
});
export const ChangeRequestList = z.object({ changeRequests: z.array(ChangeRequest), people: z.record(z.string(), z.string()) });
export const AuditRow = z.object({
  seq: z.number().int(),
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  /** `key`: a machine caller's API key; `actor` is the key's id and `detail.keyName` its name. */
  actorKind: z.enum(['admin', 'engineer', 'system', 'key']),
  actorName: z.string(),
  action: z.string(),
  /** On /v1/audit: what the row is about in words (people, tickets and products by name), when it names something. */
  resourceName: z.string().optional(),
  ticket: z.string().nullable(),
  resource: z.unknown(),
  outcome: z.string(),
  detail: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
});
/** `total`: rows matching the filter across all pages (on /v1/audit). */
/** A closed ticket and the grants closing it revoked. */
/** A change Support made on a ticket (an allowed change check), as listed when the ticket closes. */
export const ChangeMade = z.object({ at: z.string(), action: z.string(), resource: ResourceWire, summary: z.string(), change: z.string().optional(), consentId: z.string().optional() });
export const TicketClosed = z.object({
  key: z.string(),
  status: z.literal('closed'),
  revoked: z.array(z.string()),
  /** Change requests the close ended. */
  endedChangeRequests: z.array(z.string()),
  /** Every change Support made on the ticket (permission changes and consented changes), oldest first. */
  changesMade: z.array(ChangeMade),
});
/** A ticket's Support activity: every row in its window, newest first (not paged). */
export const ActivityPage = z.object({ entries: z.array(AuditRow) });
/**
 * Actions on a ticket the API allows this caller now (the ticket panel's view answer): decided by
 * the same rules the write routes enforce, so an offered action succeeds unless something changed
 * since, and a withheld one is refused.
 * - `ticket`: `grant` (data access), `grant_ai_conversations` (the conversations Support asked for);
 * - `ask`: the admins this caller may ask to grant (user ids);
 * - `grants` / `changeRequests`: by id, what the caller may do to that grant or change request.
 */
export const TicketActions = z.object({
  ticket: z.array(z.enum(['grant', 'grant_ai_conversations'])),
  ask: z.array(z.string()),
  grants: z.record(z.string(), z.array(z.enum(['revoke', 'guard_approve', 'guard_deny']))),
  changeRequests: z.record(z.string(), z.array(z.enum(['approve', 'decline', 'guard_approve', 'guard_deny']))),
});
/** An ask this caller sent on the ticket that is still open (the ticket is not granted or closed since). */
export const OpenAsk = z.object({ id: z.string(), adminId: z.string(), createdAt: z.string() });
/**
 * Everything the ticket panel shows, in one answer with one load of the ticket and one decision on
 * the caller: eligibility for any org user; the ticket, its grants, change requests, Support's
 * activity and Guard admins only with a stake (`stake` not `none`; otherwise those are empty and
 * `ticket` is absent); the caller's open asks; display names; the actions allowed to this caller.
 */
export const TicketViewAnswer = z.object({
  key: z.string(),
  stake: z.enum(['org_admin', 'could_grant', 'reporter', 'guard_admin', 'none']),
  ticket: Ticket.optional(),
  eligibility: Eligibility,
  grants: z.array(Grant),
  changeRequests: z.array(ChangeRequest),
  activity: z.array(AuditRow),
  asks: z.array(OpenAsk),
  people: z.record(z.string(), z.string()),
  actions: TicketActions,
});
export const AuditPage = z.object({ entries: z.array(AuditRow), nextCursor: z.string().nullable(), total: z.number().int().optional() });
/** A signed head: `note` is the signed-note text verifiers check; the other fields are read from it. */
export const AuditCheckpoint = z.object({ seq: z.number().int(), hash: z.string(), at: z.string(), org: z.string(), keyId: z.string(), signature: z.string(), note: z.string() });
export const AuditCheckpointQuery = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,15}$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
export const AuditCheckpointPage = z.object({ checkpoints: z.array(AuditCheckpoint), nextCursor: z.string().nullable(), publicKey: z.string().nullable(), keyId: z.string().nullable() });
export const AuditVerify = z.object({
  ok: z.boolean(),
  /** Rows whose hash was checked. */
  rows: z.number().int(),
  /** The first row that disagrees. */
  firstBrokenRow: z.number().int().optional(),
  reason: z.string().optional(),
  /** Signed heads the rows were compared with. */
  checkpoints: z.number().int().optional(),
  /** The newest signed row the log agrees with. */
  lastCheckpoint: z.number().int().optional(),
  /** Set when no public key was given: what the check cannot detect. */
  warning: z.string().optional(),
});
export const InboxKind = z.enum(['support_request', 'guard_approval', 'access_request', 'ask', 'change_request', 'change_guard_approval']);
export type InboxKind = z.infer<typeof InboxKind>;
export const InboxItem = z.object({
  id: z.string(),
  kind: InboxKind,
  title: z.string(),
  ticket: z.string().optional(),
  createdAt: z.string(),
  link: z.string(),
});
export const Inbox = z.object({ items: z.array(InboxItem) });
export const AccessRequest = z.object({
  id: z.string(),
  site: z.string(),
  siteUrl: z.string(),
  product: z.string(),
  productName: z.string(),
  requestedBy: z.string(),
  for: z.union([z.object({ userId: z.string() }), z.object({ email: z.string() })]),
  self: z.boolean(),
  requesterOnSite: z.boolean(),
  state: AccessRequestState,
  createdAt: z.string(),
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  message: z.string().optional(),
  /** Decided together with this other request for the same person, site and product. */
  decidedWith: z.string().optional(),
  version: z.number().int(),
  /** self_on_site, self_off_site (denying bars them), teammate (a site user), new_person (by email). */
  kind: AccessRequestKind,
  requester: z.object({ id: z.string(), name: z.string(), email: z.string(), emailVerified: z.boolean(), onSite: z.boolean(), sites: z.array(z.string()) }),
  forUser: z.object({ id: z.string().optional(), name: z.string().optional(), email: z.string() }).optional(),
  /** The person the access is for, and the access they already have. */
  person: z.object({
    /** One key per person however their email was written (normalized email; `user:<id>` without one): count people by it. */
    key: z.string(),
    name: z.string().optional(),
    email: z.string(),
    hasAccount: z.boolean(),
    /** Unknown (absent) for a person without an account. */
    emailVerified: z.boolean().optional(),
    onSite: z.boolean(),
    sites: z.array(z.object({ id: z.string(), url: z.string() })),
    products: z.array(z.object({ site: z.string(), siteUrl: z.string(), product: z.string(), productName: z.string() })),
    hasThisProduct: z.boolean(),
    /** When a denial barred this person from asking (others may still ask for them). */
    barredSince: z.string().optional(),
  }),
  seatsNow: z.number().int(),
  /** Billable seats of the product once approved (= seatsNow when decided or the person has it). */
  seatsAfterApproval: z.number().int(),
  billable: z.boolean(),
  /** May the caller approve or deny it now (a reviewer of the site, not asking nor asked for). */
  mayDecide: z.boolean(),
  /** Denying bars the person from asking again (an off-site self-request is among those decided). */
  denyBars: z.boolean(),
  /** The bar's rule in one sentence, when denying bars or a bar stands (the same words the requester reads). */
  barRule: z.string().optional(),
  /** Other pending requests for the same person, site and product: one decision covers them all. */
  samePerson: z.array(z.object({ id: z.string(), requestedBy: z.string(), requesterName: z.string(), self: z.boolean(), requesterOnSite: z.boolean(), createdAt: z.string() })),
});
export const AccessRequestList = z.object({ requests: z.array(AccessRequest) });
/** A product and site, by site id or by the site's address (what a product page knows). */
export const AccessRequestContextQuery = z.object({ site: short(300).min(1), product: id }).strict();
const Person = z.object({ userId: z.string(), name: z.string() });
/** Can I ask: `ok`, or why not (`code` as in the API's refusals, `message` for people). */
export const RequestVerdict = z.object({ ok: z.boolean(), code: z.string().optional(), message: z.string().optional() });
/** The standing bar on a requester: since when, and the denied request behind it. */
export const RequestBar = z.object({
  at: z.string(),
  site: z.string().optional(),
  product: z.string().optional(),
  message: z.string(),
  /** The bar's rule in one sentence (the same words the reviewer read). */
  rule: z.string(),
});
/** The requester's view of one of their requests (made by them, or for them). */
export const MyAccessRequest = z.object({
  id: z.string(),
  site: z.string(),
  siteUrl: z.string(),
  product: z.string(),
  productName: z.string(),
  state: AccessRequestState,
  createdAt: z.string(),
  /** `requester`: I asked; `subject`: someone asked for me. */
  role: z.enum(['requester', 'subject']),
  self: z.boolean(),
  requestedBy: Person,
  forUser: z.object({ userId: z.string().optional(), name: z.string().optional(), email: z.string() }),
  /** Who can decide it while it is pending (org admins and the site's admins), never the requester or subject. */
  reviewers: z.array(Person),
  decidedBy: Person.optional(),
  decidedAt: z.string().optional(),
  message: z.string().optional(),
  /** A denied self-request from outside the site that barred its requester. */
  barred: z.boolean(),
  /** With `barred`: the bar's rule in one sentence (the same words the reviewer read). */
  barRule: z.string().optional(),
  /** Where the product opens once approved. */
  productUrl: z.string(),
});
export const MyAccessRequestList = z.object({ requests: z.array(MyAccessRequest) });
/** What the request-access controls need for one product on one site, for the caller. */
export const AccessRequestContext = z.object({
  site: z.object({ id: z.string(), url: z.string(), status: z.string() }),
  product: z.object({ key: z.string(), name: z.string(), licensed: z.boolean(), url: z.string() }),
  me: z.object({ id: z.string(), name: z.string(), email: z.string(), emailVerified: z.boolean(), onSite: z.boolean() }),
  hasAccess: z.boolean(),
  /** May I ask for myself now, and if not why. */
  forMyself: RequestVerdict,
  /** Site users may ask for teammates and for people not on the site; others only for themselves. */
  forOthers: RequestVerdict,
  bar: RequestBar.optional(),
  reviewers: z.array(Person),
  /** Other users of the site to pick from (empty for someone not on the site). */
  siteUsers: z.array(z.object({ userId: z.string(), name: z.string(), email: z.string(), hasAccess: z.boolean() })),
  /** My requests (made by me or for me) for this product on this site, newest first. */
  requests: z.array(MyAccessRequest),
});
export const AccessRequestBulkRow = z.object({
  id: z.string(),
  ok: z.boolean(),
  status: z.number().int(),
  state: AccessRequestState.optional(),
  decidedWith: z.string().optional(),
  type: z.string().optional(),
  code: z.string().optional(),
  reason: z.string().optional(),
});
export const AccessRequestBulkResult = z.object({ results: z.array(AccessRequestBulkRow) });
export const Ask = z.object({ id: z.string(), ticket: z.string(), adminId: z.string(), createdAt: z.string() });
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  causes: z.array(Cause).optional(),
});
/** `durable`: each acknowledged write is synced to disk first; `storage`: why writes are refused (with `ok: false`, status 503). */
export const Health = z.object({ ok: z.boolean(), db: z.enum(['pglite', 'postgres']), durable: z.boolean(), storage: z.string().optional() });

// ---- sign-in (DESIGN §6) ----

/** The org's OpenID Connect provider, for a client that knows only the API's address. */
export const AuthConfig = z.object({
  issuer: z.string(),
  clientId: z.string(),
  scopes: z.array(z.string()),
  /** Whose provider it is, for "Sign in with <org>". */
  organization: z.object({ id: z.string(), name: z.string() }).optional(),
});
/**
 * Exchange an ID token (sent as the bearer token) for an API session: `nonce` is the one the
 * client put in its authorization request (the ID token must carry it); `previousSession`, a
 * session of the same person this one replaces (a silent refresh), is ended with it.
 */
export const SessionCreateBody = z
  .object({
    nonce: storable(z.string().min(16).max(512)),
    previousSession: storable(z.string().min(1).max(512)).optional(),
  })
  .strict();
/** An API session: an opaque bearer token, and when it stops being accepted (ISO 8601, at most an hour away). */
export const SessionCreated = z.object({
  token: z.string(),
  expiresAt: z.string(),
  user: z.object({ id: z.string(), name: z.string(), email: z.string() }),
});
export const SignedOut = z.object({ ended: z.boolean() });

export type GrantWire = z.infer<typeof Grant>;
export type TicketActionsWire = z.infer<typeof TicketActions>;
export type TicketViewAnswerWire = z.infer<typeof TicketViewAnswer>;
export type EligibilityWire = z.infer<typeof Eligibility>;
export type CauseWire = z.infer<typeof Cause>;
export type TicketWire = z.infer<typeof Ticket>;
export type AiConversationWire = z.infer<typeof AiConversation>;
export type TicketCreatedWire = z.infer<typeof TicketCreated>;
export type TicketInput = z.infer<typeof TicketCreateBody>;
export type MeWire = z.infer<typeof Me>;
export type SupportRequestWire = z.infer<typeof SupportRequest>;
export type BulkGrantRowWire = z.infer<typeof BulkGrantRow>;
export type AccessDecisionWire = z.infer<typeof AccessDecision>;
export type ChangeRequestWire = z.infer<typeof ChangeRequest>;
export type ChangeMadeWire = z.infer<typeof ChangeMade>;
export type ChangeRequestCreateInput = z.infer<typeof ChangeRequestCreateBody>;
export type AuditRowWire = z.infer<typeof AuditRow>;
export type AuditCheckpointPageWire = z.infer<typeof AuditCheckpointPage>;
export type InboxItemWire = z.infer<typeof InboxItem>;
export type AccessRequestWire = z.infer<typeof AccessRequest>;
export type MyAccessRequestWire = z.infer<typeof MyAccessRequest>;
export type AccessRequestContextWire = z.infer<typeof AccessRequestContext>;
export type AccessRequestBulkRowWire = z.infer<typeof AccessRequestBulkRow>;
export type AccessRequestKindWire = z.infer<typeof AccessRequestKind>;
export type ProblemWire = z.infer<typeof Problem>;
export type AuthConfigWire = z.infer<typeof AuthConfig>;
export type SessionCreatedWire = z.infer<typeof SessionCreated>;
export type AccessCheckInput = z.infer<typeof AccessCheckBody>;
export type AccessRequestInput = z.infer<typeof AccessRequestCreateBody>;
