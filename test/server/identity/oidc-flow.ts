// Signs a person in at the demo identity provider without a browser, as the extension does
// (oauth4webapi: discovery, PKCE, state, nonce, code exchange), following the provider's
// redirects and posting its login form with a small cookie jar. For API tests that need real ID
// tokens; the e2e test does the same through Chromium's launchWebAuthFlow.
import * as oauth from 'oauth4webapi';
import { DEMO_CHROME_REDIRECT_URI } from '../../../src/api/extension-ids';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

export interface SignedInAtProvider {
  idToken: string;
  refreshToken?: string;
  nonce: string;
  as: oauth.AuthorizationServer;
}

export async function discover(issuer: string): Promise<oauth.AuthorizationServer> {
  const url = new URL(issuer);
  return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, insecure));
}

/** Authorization Code + PKCE at `issuer` as `email` / `password`; throws if the provider refuses. */
export async function signInAtProvider(issuer: string, email: string, password = 'demo', clientId = 'access-companion'): Promise<SignedInAtProvider> {
  const as = await discover(issuer);
  const client: oauth.Client = { client_id: clientId };
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const auth = new URL(as.authorization_endpoint!);
  for (const [k, v] of Object.entries({
    client_id: clientId,
    redirect_uri: DEMO_CHROME_REDIRECT_URI,
    response_type: 'code',
    scope: 'openid email profile offline_access',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  }))
    auth.searchParams.set(k, v);

  const jar = new Map<string, string>();
  const send = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (!value || /expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  };

  let url = auth.href;
  let callback: URL | undefined;
  for (let hops = 0; hops < 12 && !callback; hops++) {
    const res = await send(url);
    const location = res.headers.get('location');
    if (location) {
      const next = new URL(location, url);
      if (next.href.startsWith(DEMO_CHROME_REDIRECT_URI)) callback = next;
      url = next.href;
      continue;
    }
    const html = await res.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`the provider answered ${res.status} without a login form: ${html.slice(0, 300)}`);
    const posted = await send(new URL(action, url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email, password }).toString(),
    });
    const to = posted.headers.get('location');
    if (!to) throw new Error(`the provider refused the sign-in of ${email} (${posted.status})`);
    url = new URL(to, url).href;
  }
  if (!callback) throw new Error('the provider never redirected back');
  const params = oauth.validateAuthResponse(as, client, callback, state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, DEMO_CHROME_REDIRECT_URI, verifier, insecure);
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: nonce, requireIdToken: true });
  return { idToken: result.id_token!, refreshToken: result.refresh_token, nonce, as };
}

/** A fresh ID token from the refresh token (the extension's silent renewal). */
export async function refreshAtProvider(as: oauth.AuthorizationServer, refreshToken: string, clientId = 'access-companion'): Promise<{ idToken: string; refreshToken?: string }> {
  const client: oauth.Client = { client_id: clientId };
  const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshToken, insecure);
  const result = await oauth.processRefreshTokenResponse(as, client, response);
  return { idToken: result.id_token!, refreshToken: result.refresh_token };
}
