// Extension settings. The API address lives in chrome.storage.local (not secret); the token lives in
// the extension's own IndexedDB (see background/db.ts), because content scripts can read
// chrome.storage.local. Only extension pages and the background can open that database, and only
// the background uses the token.
import { readToken, writeToken } from '../background/db';

export interface Settings {
  apiBaseUrl: string;
  token: string;
}

export const DEFAULT_SETTINGS: Settings = { apiBaseUrl: 'http://localhost:4400', token: '' };

export async function loadSettings(): Promise<Settings> {
  const stored = (await chrome.storage.local.get(['apiBaseUrl', 'token'])) as Partial<Settings>;
  let token = await readToken();
  // A token from an older version (or a test harness) in chrome.storage.local: move it out of reach.
  if (typeof stored.token === 'string') {
    if (stored.token) token = stored.token;
    await writeToken(token);
    await chrome.storage.local.remove('token');
  }
  return { apiBaseUrl: stored.apiBaseUrl ?? DEFAULT_SETTINGS.apiBaseUrl, token };
}

export async function saveSettings(settings: Settings): Promise<void> {
  await writeToken(settings.token);
  // signedInAt tells listeners (the background's sync) that who is signed in may have changed.
  await chrome.storage.local.set({ apiBaseUrl: settings.apiBaseUrl, signedInAt: Date.now() });
}

/** The API address as an origin-rooted URL, or an error message for the options form. */
export function validateApiBaseUrl(value: string): { ok: true; url: string } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return { ok: false, message: 'Enter a full address, like https://access.example.com' };
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    return { ok: false, message: 'Use https:// (plain http:// is allowed only for localhost)' };
  }
  return { ok: true, url: url.origin + url.pathname.replace(/\/+$/, '') };
}
