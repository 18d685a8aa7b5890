// What the background hands the console frames and popup: API data, normalized for display.
export interface CauseView { code: string; message: string; fix: string }

export interface SupportRequestView {
  ticket: string;
  title: string;
  site: string;
  siteHost: string;
  product: string;
  engineer: string;
  requestedAt?: string;
  /** My eligibility for this row's ticket, as the API decided it. */
  allowed: boolean;
  via: string | null;
  causes: CauseView[];
  guardApprovalRequired: boolean;
  scopeSummary: string;
}

export interface GrantView {
  id: string;
  kind: string;
  ticket: string;
  title?: string;
  product: string;
  site: string;
  siteHost: string;
  engineer: string;
  state: string;
  grantedBy?: string;
  /** The granter's display name, when the API named them. */
  grantedByName?: string;
  grantedAt?: string;
  requestedAt?: string;
  /** The AI conversations an `ai_conversations` grant names. */
  conversations?: string[];
}

export interface BulkGrantRow { ticket: string; ok: boolean; id?: string; state?: string; causes: CauseView[]; reason?: string }

export interface AccessRequestView {
  id: string;
  site: string;
  siteHost: string;
  product: string;
  productName: string;
  state: string;
  createdAt: string;
  requester: { id: string; name: string; email: string; emailVerified: boolean | undefined; onSite: boolean };
  /** Who the access is for: the requester themself, another site user, or a newcomer by email. */
  forWhom: { self: boolean; label: string; email?: string };
  seatsNow?: number;
  seatsAfter?: number;
  /** Denying bars the person from asking again (self-request from someone not on the site). */
  denyBars: boolean;
  message?: string;
}

export interface AuditRowView { id: string; at: string; actor: string; actorKind?: string; action: string; resource: string; ticket?: string }

export interface Cached<T> {
  value: T;
  /** When the API last answered for this value (ms since epoch); undefined if never. */
  fetchedAt?: number;
  fresh: boolean;
  /** Why the value may be stale: 'offline', 'signed_out', an error title… */
  problem?: string;
}
