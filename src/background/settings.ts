// Sign-in settings, the background's alone. The API address lives in storage.local (not
// secret); the token lives in the extension's own IndexedDB (see db.ts), because content scripts can
// read storage.local. No page reads either from here: the options page and popup ask the
// background (getStatus) and sign in or out through it.
import { browser } from '../shared-ext/browser';
import { readToken, writeToken } from './db';

export interface Settings {
  apiBaseUrl: string;
  token: string;
}

export const DEFAULT_SETTINGS: Settings = { apiBaseUrl: 'http://localhost:4400', token: '' };

export async function loadSettings(): Promise<Settings> {
  const stored = (await browser.storage.local.get(['apiBaseUrl', 'token'])) as Partial<Settings>;
  let token = await readToken();
  // A token from an older version (or a test harness) in storage.local: move it out of reach.
  if (typeof stored.token === 'string') {
    if (stored.token) token = stored.token;
    await writeToken(token);
    await browser.storage.local.remove('token');
  }
  return { apiBaseUrl: stored.apiBaseUrl ?? DEFAULT_SETTINGS.apiBaseUrl, token };
}

export async function saveSettings(settings: Settings): Promise<void> {
  await writeToken(settings.token);
  // signedInAt tells listeners (the background's sync) that who is signed in may have changed.
  await browser.storage.local.set({ apiBaseUrl: settings.apiBaseUrl, signedInAt: Date.now() });
}
