// A token the Access API stops accepting (rotated or revoked) signs the session out: retrying with
// it only trips the API's failed-login throttle for everyone behind the same address. We forget
// the token, remember why (popup, panel and options say "Signed out: sign in again"), and mark the
// badge. Signing in again clears the mark.
import { browser } from '../shared-ext/browser';
import { signedOutWhy, type SignedOutBecause } from '../shared-ext/signed-out';
import { forgetRoleData } from './db';
import { forgetProviderSession, readProviderSession } from './provider-session';
import { loadSettings, saveSettings } from './settings';

export const SIGNED_OUT_TEXT = 'Signed out: sign in again';
const REASON_KEY = 'signedOutReason';

export interface SignedOutReason {
  /** `session_ended`: a session from the org's provider was ended at the API (signed out elsewhere, expired); `token_rejected`: a personal access token; `deactivated`: the API said the person was deactivated or removed from the org's directory. */
  reason: SignedOutBecause;
  at: number;
}

/**
 * Called on a 401 for `token`; does nothing if the admin has meanwhile signed in with another
 * token (or the session was renewed). A provider sign-in is forgotten with it, refresh token too:
 * a session the API ended is not silently renewed behind the person's back. `apiReason`: the 401
 * problem's `reason` member, when the API gave one (`deactivated`).
 */
export async function tokenRejected(token: string, apiReason?: unknown): Promise<void> {
  const settings = await loadSettings();
  if (!token || settings.token !== token) return;
  const viaProvider = (await readProviderSession()) !== undefined;
  const reason: SignedOutBecause = apiReason === 'deactivated' ? 'deactivated' : viaProvider ? 'session_ended' : 'token_rejected';
  await browser.storage.local.set({ [REASON_KEY]: { reason, at: Date.now() } satisfies SignedOutReason });
  await forgetProviderSession();
  await saveSettings({ apiBaseUrl: settings.apiBaseUrl, token: '' });
  // What the API decided for this person (who they are, what each ticket offered) is not theirs to
  // show any more: a panel opened next must not paint "You can grant" from it (outside review, 2026-12-07).
  await forgetRoleData();
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
  const why = await signedOutReason();
  // The badge's tooltip says why when the API said (a deactivated account is not fixed by signing in again).
  await browser.action.setTitle({ title: `Access Companion: ${SIGNED_OUT_TEXT}${why?.reason === 'deactivated' ? `. ${signedOutWhy(why.reason)}` : ''}` });
}
