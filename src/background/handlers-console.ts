// Handlers behind the admin console frames: each calls the Access API through the typed client
// (src/api) and shapes the answer for display (console-views.ts). Decisions stay with the API; refusals
// come back with the API's own causes.
import type { GrantWire } from '../api/schemas';
import type { ApiKeyInput } from '../api/api-key-schemas';
import { auditActionLabel, isTicketKey, productName } from '../api/vocabulary';
import { registerHandlers } from '../shared-ext/messages';
import { displayText, personName } from '../shared-ext/format';
import { pressRefusal, requestAction } from './actions';
import { accessClient } from './api';
import { ticketPageUrl } from './portal-link';
import { host, toAccessRequestView, toGrantView } from './console-views';
import type { AccessRequestView, AuditRowView, AuditVerdictView, GrantView, SupportRequestView } from '../shared-ext/views';

const client = async () => (await accessClient()).client;

export async function getMe() {
  return (await client()).me();
}

/** Ticket keys as the vendor writes them; anything else from the page is ignored. */

/**
 * The API's outstanding requests I am qualified for, plus the other tickets the vendor page lists
 * (`alsoTickets`), each with my eligibility, so a row I cannot grant says why and who can.
 */
export async function getSupportRequests(alsoTickets: string[] = []): Promise<SupportRequestView[]> {
  const c = await client();
  const { requests } = await c.supportRequests();
  const rows: SupportRequestView[] = requests.map((r) => ({
    ticket: r.ticket,
    title: displayText(r.title),
    site: r.site,
    siteHost: host(r.siteUrl, r.site),
    product: productName(r.product),
    engineer: displayText(r.engineerName),
    requestedAt: r.requestedAt,
    allowed: r.eligibility.allowed,
    mayGrant: r.actions?.includes('grant') ?? false,
    via: r.eligibility.via,
    causes: r.eligibility.causes,
    guardApprovalRequired: r.eligibility.guardApprovalRequired,
    scopeSummary: r.eligibility.scope.summary,
  }));
  const listed = new Set(rows.map((r) => r.ticket));
  const others = [...new Set(alsoTickets.filter((k) => isTicketKey(k) && !listed.has(k)))].slice(0, 50);
  const extra = await Promise.all(
    others.map(async (key): Promise<SupportRequestView | undefined> => {
      try {
        // One read: my eligibility, the ticket and its grants when I have a stake, and whether the API lets me grant it.
        const v = await c.ticketView(key);
        const el = v.eligibility;
        const waiting = v.grants.find((g) => g.kind === 'data' && g.state === 'requested');
        const t = v.ticket;
        // Outstanding means Support's data request still waits for a grant (the vendor lists more).
        // Without a stake I still see, from my eligibility, that I can't grant it, why, and whom to ask.
        if (t ? t.status !== 'open' || !waiting : el.causes.some((cause) => cause.code === 'ticket_closed')) return undefined;
        return {
          ticket: key,
          title: displayText(t?.title ?? ''),
          site: t?.site ?? el.scope.site,
          siteHost: host(t?.siteUrl ?? el.scope.siteUrl, t?.site ?? el.scope.site),
          product: t?.productName ?? productName(el.scope.product),
          engineer: t ? personName(t.engineer, v.people) : '',
          requestedAt: waiting?.requestedAt,
          allowed: el.allowed,
          mayGrant: v.actions.ticket.includes('grant'),
          via: el.via,
          causes: el.causes,
          guardApprovalRequired: el.guardApprovalRequired,
          scopeSummary: el.scope.summary,
        };
      } catch {
        return undefined; // not a ticket the API knows
      }
    }),
  );
  return [...rows, ...extra.filter((r): r is SupportRequestView => r !== undefined)];
}

/**
 * Grants in `states`, shaped for display. With `detail`, each also carries what Support will and
 * won't see (the API's scope, from my eligibility for its ticket: the words the panel uses) and
 * its ticket's page; a ticket whose scope the API does not give me (no stake) has none.
 */
export async function listGrants(states: GrantWire['state'][], detail = false): Promise<GrantView[]> {
  const c = await client();
  const { grants, people } = await c.grants(states);
  const views = await Promise.all(grants.filter((g) => states.includes(g.state)).map((g) => toGrantView(g, people)));
  if (!detail) return views;
  const scopes = new Map<string, Promise<GrantView['scope']>>();
  for (const v of views) {
    if (!scopes.has(v.ticket))
      scopes.set(
        v.ticket,
        c.eligibility(v.ticket).then(
          ({ scope }) => (scope.summary ? { summary: scope.summary, includes: scope.includes, excludes: scope.excludes } : undefined),
          () => undefined,
        ),
      );
  }
  return Promise.all(views.map(async (v) => ({ ...v, scope: await scopes.get(v.ticket), ticketUrl: await ticketPageUrl(v.ticket) })));
}

/** Pending requests I review, then the recently decided ones (newest decision first). */
export async function listAccessRequests(): Promise<AccessRequestView[]> {
  const c = await client();
  const [pending, approved, denied] = await Promise.all((['pending', 'approved', 'denied'] as const).map((s) => c.accessRequests(s)));
  const decided = [...approved!.requests, ...denied!.requests].sort((a, b) => (b.decidedAt ?? '').localeCompare(a.decidedAt ?? '')).slice(0, 20);
  return [...pending!.requests, ...decided].map(toAccessRequestView);
}

/** An audit row's action in words; an AI-conversation revoke says so, since it leaves the data grant standing. */
function actionLabel(action: string, resource: { kind?: unknown } | null): string {
  if (action === 'grant.revoke' && resource?.kind === 'ai_conversations') return 'Revoked AI conversation access';
  return auditActionLabel(action);
}

/** Support's actions, optionally limited to one ticket's grant window (first grant → revocation or now). */
/** One page of the audit log (newest first), optionally Support only and within a ticket's grant window. */
export async function getAudit(
  supportOnly: boolean,
  ticketKey?: string,
  cursor?: string,
): Promise<{ rows: AuditRowView[]; window?: { from?: string; to?: string }; total?: number; nextCursor: string | null }> {
  const c = await client();
  const q: { actor?: string; ticket?: string; from?: string; to?: string; cursor?: string } = {};
  if (cursor) q.cursor = cursor;
  let window: { from?: string; to?: string } | undefined;
  if (supportOnly) q.actor = 'support';
  if (ticketKey) {
    q.ticket = ticketKey;
    const { grants } = await c.ticketGrants(ticketKey);
    const starts = grants
      .map((g) => g.grantedAt)
      .filter((x): x is string => !!x)
      .sort();
    const ends = grants
      .map((g) => g.revokedAt)
      .filter((x): x is string => !!x)
      .sort();
    const open = grants.some((g) => g.state === 'active' || g.state === 'pending_guard_approval');
    window = { from: starts[0], to: open ? undefined : ends.at(-1) };
    if (window.from) q.from = window.from;
    if (window.to) q.to = window.to;
  }
  const { entries, total, nextCursor } = await c.audit(q);
  return {
    window,
    total,
    nextCursor,
    rows: entries.map((r) => {
      const res = r.resource as { type?: string; id?: string; kind?: unknown } | null;
      const reason = (r.detail as { reason?: unknown } | null)?.reason;
      return {
        id: String(r.seq),
        at: r.at,
        actor: r.actorName,
        actorId: r.actor,
        actorKind: r.actorKind,
        action: actionLabel(r.action, res),
        actionCode: r.action,
        outcome: r.outcome,
        ...(r.outcome === 'refused' && typeof reason === 'string' ? { reason } : {}),
        // Words from the API; a row it could not name keeps its kind, never a bare id.
        resource: r.resourceName ?? (res?.type ? res.type.replace(/_/g, ' ') : ''),
        ticket: r.ticket ?? undefined,
      };
    }),
  };
}

/**
 * The API's verification of the audit trail, with the signed head it agreed with: the verdict names
 * the newest checkpoint's row, time and key, read from the checkpoints the API lists (one page of one).
 */
export async function verifyAudit(): Promise<AuditVerdictView> {
  const c = await client();
  const v = await c.verifyAudit();
  let signedHead: AuditVerdictView['signedHead'];
  if (v.lastCheckpoint !== undefined) {
    signedHead = { seq: v.lastCheckpoint };
    const page = await c.auditCheckpoints({ cursor: String(v.lastCheckpoint - 1), limit: 1 }).catch(() => undefined);
    const cp = page?.checkpoints.find((x) => x.seq === v.lastCheckpoint);
    if (cp) signedHead = { seq: cp.seq, at: cp.at, keyId: cp.keyId };
  }
  return {
    ok: v.ok,
    entries: v.rows,
    ...(v.firstBrokenRow !== undefined ? { firstBrokenEntry: v.firstBrokenRow } : {}),
    ...(v.reason ? { reason: v.reason } : {}),
    checkpoints: v.checkpoints ?? 0,
    ...(signedHead ? { signedHead } : {}),
    ...(v.warning ? { warning: v.warning } : {}),
    checkedAt: new Date().toISOString(),
  };
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((k): k is string => typeof k === 'string') : []);

/** Console frames only (the popup's methods are in handlers-popup.ts): none of these is opened to content scripts. */
export function registerConsoleHandlers(): void {
  registerHandlers({
    getMe: () => getMe(),
    getSupportRequests: (req) => getSupportRequests(strings(req.alsoTickets)),
    listGrants: (req) => listGrants(req.states as GrantWire['state'][], Boolean(req.detail)),
    listAccessRequests: () => listAccessRequests(),
    // Actions: done at once for a click the frame vouched for (or from the popup), else parked.
    bulkGrant: (req, sender) => requestAction({ kind: 'bulk_grant', tickets: strings(req.tickets), idempotencyKey: req.idempotencyKey }, req.click, sender),
    revokeGrant: (req, sender) => requestAction({ kind: 'revoke', grantId: req.id, idempotencyKey: req.idempotencyKey }, req.click, sender),
    guardDecision: (req, sender) =>
      requestAction(
        {
          kind: 'guard_decision',
          grantId: req.id,
          decision: req.decision === 'approve' ? 'approve' : 'deny',
          message: typeof req.message === 'string' && req.message.trim() ? req.message.trim() : undefined,
          idempotencyKey: req.idempotencyKey,
        },
        req.click,
        sender,
      ),
    approveAccessRequest: (req, sender) => requestAction({ kind: 'access_request_decision', requestId: req.id, decision: 'approve', idempotencyKey: req.idempotencyKey }, req.click, sender),
    denyAccessRequest: (req, sender) =>
      requestAction({ kind: 'access_request_decision', requestId: req.id, decision: 'deny', message: req.message, idempotencyKey: req.idempotencyKey }, req.click, sender),
    getAudit: (req) => getAudit(Boolean(req.supportOnly), req.ticket, req.cursor),
    verifyAudit: () => verifyAudit(),
    listApiKeys: async () => {
      // Key names (typed by admins) and people's names as displayText shows them; ids as the API gave them.
      const list = await (await client()).apiKeys();
      return {
        keys: list.keys.map((k) => ({
          ...k,
          name: displayText(k.name),
          engineerName: k.engineerName === null ? null : displayText(k.engineerName),
          createdByName: displayText(k.createdByName),
        })),
        engineers: list.engineers.map((e) => ({ ...e, name: displayText(e.name), email: displayText(e.email) })),
      };
    },
    // A key is made only for a press the frame vouches for: the page cannot read our frame, but it
    // can steer a person's typing into the form (a decoy field before our frame in tab order), and
    // typing is not consent. Refused, not parked: the secret is shown once, in the frame that asked.
    createApiKey: async (req, sender) => {
      const refusal = await pressRefusal(req.click, sender);
      if (refusal) throw Object.assign(new Error(refusal), { problem: { title: 'Key not created', detail: `Nothing was created. ${refusal}`, status: 403 } });
      return (await client()).createApiKey({
        name: String(req.name ?? ''),
        scopes: strings(req.scopes) as ApiKeyInput['scopes'],
        ...(typeof req.engineer === 'string' ? { engineer: req.engineer } : {}),
        ...(typeof req.expiresAt === 'string' ? { expiresAt: req.expiresAt } : {}),
      });
    },
    deleteApiKey: (req, sender) => requestAction({ kind: 'api_key_delete', apiKeyId: String(req.id ?? ''), idempotencyKey: req.idempotencyKey }, req.click, sender),
    bulkDecideAccessRequests: (req, sender) =>
      requestAction(
        {
          kind: 'bulk_access_request_decision',
          requestIds: strings(req.ids),
          decision: req.decision === 'approve' ? 'approve' : 'deny',
          message: typeof req.message === 'string' ? req.message : undefined,
          idempotencyKey: req.idempotencyKey,
        },
        req.click,
        sender,
      ),
  });
}
