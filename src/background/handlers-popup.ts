// Handlers behind the popup: what is active and what waits on me (the poll's cached copy), and the
// parked action the popup confirms. The popup is not web-accessible, so no page can frame it.
import type { MyAccessRequestWire } from '../api/schemas';
import type { GrantView } from '../shared-ext/views';
import { registerHandlers, type PopupState } from '../shared-ext/messages';
import type { MessageSender } from '../shared-ext/browser';
import { confirmPendingAction, dismissPendingAction, fromPopup, pendingAction } from './actions';
import { signedOutReason } from './auth-state';
import { fingerprint } from './api';
import { getMeta, readCache, readMe } from './db';
import { inboxLink, syncNow, type InboxItem } from './inbox-sync';
import { loadSettings } from './settings';

/** The popup's state from the poll's cache, each part with when it was fetched; `fresh` polls first. */
async function popupState(fresh: boolean): Promise<PopupState> {
  if (fresh) await syncNow();
  const [grants, inbox, myRequests] = await Promise.all([readCache<GrantView[]>('grants'), readCache<InboxItem[]>('inbox'), readCache<MyAccessRequestWire[]>('myRequests')]);
  const last = await getMeta<{ at: number; problem?: string }>('lastSync');
  const settings = await loadSettings();
  return {
    signedIn: settings.token !== '',
    apiBaseUrl: settings.apiBaseUrl,
    grants: grants ? { value: grants.value.filter((g) => g.state === 'active' || g.state === 'pending_guard_approval'), fetchedAt: grants.fetchedAt } : undefined,
    inbox: inbox ? { value: await Promise.all(inbox.value.map(async (i) => ({ ...i, link: await inboxLink(i) }))), fetchedAt: inbox.fetchedAt } : undefined,
    myRequests: myRequests ? { value: myRequests.value, fetchedAt: myRequests.fetchedAt } : undefined,
    problem: last?.problem,
    lastTriedAt: last?.at,
    ...(settings.token ? { account: await account(settings.token) } : await signedOut()),
  };
}

async function signedOut(): Promise<Pick<PopupState, 'signedOutAt' | 'signedOutBecause'>> {
  const why = await signedOutReason();
  return { signedOutAt: why?.at, signedOutBecause: why?.reason };
}

async function account(token: string): Promise<PopupState['account']> {
  const me = (await readMe(await fingerprint(token)))?.value;
  return me && { name: me.name, email: me.email, org: me.org.name };
}

/**
 * Confirming or dismissing a parked action is the popup's alone: the panel and console frames are
 * web-accessible, so script that ever ran in one must not settle what the popup exists to ask
 * (outside review 2026-12-07). Throws a 403 problem for any other sender.
 */
function popupOnly(sender: MessageSender): void {
  const title = 'Only the toolbar popup can confirm or dismiss a parked action.';
  if (!fromPopup(sender)) throw Object.assign(new Error(title), { title, status: 403 });
}

/** Popup only (the state: any of our extension pages may read it; no content script). */
export function registerPopupHandlers(): void {
  registerHandlers({
    getPopupState: (req) => popupState(Boolean(req.fresh)),
    getPendingAction: () => pendingAction(),
    confirmPendingAction: async (req, sender) => {
      popupOnly(sender);
      return confirmPendingAction(req.id);
    },
    dismissPendingAction: async (req, sender) => {
      popupOnly(sender);
      await dismissPendingAction(req.id);
      return { ok: true };
    },
  });
}
