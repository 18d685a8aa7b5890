// Extension settings in chrome.storage.local. The options page writes them; only the background
// reads the token to call the API.
export interface Settings {
  apiBaseUrl: string;
  token: string;
}

export const DEFAULT_SETTINGS: Settings = { apiBaseUrl: 'http://localhost:4400', token: '' };

export async function loadSettings(): Promise<Settings> {
  const stored = (await chrome.storage.local.get(['apiBaseUrl', 'token'])) as Partial<Settings>;
  return { ...DEFAULT_SETTINGS, ...stored };
}

export async function saveSettings(settings: Settings): Promise<void> {
  await chrome.storage.local.set(settings);
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
