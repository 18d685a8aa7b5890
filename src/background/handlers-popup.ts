// Handlers behind the popup: what is active and what waits on me (the poll's cached copy), and the
// parked action the popup confirms. The popup is not web-accessible, so no page can frame it.
import type { MyAccessRequestWire } from '../api/schemas';
import type { GrantView } from '../console/views';
import { registerHandlers, type PopupState } from '../shared-ext/messages';
import { confirmPendingAction, dismissPendingAction, pendingAction } from './actions';
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

/** Popup only (any of our extension pages may call them; no content script). */
export function registerPopupHandlers(): void {
  registerHandlers({
    getPopupState: (req) => popupState(Boolean(req.fresh)),
    getPendingAction: () => pendingAction(),
    confirmPendingAction: (req) => confirmPendingAction(req.id),
    dismissPendingAction: async (req) => {
      await dismissPendingAction(req.id);
      return { ok: true };
    },
  });
}
