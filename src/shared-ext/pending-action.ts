// What a person asked the background to do from a page (grant, revoke, decide…), one exact shape
// per action, and the parked form it takes when the page's click could not be vouched for: the
// popup shows it and a click there confirms it. Every action carries the idempotency key its page
// made, so confirming is the same action, never a second one.

import type { RoleAssignmentInput } from '../api/directory-schemas';

/** Who a product access request is for: a site user by id, or a person by email (absent: the requester). */
export type AccessRequestFor = { userId: string } | { email: string };

export type ActionIntent = { idempotencyKey: string } & (
  | { kind: 'grant'; ticket: string }
  /** `ticket`: known when asked from the ticket panel (else the popup reads it from the grant). */
  | { kind: 'revoke'; grantId: string; ticket?: string }
  | { kind: 'ai_grant'; ticket: string; conversations: string[] }
  | { kind: 'bulk_grant'; tickets: string[] }
  /** `message`: a denial's reason, for the granter. */
  | { kind: 'guard_decision'; grantId: string; decision: 'approve' | 'deny'; message?: string }
  /** `message`: said to the requester with a denial. */
  | { kind: 'access_request_decision'; requestId: string; decision: 'approve' | 'deny'; message?: string }
  | { kind: 'bulk_access_request_decision'; requestIds: string[]; decision: 'approve' | 'deny'; message?: string }
  | { kind: 'access_request_create'; site: string; product: string; for?: AccessRequestFor }
  /** As the ticket's admin (approve = consent, deny = decline, with `message` to Support) or, `guard`, as Guard admin. */
  | { kind: 'change_request_decision'; changeRequestId: string; ticket: string; decision: 'approve' | 'deny'; guard: boolean; message?: string }
  | { kind: 'api_key_delete'; apiKeyId: string }
  /** A role assigned to a person or a group (DESIGN §6). */
  | { kind: 'role_assign'; roleAssignment: RoleAssignmentInput }
  /** The role assignment to remove. */
  | { kind: 'role_remove'; roleAssignmentId: string }
);

export type ActionKind = ActionIntent['kind'];

/** An action waiting for a click in the popup because the page's click could not be vouched for. */
export type PendingAction = ActionIntent & {
  id: string;
  /** What the popup shows, e.g. "Grant Support access to PS-101 (Confluence on acme.atlassian.net)". */
  label: string;
  /** Why it was parked instead of done. */
  reason: string;
  createdAt: number;
};
