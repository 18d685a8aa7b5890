// A token the Access API stops accepting (rotated or revoked) signs the session out: retrying with
// it only trips the API's failed-login throttle for everyone behind the same address. We forget
// the token, remember why (popup, panel and options say "Signed out: sign in again"), and mark the
// badge. Signing in again clears the mark.
import { browser } from '../shared-ext/browser';
import { loadSettings, saveSettings } from './settings';

export const SIGNED_OUT_TEXT = 'Signed out: sign in again';
const REASON_KEY = 'signedOutReason';

export interface SignedOutReason {
  reason: 'token_rejected';
  at: number;
}

/** Called on a 401 for `token`; does nothing if the admin has meanwhile signed in with another token. */
export async function tokenRejected(token: string): Promise<void> {
  const settings = await loadSettings();
  if (!token || settings.token !== token) return;
  await browser.storage.local.set({ [REASON_KEY]: { reason: 'token_rejected', at: Date.now() } satisfies SignedOutReason });
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
}

export async function showSignedOutBadge(): Promise<void> {
  await browser.action.setBadgeBackgroundColor({ color: '#626f86' });
  await browser.action.setBadgeText({ text: 'OUT' });
  await browser.action.setTitle({ title: `Access Companion: ${SIGNED_OUT_TEXT}` });
}
