// Checks the Access API address an admin types: the options form says what is wrong at once, and
// the background checks again before it signs in.
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
