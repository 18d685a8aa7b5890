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
  /** The assigned Support engineer's display name ('' when the API did not say who). */
  engineer: string;
  requestedAt?: string;
  /** My eligibility for this row's ticket, as the API decided it. */
  allowed: boolean;
  /** The API allows me to grant this ticket now (its `actions`): only such rows can be selected for a bulk grant. */
  mayGrant: boolean;
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
  /** Org admins only (the API's flag): the granter could not grant this now (demoted, removed or deactivated); the grant stands until revoked. */
  grantedByNoLongerCan?: boolean;
  /** The Guard admin who decided, by display name. */
  guardDecidedByName?: string;
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
  /** `key`: one per person however their email was written (count people by it, never by request). */
  person: { key: string; email: string; hasAccount: boolean; emailVerified?: boolean; onSite: boolean; siteHosts: string[]; products: string[]; hasThisProduct: boolean; barredSince?: string };
  seatsNow?: number;
  seatsAfter?: number;
  billable: boolean;
  /** The API says I may decide it (else I asked for it, or it is for me). */
  mayDecide: boolean;
  /** Denying bars the person from asking again (self-request from someone not on the site). */
  denyBars: boolean;
  /** The bar's rule in one sentence, as the API words it for reviewer and requester alike. */
  barRule?: string;
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
  /** The row's sequence number, as text. */
  id: string;
  /** ISO 8601 (shown through format.ts's when(); exported as is). */
  at: string;
  /** The actor's display name. */
  actor: string;
  actorId?: string;
  actorKind?: string;
  /** The action in words ("Granted data access"); `actionCode` is the stored action ("grant.create"). */
  action: string;
  actionCode?: string;
  /** 'done' or 'refused'. */
  outcome?: string;
  /** Why a refused row was refused, as the API recorded it. */
  reason?: string;
  /** What the row is about in words ("Confluence on acme.atlassian.net for Frank Moreau"). */
  resource: string;
  ticket?: string;
}

/**
 * The API's check of the signed audit trail (GET /v1/audit/verify), with the signed head it agreed
 * with (from /v1/audit/checkpoints) when there is one. `entries`: rows checked; `signedHead`: the
 * newest signed checkpoint the log agrees with (its row, when it was signed, by which key id).
 */
export interface AuditVerdictView {
  ok: boolean;
  entries: number;
  firstBrokenEntry?: number;
  reason?: string;
  checkpoints: number;
  /** The newest signed head the log agrees with; on an intact log it is the newest entry (every append signs its head). */
  signedHead?: { seq: number; at?: string; keyId?: string };
  warning?: string;
  /** When the check finished (ISO 8601). */
  checkedAt: string;
}
