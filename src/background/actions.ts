// Grant, revoke, AI-conversation grant and "ask an admin", always sent to the API with the
// panel's idempotency key, never answered from cache. A click the panel could not vouch for
// (untrusted event, or the panel was covered, hidden or faded) is parked for confirmation in
// the popup instead.
import type { ActionResult, ClickEvidence } from '../shared-ext/messages';
import type { PendingAction } from '../shared-ext/ticket-view';
import { accessClient } from './api';
import { getMeta, readDecision, setMeta } from './db';
import { changed } from './inbox-sync';

const PENDING_KEY = 'pendingAction';
const PENDING_TTL_MS = 5 * 60_000;

type Intent = Omit<PendingAction, 'id' | 'label' | 'reason' | 'createdAt'>;

export function clickRefusal(click: ClickEvidence): string | undefined {
  if (!click.isTrusted) return 'The click did not come from you (it was synthesized by a script).';
  if (!click.visible) return 'The panel was covered, hidden or faded when it was clicked.';
  return undefined;
}

async function describe(intent: Intent): Promise<string> {
  const view = (await readDecision(intent.ticket))?.value;
  const where = view?.ticket ? ` (${view.ticket.productName} on ${hostOf(view.ticket.siteUrl)})` : '';
  if (intent.kind === 'grant') return `Grant Support access to ${intent.ticket}${where}`;
  if (intent.kind === 'revoke') return `Revoke Support's access to ${intent.ticket}${where}`;
  return `Let Support read AI conversations ${intent.conversations?.join(', ')} on ${intent.ticket}`;
}

const hostOf = (url: string) => { try { return new URL(url).host; } catch { return url; } };

/** Does the action if the click is vouched for; otherwise parks it for the popup. */
export async function requestAction(intent: Intent, click: ClickEvidence): Promise<ActionResult> {
  const refusal = clickRefusal(click);
  if (!refusal) return perform(intent);
  const pending: PendingAction = { ...intent, id: crypto.randomUUID(), label: await describe(intent), reason: refusal, createdAt: Date.now() };
  await setMeta(PENDING_KEY, pending);
  // Best effort: Chrome opens the popup only for some callers; the panel says where to confirm.
  await chrome.action.openPopup?.().catch(() => undefined);
  return { outcome: 'parked', pendingId: pending.id, reason: refusal };
}

async function perform(intent: Intent): Promise<ActionResult> {
  const { client } = await accessClient();
  const o = { idempotencyKey: intent.idempotencyKey };
  let result: { id: string; state: string };
  if (intent.kind === 'grant') result = await client.grant(intent.ticket, o);
  else if (intent.kind === 'revoke') result = await client.revoke(intent.grantId ?? '', o);
  else result = await client.grantAiConversations(intent.ticket, intent.conversations ?? [], o);
  void changed().catch(() => undefined); // popup, badge and other open pages catch up
  return { outcome: 'done', state: result.state, grantId: result.id };
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
  if (!pending || pending.id !== id) throw Object.assign(new Error('That action expired'), { problem: { title: 'That action expired', detail: 'Nothing is waiting for confirmation any more; start again from the ticket.' } });
  await setMeta(PENDING_KEY, undefined);
  return perform(pending);
}

export async function dismissPendingAction(id: string): Promise<void> {
  const pending = await pendingAction();
  if (pending?.id === id) await setMeta(PENDING_KEY, undefined);
}

export async function askAdmin(ticket: string, adminId: string, idempotencyKey: string): Promise<void> {
  const { client } = await accessClient();
  await client.ask(ticket, adminId, undefined, { idempotencyKey });
}
