// The words the Access API and the extension share, defined once: each closed list with its human
// labels. Server, background, panel, console and popup import these; none keeps a copy. Lists the
// rules also need (roles, states, the ticket-key shape, text limits) are defined in src/core, which
// imports nothing; they are re-exported here beside their labels. The zod enums over these lists
// (AuditAction, Role, GrantState, AccessRequestState) sit with the other wire schemas in
// schemas.ts: this module stays zod-free, so the panel, console and popup that need only words
// do not load zod.
import { ROLE_SHAPES } from '../core/roles';
import type { AccessRequestState as CoreAccessRequestState, GrantState as CoreGrantState, RoleName } from '../core/types';
import type { ChangeRequestState as CoreChangeRequestState } from '../core/changes';

export { isTicketKey, MAX_ID_LENGTH, MAX_MESSAGE_LENGTH, TICKET_KEY_MAX_LENGTH, TICKET_KEY_SOURCE } from '../core/limits';
export { RESOURCE_TYPES } from '../core/access';
export { CHANGE_PERMISSIONS_ACTION, MAX_ACTION_LENGTH, MAX_CHANGE_LENGTH, READ_ACTION } from '../core/changes';
export { CENTRALIZED_ROLES, ORIGINAL_ROLES } from '../core/roles';
export { PRODUCT_NAMES, productName } from '../core/scope';

// ---- audit actions ----

/**
 * Every action the server writes to the audit log, with what an admin reads for it. The server's
 * appends (`AuditTrail.append`) take only these, so a new action does not compile until it has a label here.
 */
export const AUDIT_ACTION_LABELS = {
  'access.check': 'Opened',
  // A check naming a change: allowed only under a consent to it (or, for permissions, the grant).
  'access.change': 'Change',
  'access.change_permissions': 'Changed permissions',
  'change_request.create': 'Asked to make a change',
  'change_request.approve': 'Consented to a change',
  'change_request.decline': 'Declined a change',
  'change_request.guard_approve': 'Guard approved a change',
  'change_request.guard_deny': 'Guard denied a change',
  'change_request.end': 'Consent to a change ended',
  'grant.create': 'Granted data access',
  'ai_grant.create': 'Granted AI conversations',
  'grant.revoke': 'Revoked access',
  'grant.guard_approve': 'Guard approved access',
  'grant.guard_deny': 'Guard denied access',
  'grant.ask': 'Asked an admin to grant',
  'support_request.create': 'Asked for access',
  'ticket.close': 'Closed the ticket',
  'ticket.create': 'Raised a request',
  'access_request.create': 'Asked for product access',
  'access_request.approve': 'Approved product access',
  'access_request.deny': 'Denied product access',
  'grant.bulk_create': 'Granted access in bulk',
  'auth.sign_in': 'Signed in',
  'auth.session_renew': 'Renewed a sign-in session',
  'auth.sign_out': 'Signed out',
  'auth.session_refused': 'Used an ended session',
  'auth.id_token_replayed': 'Presented an ID token already used to sign in',
  'api_key.create': 'Created an API key',
  'api_key.delete': 'Deleted an API key',
  // The audit trail's signing key handed over to a new one (a head both keys sign).
  'audit.key_rotate': 'Rotated the audit signing key',
  'directory.import': 'Imported the directory from the world file',
  'directory.person_create': 'Added a person',
  'directory.person_update': 'Changed a person',
  'directory.person_deactivate': 'Deactivated a person',
  // A live grant on a site that became Guard-restricted waits for Guard approval again (the site_guard row records the change).
  'grant.guard_hold': 'Held a grant for Guard approval (its site became Guard-restricted)',
  'directory.person_delete': 'Removed a person',
  'directory.group_create': 'Added a group',
  'directory.group_update': 'Changed a group',
  'directory.group_delete': 'Removed a group',
  'directory.members_change': 'Changed group members',
  'directory.role_assign': 'Assigned a role',
  'directory.role_remove': 'Removed a role',
  'directory.site_status': 'Changed a site status',
  'directory.site_guard': 'Changed Guard restriction of a site',
  'ticket.assign': 'Reassigned the ticket',
  // A write route the refusal table does not name yet (refusals.ts): still on record, by route.
  'request.refused': 'Made a refused request',
} as const;
export type AuditAction = keyof typeof AUDIT_ACTION_LABELS;
/** Every audit action, in the order of the table above. */
export const AUDIT_ACTIONS = Object.keys(AUDIT_ACTION_LABELS) as [AuditAction, ...AuditAction[]];

/** An audit row's action in words; an action this build does not know (a newer server's) keeps its name. */
export function auditActionLabel(action: string): string {
  return Object.hasOwn(AUDIT_ACTION_LABELS, action) ? AUDIT_ACTION_LABELS[action as AuditAction] : action;
}

// ---- roles ----

/** Every admin role of both user-management experiences (DESIGN §2.1). */
export const ROLE_NAMES = Object.keys(ROLE_SHAPES) as [RoleName, ...RoleName[]];
/** A role as a heading or badge reads it ("Organization admin"). */
export const ROLE_LABELS = Object.fromEntries(ROLE_NAMES.map((r) => [r, ROLE_SHAPES[r].title])) as Record<RoleName, string>;

/** A role's heading label; empty for none; a role this build does not know is shown in words. */
export function roleTitle(role: string | null | undefined): string {
  if (!role) return '';
  return Object.hasOwn(ROLE_LABELS, role) ? ROLE_LABELS[role as RoleName] : role.replace(/_/g, ' ');
}

// ---- grant and access-request states ----

export const GRANT_STATE_LABELS = {
  requested: 'Requested',
  pending_guard_approval: 'Waiting on Guard',
  active: 'Active',
  denied: 'Denied',
  revoked: 'Revoked',
} as const satisfies Record<CoreGrantState, string>;
export const GRANT_STATES = Object.keys(GRANT_STATE_LABELS) as [CoreGrantState, ...CoreGrantState[]];

export const ACCESS_REQUEST_STATE_LABELS = {
  pending: 'Pending',
  approved: 'Approved',
  denied: 'Denied',
} as const satisfies Record<CoreAccessRequestState, string>;
export const ACCESS_REQUEST_STATES = Object.keys(ACCESS_REQUEST_STATE_LABELS) as [CoreAccessRequestState, ...CoreAccessRequestState[]];

const CHANGE_REQUEST_STATE_LABELS = {
  pending: 'Waiting on you',
  pending_guard_approval: 'Waiting on Guard',
  approved: 'Approved',
  declined: 'Declined',
  used: 'Used',
  ended: 'Ended',
} as const satisfies Record<CoreChangeRequestState, string>;
export const CHANGE_REQUEST_STATES = Object.keys(CHANGE_REQUEST_STATE_LABELS) as [CoreChangeRequestState, ...CoreChangeRequestState[]];

/** A grant's or an access request's state in words (the two share "denied"); unknown states keep their name. */
export function stateLabel(state: string): string {
  if (Object.hasOwn(GRANT_STATE_LABELS, state)) return GRANT_STATE_LABELS[state as CoreGrantState];
  if (Object.hasOwn(ACCESS_REQUEST_STATE_LABELS, state)) return ACCESS_REQUEST_STATE_LABELS[state as CoreAccessRequestState];
  return state;
}

// ---- API keys (DESIGN §6) ----

/** What a machine caller's API key may do, with what the admin console says for each. */
export const API_KEY_SCOPE_LABELS = {
  access_check: 'Access checks (as one Support engineer)',
  audit_read: 'Read the audit log and its stream',
  scim: 'SCIM directory sync',
} as const;
export type ApiKeyScope = keyof typeof API_KEY_SCOPE_LABELS;
export const API_KEY_SCOPES = Object.keys(API_KEY_SCOPE_LABELS) as [ApiKeyScope, ...ApiKeyScope[]];
/** Longest name an API key may have (characters). */
export const API_KEY_NAME_MAX = 100;
/** Most API keys an org may hold at once: each is a standing credential someone must look after. */
export const API_KEYS_MAX = 200;
