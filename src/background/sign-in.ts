// Sign-in from the options page and the popup. With the org's identity provider (the API names it
// at GET /v1/auth/config) the person signs in there and the API gives the worker a session of at
// most an hour (provider-session.ts); without one, a personal access token is pasted (advanced).
// Either way the background checks who it is with GET /v1/me before keeping it, and drops
// everything cached for a previous person.
import type { AuthConfigWire } from '../api/schemas';
import type { Status } from '../shared-ext/ticket-view';
import { validateApiBaseUrl } from '../shared-ext/api-address';
import { loadSettings, saveSettings } from './settings';
import { clientFor, fingerprint, problemOf } from './api';
import { clearPersonalData, readMe, writeMe } from './db';
import { clearSignedOutReason, signedOutReason } from './auth-state';
import { authConfig, endProviderSession, forgetProviderSession, readProviderSession, signInAtProvider, writeProviderSession, type ProviderSession } from './provider-session';

const refusal = (title: string, detail: string, status?: number) => Object.assign(new Error(detail), { problem: { title, detail, status } });

type SignedIn = { name: string; email: string; org: string };

function checkedAddress(apiBaseUrl: string): string {
  const checked = validateApiBaseUrl(apiBaseUrl);
  if (!checked.ok) throw refusal('Invalid address', checked.message);
  return checked.url;
}

/** Signs in with a personal access token (orgs without an identity provider, scripts' tokens). */
export async function signIn(apiBaseUrl: string, token: string): Promise<SignedIn> {
  const url = checkedAddress(apiBaseUrl);
  const trimmed = token.trim();
  if (!trimmed) throw refusal('Token missing', 'Paste the personal access token your Access API issued you.');
  return keep(url, trimmed, undefined);
}

/** Where the org at `apiBaseUrl` signs people in; undefined when it has no provider. */
export async function providerOf(apiBaseUrl: string): Promise<AuthConfigWire | undefined> {
  const url = checkedAddress(apiBaseUrl);
  try {
    return await authConfig(url);
  } catch (error) {
    const p = problemOf(error);
    throw Object.assign(new Error(p.detail ?? p.title), { problem: p });
  }
}

/**
 * Signs in with the org's identity provider in the browser's sign-in window. `switchAccount`
 * makes the provider ask who is signing in even when it has a session. Throws when the org has no
 * provider, the person cancels, or the provider or the API refuses.
 */
export async function signInWithProvider(apiBaseUrl: string, switchAccount = false): Promise<SignedIn> {
  const url = checkedAddress(apiBaseUrl);
  const config = await providerOf(url);
  if (!config) throw refusal('No identity provider', `The Access API at ${url} names no identity provider for its organisation; sign in with a personal access token (Advanced).`, 404);
  let signed: Awaited<ReturnType<typeof signInAtProvider>>;
  try {
    signed = await signInAtProvider(url, config, switchAccount);
  } catch (error) {
    const p = problemOf(error);
    if (p.status === 401) throw refusal('Sign-in not accepted', `The Access API at ${url} did not accept this sign-in: ${p.detail ?? p.title}`, 401);
    if (p.status === 429) throw refusal('Too many attempts', 'Too many sign-in attempts from here; wait a minute and try again.', 429);
    throw Object.assign(new Error(p.detail ?? p.title), { problem: p });
  }
  return keep(url, signed.session.token, signed.provider);
}

/** Checks `token` with GET /v1/me, then keeps it (and the provider sign-in) for the background. */
async function keep(url: string, token: string, provider: ProviderSession | undefined): Promise<SignedIn> {
  let me;
  try {
    me = await clientFor(url, token).me();
  } catch (error) {
    const p = problemOf(error);
    if (p.status === 401) throw refusal('Token not accepted', `The Access API at ${url} did not accept this token.`, 401);
    throw Object.assign(new Error(p.detail ?? p.title), { problem: p });
  }
  if (me.kind !== 'admin') throw refusal('Not an admin token', 'This token belongs to a Support engineer; sign in with an admin of your org.');
  const previous = await loadSettings();
  const previousMe = previous.token ? (await readMe(await fingerprint(previous.token)))?.value : undefined;
  // Another person, or another API: nothing of the previous one's stays.
  if (previous.apiBaseUrl !== url || previousMe?.id !== me.id) await clearPersonalData();
  await clearSignedOutReason();
  if (provider) await writeProviderSession(provider);
  else await forgetProviderSession();
  await saveSettings({ apiBaseUrl: url, token });
  await writeMe(me, await fingerprint(token));
  return { name: me.name, email: me.email, org: me.org.name };
}

/**
 * Signs out: the API session is ended (refused from its next use on every API process), and the
 * provider's session too where it offers that; then nothing of the person stays in the worker.
 */
export async function signOut(): Promise<void> {
  const settings = await loadSettings();
  const provider = await readProviderSession();
  // Forgotten first, so nothing uses or renews them while the API and the provider are told.
  await forgetProviderSession();
  await saveSettings({ apiBaseUrl: settings.apiBaseUrl, token: '' });
  await clearPersonalData();
  await clearSignedOutReason(); // signed out on purpose: nothing to warn about
  if (provider && settings.token) {
    await clientFor(settings.apiBaseUrl, settings.token)
      .signOut()
      .catch(() => undefined);
    await endProviderSession(provider);
  }
}

export async function status(): Promise<Status> {
  const settings = await loadSettings();
  if (!settings.token) {
    const why = await signedOutReason();
    return { signedIn: false, apiBaseUrl: settings.apiBaseUrl, signedOutAt: why?.at, signedOutBecause: why?.reason };
  }
  const me = (await readMe(await fingerprint(settings.token)))?.value;
  const provider = await readProviderSession();
  return {
    signedIn: true,
    apiBaseUrl: settings.apiBaseUrl,
    me: me && { id: me.id, name: me.name, email: me.email, org: me.org.name },
    via: provider ? 'provider' : 'token',
    ...(provider ? { sessionExpiresAt: provider.sessionExpiresAt } : {}),
  };
}
