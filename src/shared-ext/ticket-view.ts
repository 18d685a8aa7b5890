// What the background hands the ticket panel: the API's own answers for one ticket, with how old
// they are and, when the last refresh failed, why.
import type { AuditRowWire, ChangeRequestWire, EligibilityWire, GrantWire, MeWire, TicketWire } from '../api/schemas';

/** `no_stake`: the API answers this user's eligibility but not the ticket's record, grants or Support activity. */
export type ViewProblemKind = 'signed_out' | 'offline' | 'api_error' | 'unknown_ticket' | 'not_admin' | 'no_stake';

export interface TicketView {
  key: string;
  me?: Pick<MeWire, 'id' | 'name' | 'email' | 'kind'>;
  ticket?: TicketWire;
  eligibility?: EligibilityWire;
  /** Data and AI-conversation grants on this ticket, newest first. */
  grants: GrantWire[];
  /** Support's actions on this ticket, newest first (`detail` says what a change did). */
  activity: Pick<AuditRowWire, 'id' | 'at' | 'actorName' | 'action' | 'resource' | 'outcome' | 'detail'>[];
  /** Changes Support asked consent for on this ticket, newest first (absent in views cached before there were any). */
  changeRequests?: ChangeRequestWire[];
  /** Display names for user ids that appear in grants (grantedBy, guardDecidedBy…). */
  names: Record<string, string>;
  /** Guard admins who may decide a grant waiting on Guard (never the granter). */
  guardAdmins: { id: string; name: string }[];
  /** When the API last answered for this ticket (ms since epoch); undefined when never. */
  fetchedAt?: number;
  /** This view came from cache and the refresh failed: show it, but no actions. */
  stale: boolean;
  problem?: { kind: ViewProblemKind; message: string };
}

/** An action a framed page asked for, waiting for a click in the popup because the page's click could not be vouched for. */
export interface PendingAction {
  id: string;
  kind:
    | 'grant'
    | 'revoke'
    | 'ai_grant'
    | 'bulk_grant'
    | 'guard_decision'
    | 'access_request_decision'
    | 'bulk_access_request_decision'
    | 'access_request_create'
    | 'change_request_decision'
    | 'api_key_delete';
  /** The ticket of a grant, AI grant or (from the panel) revoke. */
  ticket?: string;
  /** A bulk grant's tickets. */
  tickets?: string[];
  /** The grant to revoke or decide for Guard. */
  grantId?: string;
  conversations?: string[];
  /** Guard or access-request decision. */
  decision?: 'approve' | 'deny';
  requestId?: string;
  /** The change request to approve or decline (decision approve | deny); `guard`: decided as Guard admin. */
  changeRequestId?: string;
  guard?: boolean;
  /** A bulk access-request decision's requests. */
  requestIds?: string[];
  /** Message to the requester with a denial. */
  message?: string;
  /** A new product access request: where, and for whom (neither: for myself). */
  site?: string;
  product?: string;
  forUserId?: string;
  forEmail?: string;
  /** An Access API key to delete. */
  apiKeyId?: string;
  /** What the popup shows, e.g. "Grant Support access to PS-101 (Confluence on acme.atlassian.net)". */
  label: string;
  /** Why it was parked instead of done. */
  reason: string;
  createdAt: number;
  /** The key the page made for this action: confirming it is the same action, never a second one. */
  idempotencyKey: string;
}

export interface Status {
  signedIn: boolean;
  apiBaseUrl: string;
  me?: { id: string; name: string; email: string; org: string };
  problem?: string;
  /** The API stopped accepting the token and the session was signed out, at (ms). */
  signedOutAt?: number;
  /** Why: a personal access token rejected, or a session from the org's provider ended at the API. */
  signedOutBecause?: 'token_rejected' | 'session_ended';
  /** Signed in with the org's identity provider, or with a personal access token. */
  via?: 'provider' | 'token';
  /** When the current API session ends unless renewed (ms; provider sign-ins only). */
  sessionExpiresAt?: number;
}
