// What the background hands the console frames and popup: API data, normalized for display.
export interface CauseView {
  code: string;
  message: string;
  fix: string;
}

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
  /** What Support will and won't see under it, in the API's words (listGrants with `detail`). */
  scope?: { summary: string; includes: string[]; excludes: string[] };
  /** The ticket's page on the support portal (listGrants with `detail`). */
  ticketUrl?: string;
  /** What the Guard admin wrote with their decision. */
  guardMessage?: string;
}

export interface BulkGrantRow {
  ticket: string;
  ok: boolean;
  id?: string;
  state?: string;
  causes: CauseView[];
  reason?: string;
}

export type AccessRequestKindView = 'self_on_site' | 'self_off_site' | 'teammate' | 'new_person';

export interface AccessRequestView {
  id: string;
  site: string;
  siteHost: string;
  product: string;
  productName: string;
  state: string;
  createdAt: string;
  decidedAt?: string;
  kind: AccessRequestKindView;
  requester: { id: string; name: string; email: string; emailVerified: boolean | undefined; onSite: boolean };
  /** Who the access is for: the requester themself, another site user, or a newcomer by email. */
  forWhom: { self: boolean; label: string; email?: string };
  /** The person the access is for and what they can use today ("Jira on acme.atlassian.net"). */
  person: { email: string; hasAccount: boolean; emailVerified?: boolean; onSite: boolean; siteHosts: string[]; products: string[]; hasThisProduct: boolean; barredSince?: string };
  seatsNow?: number;
  seatsAfter?: number;
  billable: boolean;
  /** The API says I may decide it (else I asked for it, or it is for me). */
  mayDecide: boolean;
  /** Denying bars the person from asking again (self-request from someone not on the site). */
  denyBars: boolean;
  /** Other pending requests for the same person and product, decided with this one. */
  samePerson: { id: string; requesterName: string; self: boolean }[];
  decidedWith?: string;
  message?: string;
}

/** One row of a bulk decision, as the API answered it. */
export interface AccessRequestBulkRowView {
  id: string;
  ok: boolean;
  state?: string;
  decidedWith?: string;
  reason?: string;
}

export interface AuditRowView {
  id: string;
  at: string;
  actor: string;
  actorKind?: string;
  action: string;
  resource: string;
  ticket?: string;
}

export interface Cached<T> {
  value: T;
  /** When the API last answered for this value (ms since epoch); undefined if never. */
  fetchedAt?: number;
  fresh: boolean;
  /** Why the value may be stale: 'offline', 'signed_out', an error title… */
  problem?: string;
}
