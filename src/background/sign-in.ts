// Sign-in from the options page: the background checks the token with GET /v1/me before keeping
// it, and drops everything cached for a previous person.
import type { Status } from '../shared-ext/ticket-view';
import { validateApiBaseUrl } from '../shared-ext/api-address';
import { loadSettings, saveSettings } from './settings';
import { clientFor, fingerprint, problemOf } from './api';
import { clearPersonalData, readMe, writeMe } from './db';
import { clearSignedOutReason, signedOutReason } from './auth-state';

const refusal = (title: string, detail: string) => Object.assign(new Error(detail), { problem: { title, detail } });

export async function signIn(apiBaseUrl: string, token: string): Promise<{ name: string; email: string; org: string }> {
  const checked = validateApiBaseUrl(apiBaseUrl);
  if (!checked.ok) throw refusal('Invalid address', checked.message);
  const trimmed = token.trim();
  if (!trimmed) throw refusal('Token missing', 'Paste the sign-in token your Access API issued you.');
  let me;
  try {
    me = await clientFor(checked.url, trimmed).me();
  } catch (error) {
    const p = problemOf(error);
    if (p.status === 401) throw refusal('Token not accepted', `The Access API at ${checked.url} did not accept this token.`);
    throw Object.assign(new Error(p.detail ?? p.title), { problem: p });
  }
  if (me.kind !== 'admin') throw refusal('Not an admin token', 'This token belongs to a Support engineer; sign in with an admin of your org.');
  const previous = await loadSettings();
  if (previous.token !== trimmed || previous.apiBaseUrl !== checked.url) await clearPersonalData();
  await clearSignedOutReason();
  await saveSettings({ apiBaseUrl: checked.url, token: trimmed });
  await writeMe(me, await fingerprint(trimmed));
  return { name: me.name, email: me.email, org: me.org.name };
}

export async function signOut(): Promise<void> {
  const settings = await loadSettings();
  await saveSettings({ apiBaseUrl: settings.apiBaseUrl, token: '' });
  await clearPersonalData();
  await clearSignedOutReason(); // signed out on purpose: nothing to warn about
}

export async function status(): Promise<Status> {
  const settings = await loadSettings();
  if (!settings.token) return { signedIn: false, apiBaseUrl: settings.apiBaseUrl, signedOutAt: (await signedOutReason())?.at };
  const me = (await readMe(await fingerprint(settings.token)))?.value;
  return { signedIn: true, apiBaseUrl: settings.apiBaseUrl, me: me && { id: me.id, name: me.name, email: me.email, org: me.org.name } };
}
