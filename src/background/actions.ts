// Every action a person asks for from a page: grant, revoke, AI-conversation grant, bulk grant,
// Guard decision, product-access decision, product-access request. Each goes to the API with the idempotency key the page
// made for that action (a retry or a confirmation is the same action), never answered from cache.
// Our framed pages (ticket panel, console frames) sit inside vendor pages, so a click there counts
// only if the frame vouched for it (trusted press, control and frame seen long enough, pointer
// brought there deliberately) and so did the content script that owns the frame's host (in place,
// whole, opaque, uncovered long enough); anything else is parked for confirmation in the popup,
// which no page can frame or cover.
import { displayText } from '../shared-ext/format';
import type { RoleAssignmentInput } from '../api/directory-schemas';
import { browser, type MessageSender } from '../shared-ext/browser';
import type { ActionResult, ClickEvidence } from '../shared-ext/messages';
import { HOST_EVIDENCE_MESSAGE, MIN_VISIBLE_MS, mountIdOf, type HostEvidence, type HostProblem } from '../shared-ext/host-evidence';
import { accessClient } from './api';
import { describeAction } from './action-labels';
import { getMeta, setMeta } from './db';
import type { ActionIntent as Intent, PendingAction } from '../shared-ext/pending-action';
import { changed } from './live-stream';

const PENDING_KEY = 'pendingAction';
const PENDING_TTL_MS = 5 * 60_000;

const HOST_REFUSAL: Record<HostProblem, string> = {
  gone: 'Access Companion could not check how the page showed the panel.',
  moved: 'The page moved the panel just before the click.',
  clipped: 'The page cut the panel down, so only part of it could be seen.',
  faded: 'The panel was covered, hidden or faded when it was clicked: the page made it see-through.',
  distorted: 'The page distorted the panel (filter, blend, zoom or transform) when it was clicked.',
  hidden: 'The panel was covered, hidden or faded when it was clicked: the page hid it.',
  covered: 'The panel was covered, hidden or faded when it was clicked: something on the page lay over it.',
};

/** Why a click from a framed page cannot count (undefined: it counts). `host`: what the content script owning the frame saw. */
export function clickRefusal(click: ClickEvidence | undefined, host?: HostEvidence): string | undefined {
  if (!click?.isTrusted) return 'The click did not come from you (it was synthesized by a script).';
  if (click.visibilityUnknown) return 'This browser cannot tell whether a page covered or faded the panel (it has no IntersectionObserver v2), so actions from a page always need confirming.';
  if (!click.visible) return 'The panel was covered, hidden or faded when it was clicked, or had only just come into view.';
  if (!click.pointer) return 'The pointer had only just reached the panel when it was pressed (a page can slide the panel under a pointer aimed elsewhere).';
  if (click.selection === false) return 'Some of the selected rows were ticked by a click Access Companion could not vouch for.';
  if (!host || (host.problem && host.steadyMs < MIN_VISIBLE_MS)) return HOST_REFUSAL[host?.problem ?? 'gone'];
  if (host.steadyMs < MIN_VISIBLE_MS) return HOST_REFUSAL.moved;
  return undefined;
}

/** Asks the content script in the sender's tab how the page has shown the sender's frame; undefined if it cannot say. */
async function hostEvidenceFor(sender: MessageSender): Promise<HostEvidence | undefined> {
  const mount = mountIdOf(sender.url);
  if (sender.tab?.id === undefined || !mount) return undefined;
  // Our content script runs in the tab's top frame only, which is where it places our frames.
  const reply = (await browser.tabs.sendMessage(sender.tab.id, { type: HOST_EVIDENCE_MESSAGE, mount }, { frameId: 0 }).catch(() => undefined)) as HostEvidence | undefined;
  return reply && typeof reply.steadyMs === 'number' ? reply : undefined;
}

/** The popup: an extension page that is not web-accessible, so no page can frame it under a decoy. */
export function fromPopup(sender: MessageSender): boolean {
  const popup = browser.runtime.getManifest().action?.default_popup;
  return Boolean(popup) && sender.id === browser.runtime.id && (sender.url ?? '').split(/[?#]/)[0] === browser.runtime.getURL(popup!);
}

/**
 * Why the press that sent this message cannot be vouched for (clickRefusal, with what the page's
 * content script says about our frame), or undefined when it can or the sender is the popup. For
 * an action that cannot be parked (making an API key: its secret is shown once, in the frame that
 * asked), the handler refuses on a reason instead of parking.
 */
export async function pressRefusal(click: ClickEvidence | undefined, sender: MessageSender): Promise<string | undefined> {
  return fromPopup(sender) ? undefined : clickRefusal(click, await hostEvidenceFor(sender));
}

/** Does the action if the click is vouched for (or came from the popup); otherwise parks it for the popup. */
export async function requestAction(intent: Intent, click: ClickEvidence | undefined, sender: MessageSender): Promise<ActionResult> {
  if (typeof intent.idempotencyKey !== 'string' || !intent.idempotencyKey)
    throw Object.assign(new Error('No idempotency key'), { problem: { title: 'Bad request', detail: 'Every action carries the idempotency key its page made for it.', status: 400 } });
  const refusal = await pressRefusal(click, sender);
  if (!refusal) return perform(intent);
  const pending: PendingAction = { ...intent, id: crypto.randomUUID(), label: displayText(await describeAction(intent)), reason: refusal, createdAt: Date.now() };
  await setMeta(PENDING_KEY, pending);
  // Best effort: Chrome opens the popup only for some callers; the page says where to confirm.
  await browser.action.openPopup?.().catch(() => undefined);
  return { outcome: 'parked', pendingId: pending.id, reason: refusal };
}

/** Does the action at the API; `pendingId`: it was parked, and the page that parked it is told how it ended. */
async function perform(intent: Intent, pendingId?: string): Promise<ActionResult> {
  const { client } = await accessClient();
  const o = { idempotencyKey: intent.idempotencyKey };
  let result: ActionResult;
  switch (intent.kind) {
    case 'grant': {
      const r = await client.grant(intent.ticket, o);
      result = { outcome: 'done', state: r.state, grantId: r.id };
      break;
    }
    case 'revoke': {
      const r = await client.revoke(intent.grantId, o);
      result = { outcome: 'done', state: r.state, grantId: r.id };
      break;
    }
    case 'ai_grant': {
      const r = await client.grantAiConversations(intent.ticket, intent.conversations, o);
      result = { outcome: 'done', state: r.state, grantId: r.id };
      break;
    }
    case 'guard_decision': {
      const r = await client.guardDecision(intent.grantId, intent.decision, o, intent.message);
      result = { outcome: 'done', state: r.state, grantId: r.id };
      break;
    }
    case 'access_request_decision': {
      const id = intent.requestId;
      const r = intent.decision === 'approve' ? await client.approveAccessRequest(id, o) : await client.denyAccessRequest(id, intent.message, o);
      result = { outcome: 'done', state: r.state };
      break;
    }
    case 'access_request_create': {
      const r = await client.requestProductAccess({ site: intent.site, product: intent.product, ...(intent.for ? { for: intent.for } : {}) }, o);
      result = { outcome: 'done', state: r.state, requestId: r.id };
      break;
    }
    case 'change_request_decision': {
      const id = intent.changeRequestId;
      const r = intent.guard
        ? await client.guardDecideChangeRequest(id, intent.decision, o)
        : intent.decision === 'approve'
          ? await client.approveChangeRequest(id, o)
          : await client.declineChangeRequest(id, intent.message, o);
      result = { outcome: 'done', state: r.state };
      break;
    }
    case 'bulk_access_request_decision': {
      const { results } = await client.bulkDecideAccessRequests(intent.requestIds, intent.decision, intent.message, o);
      const requestRows = results.map((r) => ({ id: r.id, ok: r.ok, state: r.state, decidedWith: r.decidedWith, reason: r.reason }));
      const done = requestRows.filter((r) => r.ok).length;
      result = { outcome: 'done', state: `${done} decided, ${requestRows.length - done} refused`, requestRows };
      break;
    }
    case 'api_key_delete': {
      await client.deleteApiKey(intent.apiKeyId, o);
      result = { outcome: 'done', state: 'deleted' };
      break;
    }
    case 'role_assign': {
      const r = await client.createRoleAssignment(intent.roleAssignment as RoleAssignmentInput, o);
      result = { outcome: 'done', state: 'assigned', roleAssignmentId: r.id };
      break;
    }
    case 'role_remove': {
      await client.deleteRoleAssignment(intent.roleAssignmentId ?? '', o);
      result = { outcome: 'done', state: 'removed' };
      break;
    }
    case 'bulk_grant': {
      const { results } = await client.bulkGrant(intent.tickets, o);
      const rows = results.map((r) => ({ ticket: r.ticket, ok: r.ok, id: r.id, state: r.state, causes: r.causes ?? [], reason: r.reason }));
      const granted = rows.filter((r) => r.ok).length;
      result = { outcome: 'done', state: `${granted} granted, ${rows.length - granted} refused`, rows };
      break;
    }
  }
  // Popup, badge and other open pages catch up; the page that parked this action learns its result.
  void changed(pendingId && result.outcome === 'done' ? { pendingId, result } : undefined).catch(() => undefined);
  return result;
}

export async function pendingAction(): Promise<PendingAction | undefined> {
  const pending = await getMeta<PendingAction>(PENDING_KEY);
  if (pending && Date.now() - pending.createdAt > PENDING_TTL_MS) {
    await setMeta(PENDING_KEY, undefined);
    return undefined;
  }
  return pending;
}

/** The popup's "Confirm": a click inside our own popup, which no page can cover. */
export async function confirmPendingAction(id: string): Promise<ActionResult> {
  const pending = await pendingAction();
  if (!pending || pending.id !== id)
    throw Object.assign(new Error('That action expired'), {
      problem: { title: 'That action expired', detail: 'Nothing is waiting for confirmation any more; start again from the page you were on.' },
    });
  await setMeta(PENDING_KEY, undefined);
  return perform(pending, pending.id);
}

export async function dismissPendingAction(id: string): Promise<void> {
  const pending = await pendingAction();
  if (pending?.id !== id) return;
  await setMeta(PENDING_KEY, undefined);
  void changed({ pendingId: id, result: { outcome: 'dismissed' } }).catch(() => undefined);
}

export async function askAdmin(ticket: string, adminId: string, idempotencyKey: string): Promise<void> {
  const { client } = await accessClient();
  await client.ask(ticket, adminId, undefined, { idempotencyKey });
}
