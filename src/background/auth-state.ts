// A token the Access API stops accepting (rotated or revoked) signs the session out: retrying with
// it only trips the API's failed-login throttle for everyone behind the same address. We forget
// the token, remember why (popup, panel and options say "Signed out: sign in again"), and mark the
// badge. Signing in again clears the mark.
import { browser } from '../shared-ext/browser';
import { forgetProviderSession, readProviderSession } from './provider-session';
import { loadSettings, saveSettings } from './settings';

export const SIGNED_OUT_TEXT = 'Signed out: sign in again';
const REASON_KEY = 'signedOutReason';

export interface SignedOutReason {
  /** `session_ended`: a session from the org's provider was ended at the API (signed out elsewhere, expired, person removed); `token_rejected`: a personal access token. */
  reason: 'token_rejected' | 'session_ended';
  at: number;
}

/**
 * Called on a 401 for `token`; does nothing if the admin has meanwhile signed in with another
 * token (or the session was renewed). A provider sign-in is forgotten with it, refresh token too:
 * a session the API ended is not silently renewed behind the person's back.
 */
export async function tokenRejected(token: string): Promise<void> {
  const settings = await loadSettings();
  if (!token || settings.token !== token) return;
  const viaProvider = (await readProviderSession()) !== undefined;
  await browser.storage.local.set({ [REASON_KEY]: { reason: viaProvider ? 'session_ended' : 'token_rejected', at: Date.now() } satisfies SignedOutReason });
  await forgetProviderSession();
  await saveSettings({ apiBaseUrl: settings.apiBaseUrl, token: '' });
  await showSignedOutBadge();
}

/** Why the session ended without the admin signing out, if it did. */
export async function signedOutReason(): Promise<SignedOutReason | undefined> {
  return ((await browser.storage.local.get(REASON_KEY)) as { [REASON_KEY]?: SignedOutReason })[REASON_KEY];
}

export async function clearSignedOutReason(): Promise<void> {
  await browser.storage.local.remove(REASON_KEY);
  await browser.action.setTitle({ title: 'Access Companion' });
  // The next poll puts the count back; until then the badge must not still say signed out.
  if ((await browser.action.getBadgeText({})) === 'OUT') await browser.action.setBadgeText({ text: '' });
}

export async function showSignedOutBadge(): Promise<void> {
  await browser.action.setBadgeBackgroundColor({ color: '#626f86' });
  await browser.action.setBadgeText({ text: 'OUT' });
  await browser.action.setTitle({ title: `Access Companion: ${SIGNED_OUT_TEXT}` });
}
