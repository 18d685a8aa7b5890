// One typed message map for everything that talks to the background: the ticket panel, popup,
// options and console frames. Declare a method once here (name → request → response) and once in
// METHODS; callers use `callBackground`, the background `registerHandlers` (a unit test checks every
// method has a handler). Wire format `{type, ...payload}` → `{ok, value} | {ok: false, error}`.
// Pages that show live data also follow the background's changes (live.ts).
import { browser, senderOrigin, type MessageSender } from './browser';
import type { AccessRequestContextWire, EligibilityWire, MeWire, MyAccessRequestWire } from '../api/schemas';
import type { ApiKeyCreatedWire, ApiKeyInput, ApiKeyListWire } from '../api/api-key-schemas';
import type { DirectoryLookupWire, DirectorySitesWire, GrantorListWire, RoleAssignmentInput, RoleAssignmentWire } from '../api/directory-schemas';
import type { AccessRequestBulkRowView, AccessRequestView, AuditRowView, AuditVerdictView, BulkGrantRow, GrantView, SupportRequestView } from './views';
import type { Prefs } from './prefs';
import type { PendingAction } from './pending-action';
import type { TicketView, Status } from './ticket-view';
import type { SignedOutBecause } from './signed-out';

export interface Problem {
  title: string;
  detail?: string;
  status?: number;
  causes?: { code: string; message: string; fix: string }[];
}
export type Reply<T> = { ok: true; value: T } | { ok: false; error: Problem };

export interface InboxEntry {
  id: string;
  kind: string;
  title: string;
  ticket?: string;
  createdAt: string;
  link?: string;
}

export interface PopupState {
  signedIn: boolean;
  apiBaseUrl: string;
  grants?: { value: GrantView[]; fetchedAt: number };
  inbox?: { value: InboxEntry[]; fetchedAt: number };
  /** Product access requests I made or that are for me, newest first. */
  myRequests?: { value: MyAccessRequestWire[]; fetchedAt: number };
  /** Why the last poll failed ('offline', 'signed_out', the API's title), if it did. */
  problem?: string;
  lastTriedAt?: number;
  /** The API stopped accepting the token (rotated or revoked) and the session was signed out, at (ms). */
  signedOutAt?: number;
  /** Why: a personal access token rejected, or a session from the org's provider ended at the API. */
  signedOutBecause?: SignedOutBecause;
  /** Who is signed in, for the account line. */
  account?: { name: string; email: string; org: string };
}

/**
 * What an action needs from the page that asks for it: the key of the intended action (made once
 * in the UI and reused by every retry of it) and, from our framed pages, what they saw of the click.
 * The popup is never framed by a page, so it sends no click evidence.
 */
export interface ActionRequest {
  idempotencyKey: string;
  click?: ClickEvidence;
}

/** Every method the background answers. */
export interface MessageMap {
  // ---- ticket panel ----
  getTicketView: { req: { key: string; page: { product?: string; siteUrl?: string }; fresh?: boolean }; res: TicketView };
  grantAccess: { req: { key: string } & ActionRequest; res: ActionResult };
  revokeTicketGrant: { req: { key: string; grantId: string } & ActionRequest; res: ActionResult };
  grantAiConversations: { req: { key: string; conversations: string[] } & ActionRequest; res: ActionResult };
  askAdmin: { req: { key: string; adminId: string; idempotencyKey: string }; res: { ok: true } };
  /** Consent to (approve) or decline one change Support asked for on the ticket. */
  decideChangeRequest: { req: { key: string; id: string; decision: 'approve' | 'deny'; message?: string; guard?: boolean } & ActionRequest; res: ActionResult };
  getPendingAction: { req: Record<string, never>; res: PendingAction | undefined };
  confirmPendingAction: { req: { id: string }; res: ActionResult };
  dismissPendingAction: { req: { id: string }; res: { ok: true } };
  // ---- sign-in, status and preferences (options, popup) ----
  signIn: { req: { apiBaseUrl: string; token: string }; res: { name: string; email: string; org: string } };
  /** Sign in at the org's identity provider (the browser's sign-in window); `switchAccount` asks the provider who is signing in. */
  signInWithProvider: { req: { apiBaseUrl: string; switchAccount?: boolean }; res: { name: string; email: string; org: string } };
  /** The org's identity provider as the API at this address names it; null when it has none. */
  getIdentityProvider: { req: { apiBaseUrl: string }; res: { issuer: string; organization?: string } | null };
  signOut: { req: Record<string, never>; res: { ok: true } };
  getStatus: { req: Record<string, never>; res: Status };
  getPrefs: { req: Record<string, never>; res: Prefs };
  setPrefs: { req: { prefs: Prefs }; res: Prefs };
  // ---- console frames and popup ----
  /** `detail`: also each grant's scope (what Support will and won't see) and its ticket's page, for deciding on it. */
  listGrants: { req: { states: string[]; detail?: boolean }; res: GrantView[] };
  revokeGrant: { req: { id: string } & ActionRequest; res: ActionResult };
  /** `alsoTickets`: other ticket keys the vendor page lists, checked with the API too. */
  getSupportRequests: { req: { alsoTickets?: string[] }; res: SupportRequestView[] };
  bulkGrant: { req: { tickets: string[] } & ActionRequest; res: ActionResult };
  listAccessRequests: { req: Record<string, never>; res: AccessRequestView[] };
  approveAccessRequest: { req: { id: string } & ActionRequest; res: ActionResult };
  denyAccessRequest: { req: { id: string; message?: string } & ActionRequest; res: ActionResult };
  /** Each request decided on its own; the result's `requestRows` say what happened to each. */
  bulkDecideAccessRequests: { req: { ids: string[]; decision: 'approve' | 'deny'; message?: string } & ActionRequest; res: ActionResult };
  guardDecision: { req: { id: string; decision: 'approve' | 'deny'; message?: string } & ActionRequest; res: ActionResult };
  getMe: { req: Record<string, never>; res: { id: string; name: string; kind: string; org: { id: string; name: string }; capabilities?: MeWire['capabilities'] } };
  /** Popup's combined state: the poll's cached copy (`fresh` polls first), each part with its age. */
  getPopupState: { req: { fresh?: boolean }; res: PopupState };
  /** One page (newest first) of the audit log; `cursor` from the previous page's `nextCursor`; `total` rows match in all. */
  getAudit: { req: { supportOnly?: boolean; ticket?: string; cursor?: string }; res: { rows: AuditRowView[]; window?: { from?: string; to?: string }; total?: number; nextCursor: string | null } };
  /** The API's check of the signed audit trail, with the signed head it agreed with (audit readers only: others get the API's 403). */
  verifyAudit: { req: Record<string, never>; res: AuditVerdictView };
  /** The org's Access API keys (never their secrets) and the engineers an access_check key may check as. */
  listApiKeys: { req: Record<string, never>; res: ApiKeyListWire };
  /**
   * A new key; its `secret` is in this answer only (the background keeps no copy). Consequential (a
   * standing org credential): made only for a press the frame can vouch for (`click`, as for every
   * action); anything else is refused with a 403 problem saying why, never parked (the secret could
   * not be shown anywhere else).
   */
  createApiKey: { req: ApiKeyInput & { click?: ClickEvidence }; res: ApiKeyCreatedWire };
  /** Consequential (machine callers using it stop working): done for a vouched click, else parked for the popup. */
  deleteApiKey: { req: { id: string } & ActionRequest; res: ActionResult };
  // ---- console: Directory → Roles ----
  /** The org's experience and its sites with their products (org admins; others get the API's 403). */
  getDirectorySites: { req: Record<string, never>; res: DirectorySitesWire };
  /** Who can grant for `product` on `site`, through which role or group: the most relevant first, capped, with the total. */
  getGrantors: { req: { site: string; product: string; limit?: number }; res: GrantorListWire };
  /** Live grants made by someone who can no longer grant (org admins; others get the API's 403). Revoked through `revokeGrant`. */
  getFlaggedGrants: { req: Record<string, never>; res: GrantView[] };
  /** Every role assignment of the org (to say exactly what a removal takes away). */
  getRoleAssignments: { req: Record<string, never>; res: { assignments: RoleAssignmentWire[] } };
  /** People and groups matching `q`, to name whom a role goes to. */
  lookupDirectory: { req: { q: string }; res: DirectoryLookupWire };
  /** Consequential: done for a vouched click, else parked for the popup. */
  assignRole: { req: { assignment: RoleAssignmentInput } & ActionRequest; res: ActionResult };
  /** Consequential: done for a vouched click, else parked for the popup. */
  removeRole: { req: { id: string } & ActionRequest; res: ActionResult };
  // ---- request-access frame (on a product's "You don't have access" page) ----
  /** `site`: a site id or the site's address. The API's answer, with when it was fetched. */
  getRequestContext: { req: { site: string; product: string }; res: AccessRequestContextWire & { fetchedAt: number } };
  /** For myself without `for`; a site user by id or a new person by email. */
  requestProductAccess: { req: { site: string; product: string; for?: { userId: string } | { email: string } } & ActionRequest; res: ActionResult };
  // ---- consent frame (beside the request form's "allow Support to access my data" box) ----
  /** Eligibility for a ticket not yet created; `site` is the site's address or id. With when it was fetched. */
  getNewTicketEligibility: { req: { site: string; product: string }; res: EligibilityWire & { fetchedAt: number } };
}
export type MethodName = keyof MessageMap;
export type Req<N extends MethodName> = MessageMap[N]['req'];
export type Res<N extends MethodName> = MessageMap[N]['res'];

/** The map's methods at run time; the compiler keeps this list and MessageMap the same. */
export const METHODS = {
  getTicketView: true,
  grantAccess: true,
  revokeTicketGrant: true,
  grantAiConversations: true,
  askAdmin: true,
  decideChangeRequest: true,
  getPendingAction: true,
  confirmPendingAction: true,
  dismissPendingAction: true,
  signIn: true,
  signInWithProvider: true,
  getIdentityProvider: true,
  signOut: true,
  getStatus: true,
  getPrefs: true,
  setPrefs: true,
  listGrants: true,
  revokeGrant: true,
  getSupportRequests: true,
  bulkGrant: true,
  listAccessRequests: true,
  approveAccessRequest: true,
  denyAccessRequest: true,
  bulkDecideAccessRequests: true,
  guardDecision: true,
  getMe: true,
  getPopupState: true,
  getAudit: true,
  verifyAudit: true,
  listApiKeys: true,
  createApiKey: true,
  deleteApiKey: true,
  getDirectorySites: true,
  getGrantors: true,
  getFlaggedGrants: true,
  getRoleAssignments: true,
  lookupDirectory: true,
  assignRole: true,
  removeRole: true,
  getRequestContext: true,
  requestProductAccess: true,
  getNewTicketEligibility: true,
} as const satisfies Record<MethodName, true>;

/**
 * What a framed page saw of the click that asked for an action (src/shared-ext/visibility.ts):
 * `isTrusted` the browser's own event; `visible` the whole control and the frame visible and
 * unobstructed long enough; `pointer` a press on the control itself from a pointer that had been in
 * the frame long enough, or a keyboard activation confirmed with the frame's code (`keyboard`; a
 * bare keyboard press never counts); `selection`, for bulk actions, every selected row ticked by a
 * press that counted (a keyboard confirmation names the selection, so it vouches for it); `visibilityUnknown` the browser cannot see occlusion at all (no
 * IntersectionObserver v2, e.g. Firefox), so `visible` is false whatever the page did.
 */
export interface ClickEvidence {
  isTrusted: boolean;
  visible: boolean;
  /** Pressed deliberately: by a pointer that had been in the frame long enough, or from the keyboard through the code confirmation (`keyboard`). */
  pointer: boolean;
  /** Activated from the keyboard and confirmed with the code the frame showed (src/shared-ext/key-confirm.tsx). */
  keyboard?: boolean;
  selection?: boolean;
  visibilityUnknown?: boolean;
}

/** An action done, or parked for confirmation in the popup (the click could not be vouched for). */
export type ActionResult =
  | { outcome: 'done'; state: string; grantId?: string; requestId?: string; roleAssignmentId?: string; rows?: BulkGrantRow[]; requestRows?: AccessRequestBulkRowView[] }
  | { outcome: 'parked'; pendingId: string; reason: string };

/** A parked action the popup settled: confirmed (with what was done) or dismissed. Told to every open page, so the one that parked it catches up. */
export type SettledAction = { pendingId: string; result: Extract<ActionResult, { outcome: 'done' }> | { outcome: 'dismissed' } };

export class BackgroundError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'BackgroundError';
  }
}

/** Typed stub: asks the background for `name`; throws BackgroundError with the API's problem. */
export async function callBackground<N extends MethodName>(name: N, ...payload: Req<N> extends Record<string, never> ? [Req<N>?] : [Req<N>]): Promise<Res<N>> {
  let reply: Reply<Res<N>> | undefined;
  try {
    reply = (await browser.runtime.sendMessage({ ...(payload[0] ?? {}), type: name })) as Reply<Res<N>> | undefined;
  } catch (error) {
    // A page of the previous version, after an update: say what to do, not Chrome's raw text.
    if (/context invalidated/i.test((error as Error).message ?? '')) throw new BackgroundError({ title: 'Access Companion was updated: reload this page' });
    throw error;
  }
  if (!reply) throw new BackgroundError({ title: 'Access Companion did not answer' });
  if (!reply.ok) throw new BackgroundError(reply.error);
  return reply.value;
}

// ---- background side ----

export type Handlers = { [N in MethodName]?: (req: Req<N>, sender: MessageSender) => Promise<Res<N>> };

/** Vendor pages our content script runs on; content-script senders must come from one of them. */
export const CONTENT_ORIGINS: readonly RegExp[] = [
  /^https?:\/\/support\.localhost(:\d+)?$/,
  /^https?:\/\/admin\.localhost(:\d+)?$/,
  /^https:\/\/[a-z0-9-]+\.atlassian\.net$/,
  /^https:\/\/support\.atlassian\.com$/,
  /^https:\/\/admin\.atlassian\.com$/,
];

/** Our own extension pages: panel frame, popup, options, console frames. */
export function isExtensionPage(sender: MessageSender): boolean {
  return sender.id === browser.runtime.id && typeof sender.url === 'string' && sender.url.startsWith(browser.runtime.getURL(''));
}

export function isAllowedSender(sender: MessageSender, contentScriptsToo: boolean): boolean {
  if (sender.id !== browser.runtime.id) return false;
  if (isExtensionPage(sender)) return true;
  const origin = senderOrigin(sender);
  if (!contentScriptsToo || !sender.tab || typeof origin !== 'string') return false;
  return CONTENT_ORIGINS.some((re) => re.test(origin));
}

export function toProblem(error: unknown): Problem {
  if (error && typeof error === 'object' && 'problem' in error) {
    const p = (error as { problem: Problem & { status?: number } }).problem;
    return { title: p.title, detail: p.detail, status: p.status ?? (error as { status?: number }).status, causes: p.causes };
  }
  if (error && typeof error === 'object' && 'title' in error) {
    const e = error as Problem;
    return { title: e.title, detail: e.detail, status: e.status, causes: e.causes };
  }
  return { title: error instanceof Error ? error.message : String(error) };
}

/**
 * Answers the methods in `handlers` (others fall through to other listeners). Every message's sender
 * is checked: our extension pages always; content scripts only for methods in `contentScriptMethods`
 * and only from the vendor origins.
 */
export function registerHandlers(handlers: Handlers, contentScriptMethods: readonly MethodName[] = []): void {
  // Promise-returning (webextension-polyfill's style): a promise answers the message; undefined
  // leaves it to other listeners.
  browser.runtime.onMessage.addListener((raw: unknown, sender: MessageSender): Promise<Reply<unknown>> | undefined => {
    const message = raw as ({ type?: unknown } & Record<string, unknown>) | undefined;
    const name = message?.type;
    if (!message || typeof name !== 'string' || !Object.hasOwn(handlers, name)) return undefined;
    const method = name as MethodName;
    if (!isAllowedSender(sender, contentScriptMethods.includes(method))) {
      return Promise.resolve({ ok: false, error: { title: 'Not allowed', status: 403 } } satisfies Reply<never>);
    }
    const { type: _type, ...req } = message;
    const handler = handlers[method] as (req: unknown, sender: MessageSender) => Promise<unknown>;
    return handler(req, sender).then(
      (value): Reply<unknown> => ({ ok: true, value }),
      (error: unknown): Reply<unknown> => ({ ok: false, error: toProblem(error) }),
    );
  });
}
