// Signing in with the org's OpenID Connect provider, in the background worker only: Authorization
// Code with PKCE, state and nonce through `browser.identity.launchWebAuthFlow` (oauth4webapi does
// the protocol and checks the ID token's issuer, audience, expiry and nonce), then the Access API
// exchanges the ID token for a session of at most an hour (POST /v1/auth/session). The provider's
// refresh token renews that session before it ends, without a prompt, while the provider's own
// session lasts. Everything lives in the worker's IndexedDB (db.ts), so a restart stays signed in.
import * as oauth from 'oauth4webapi';
import { AccessApiError, createAccessClient } from '../api/client';
import type { AuthConfigWire, SessionCreatedWire } from '../api/schemas';
import { browser } from '../shared-ext/browser';
import { readCredential, writeCredential } from './db';
import { loadSettings, type Settings } from './settings';

/** What the worker keeps of a provider sign-in (never leaves the worker). */
export interface ProviderSession {
  apiBaseUrl: string;
  issuer: string;
  clientId: string;
  /** The ID token of the last sign-in or renewal: the hint for the provider's sign-out. */
  idToken: string;
  /** The nonce of the authorization request; renewed ID tokens carry it too, and the API checks it. */
  nonce: string;
  refreshToken?: string;
  /** When the API session was made and when it ends (ms). */
  sessionIssuedAt: number;
  sessionExpiresAt: number;
}

const KEY = 'provider';
/** Renew once this little of the session is left (or half of it, for short test sessions). */
const RENEW_BEFORE_MS = 5 * 60_000;

/** Plain http only for a provider on this machine (the demo, the tests). */
const insecure = (issuer: string) => ({ [oauth.allowInsecureRequests]: /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/|$)/.test(issuer) });

export async function readProviderSession(): Promise<ProviderSession | undefined> {
  const raw = await readCredential(KEY);
  return raw ? (JSON.parse(raw) as ProviderSession) : undefined;
}

export async function forgetProviderSession(): Promise<void> {
  await writeCredential(KEY, '');
}

/** The org's provider as the Access API names it (GET /v1/auth/config); undefined when it has none (404). */
export async function authConfig(apiBaseUrl: string): Promise<AuthConfigWire | undefined> {
  try {
    return await createAccessClient(apiBaseUrl, '').authConfig();
  } catch (error) {
    if (error instanceof AccessApiError && error.status === 404) return undefined;
    throw error;
  }
}

async function discover(issuer: string): Promise<oauth.AuthorizationServer> {
  const url = new URL(issuer);
  return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, insecure(issuer)));
}

const clientOf = (clientId: string): oauth.Client => ({ client_id: clientId, [oauth.clockSkew]: 30 });

/**
 * Signs in at the provider in the browser's sign-in window and exchanges the ID token for an API
 * session. `switchAccount` asks the provider to sign in afresh (prompt=login) rather than reuse
 * its session. Throws when the person closes the window, the provider refuses, or the API does.
 */
export async function signInAtProvider(apiBaseUrl: string, config: AuthConfigWire, switchAccount: boolean): Promise<{ session: SessionCreatedWire; provider: ProviderSession }> {
  try {
    return await authorize(apiBaseUrl, config, switchAccount);
  } catch (error) {
    // The provider's own words (RFC 6749 §5.2), not oauth4webapi's generic message.
    if (error instanceof oauth.ResponseBodyError || error instanceof oauth.AuthorizationResponseError)
      throw new Error(`Your identity provider refused the sign-in: ${error.error}${error.error_description ? ` (${error.error_description})` : ''}.`);
    throw error;
  }
}

async function authorize(apiBaseUrl: string, config: AuthConfigWire, switchAccount: boolean): Promise<{ session: SessionCreatedWire; provider: ProviderSession }> {
  const as = await discover(config.issuer);
  const client = clientOf(config.clientId);
  const redirectUri = browser.identity.getRedirectURL();
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint ?? '');
  const params: Record<string, string> = {
    client_id: config.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: config.scopes.join(' '),
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  };
  if (switchAccount) params.prompt = 'login';
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const answer = await browser.identity.launchWebAuthFlow({ url: url.href, interactive: true });
  const callback = oauth.validateAuthResponse(as, client, new URL(answer), state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), callback, redirectUri, verifier, insecure(config.issuer));
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: nonce, requireIdToken: true });
  const session = await createAccessClient(apiBaseUrl, tokens.id_token!).createSession({ nonce });
  const provider: ProviderSession = {
    apiBaseUrl,
    issuer: config.issuer,
    clientId: config.clientId,
    idToken: tokens.id_token!,
    nonce,
    refreshToken: tokens.refresh_token,
    sessionIssuedAt: Date.now(),
    sessionExpiresAt: Date.parse(session.expiresAt),
  };
  return { session, provider };
}

let renewing: Promise<void> | undefined;

/**
 * The sign-in settings, with the API session renewed first when it is close to its end (one
 * renewal at a time, shared by every caller). A renewal that fails (provider session over, API
 * or provider down) leaves the session as it is: the API decides when it ends, and its 401 signs
 * the person out (auth-state.ts).
 */
export async function freshSettings(): Promise<Settings> {
  const settings = await loadSettings();
  const provider = settings.token ? await readProviderSession() : undefined;
  if (provider?.refreshToken && provider.apiBaseUrl === settings.apiBaseUrl && needsRenewal(provider, Date.now())) {
    renewing ??= renew(provider, settings.token)
      .catch(() => undefined)
      .finally(() => {
        renewing = undefined;
      });
    await renewing;
    return loadSettings();
  }
  return settings;
}

export function needsRenewal(p: Pick<ProviderSession, 'sessionIssuedAt' | 'sessionExpiresAt'>, now: number): boolean {
  const lifetime = p.sessionExpiresAt - p.sessionIssuedAt;
  return p.sessionExpiresAt - now < Math.min(RENEW_BEFORE_MS, lifetime / 2);
}

async function renew(provider: ProviderSession, token: string): Promise<void> {
  const as = await discover(provider.issuer);
  const client = clientOf(provider.clientId);
  const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), provider.refreshToken!, insecure(provider.issuer));
  const tokens = await oauth.processRefreshTokenResponse(as, client, response);
  if (!tokens.id_token) throw new Error('the provider renewed without an ID token');
  const session = await createAccessClient(provider.apiBaseUrl, tokens.id_token).createSession({ nonce: provider.nonce, previousSession: token });
  // Signed out or switched meanwhile: this renewal is not theirs to keep.
  if ((await loadSettings()).token !== token) return;
  await writeProviderSession({
    ...provider,
    idToken: tokens.id_token,
    refreshToken: tokens.refresh_token ?? provider.refreshToken,
    sessionIssuedAt: Date.now(),
    sessionExpiresAt: Date.parse(session.expiresAt),
  });
  await writeCredential('token', session.token);
}

export async function writeProviderSession(p: ProviderSession): Promise<void> {
  await writeCredential(KEY, JSON.stringify(p));
}

/**
 * Ends the person's session at the provider where it offers that: the refresh token revoked
 * (RFC 7009), then RP-initiated logout in a window the person does not have to touch. Best
 * effort: a provider that is down or does not offer it leaves only its own session behind.
 */
export async function endProviderSession(p: ProviderSession): Promise<void> {
  let as: oauth.AuthorizationServer;
  try {
    as = await discover(p.issuer);
  } catch {
    return;
  }
  const client = clientOf(p.clientId);
  if (p.refreshToken && as.revocation_endpoint) {
    await oauth
      .revocationRequest(as, client, oauth.None(), p.refreshToken, insecure(p.issuer))
      .then((r) => oauth.processRevocationResponse(r))
      .catch(() => undefined);
  }
  if (as.end_session_endpoint) {
    const url = new URL(as.end_session_endpoint);
    url.searchParams.set('id_token_hint', p.idToken);
    url.searchParams.set('client_id', p.clientId);
    url.searchParams.set('post_logout_redirect_uri', browser.identity.getRedirectURL());
    // Chrome (113+) lets a non-interactive flow run the provider's page until it redirects back.
    const details = { url: url.href, interactive: false, abortOnLoadForNonInteractive: false, timeoutMsForNonInteractive: 10_000 };
    await browser.identity.launchWebAuthFlow(details).catch(() => browser.identity.launchWebAuthFlow({ url: url.href, interactive: false }).catch(() => undefined));
  }
}
