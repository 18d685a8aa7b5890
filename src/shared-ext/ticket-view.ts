// What the background hands the ticket panel: the API's own answers for one ticket, with how old
// they are and, when the last refresh failed, why.
import type { AuditRowWire, ChangeRequestWire, EligibilityWire, GrantWire, MeWire, TicketActionsWire, TicketWire } from '../api/schemas';
import type { SignedOutBecause } from './signed-out';

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
  /**
   * What the API allows me to do here now (the view answer's `actions`): the pages offer exactly
   * these. Absent in views cached before the API said, and then nothing is offered.
   */
  actions?: TicketActionsWire;
  /** My asks to other admins on this ticket that are still open (the ticket is not granted or closed since). */
  asks?: { adminId: string; createdAt: string }[];
  /** When the API last answered for this ticket (ms since epoch); undefined when never. */
  fetchedAt?: number;
  /** This view came from cache and the refresh failed: show it, but no actions. */
  stale: boolean;
  problem?: { kind: ViewProblemKind; message: string };
}

type Offered = NonNullable<TicketView['actions']>;

/** Did the API offer me `action` on the ticket itself (grant, AI grant)? Nothing is offered on a view without actions. */
export const offeredOnTicket = (v: TicketView, action: Offered['ticket'][number]): boolean => v.actions?.ticket.includes(action) ?? false;
/** Did the API offer me `action` on grant `id` (revoke, Guard decisions)? */
export const offeredOnGrant = (v: TicketView, id: string, action: Offered['grants'][string][number]): boolean => v.actions?.grants[id]?.includes(action) ?? false;
/** Did the API offer me `action` on change request `id` (approve, decline, Guard decisions)? */
export const offeredOnChange = (v: TicketView, id: string, action: Offered['changeRequests'][string][number]): boolean => v.actions?.changeRequests[id]?.includes(action) ?? false;
/** May I ask admin `adminId` to grant here (an admin who can grant, not me, and the ticket not granted yet)? */
export const offeredAsk = (v: TicketView, adminId: string): boolean => v.actions?.ask.includes(adminId) ?? false;

export interface Status {
  signedIn: boolean;
  apiBaseUrl: string;
  me?: { id: string; name: string; email: string; org: string };
  problem?: string;
  /** The API stopped accepting the token and the session was signed out, at (ms). */
  signedOutAt?: number;
  /** Why: a personal access token rejected, or a session from the org's provider ended at the API. */
  signedOutBecause?: SignedOutBecause;
  /** Signed in with the org's identity provider, or with a personal access token. */
  via?: 'provider' | 'token';
  /** When the current API session ends unless renewed (ms; provider sign-ins only). */
  sessionExpiresAt?: number;
}
