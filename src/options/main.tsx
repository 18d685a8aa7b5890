// Sign-in. The only thing typed is the Access API's address: the background asks the API which
// identity provider the org uses (GET /v1/auth/config) and "Sign in with <org>" signs in there, in
// the browser's sign-in window. Orgs without a provider paste a personal access token (Advanced).
// This page never sees a token or a provider's answer: it hands the address (or the pasted token)
// to the background (signInWithProvider / signIn) and learns who is signed in from it (getStatus).
// A deployed (https) API and provider need host permissions, asked for here because Chrome asks
// only on a click.
import { browser } from '../shared-ext/browser';
import { render, type ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { validateApiBaseUrl } from '../shared-ext/api-address';
import { callBackground } from '../shared-ext/messages';
import type { Status } from '../shared-ext/ticket-view';
import { NotificationPrefsForm } from './notification-prefs';
import { signedOutWhy } from '../shared-ext/signed-out';
import { displayText } from '../shared-ext/format';

type Provider = { issuer: string; organization?: string } | null;

const LOCAL = /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/\*$/;

/** Asks for the origins (API, provider) this sign-in will reach; must run first in a click. */
async function allowOrigins(urls: string[]): Promise<string | undefined> {
  const origins = [...new Set(urls.map((u) => `${new URL(u).origin}/*`))].filter((o) => !LOCAL.test(o));
  if (origins.length === 0) return undefined;
  const granted = await browser.permissions.request({ origins }).catch(() => false);
  return granted ? undefined : `Access Companion needs permission to reach ${origins.map((o) => o.slice(0, -2)).join(' and ')}.`;
}

function Options() {
  const [apiBaseUrl, setApiBaseUrl] = useState('');
  const [token, setToken] = useState('');
  const [status, setStatus] = useState<Status | undefined>();
  const [provider, setProvider] = useState<Provider | undefined>();
  const [note, setNote] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState<'provider' | 'token' | 'out' | undefined>();
  const lookup = useRef(0);

  const refreshStatus = async () => setStatus(await callBackground('getStatus'));

  useEffect(() => {
    void callBackground('getStatus').then(
      (s) => {
        setStatus(s);
        setApiBaseUrl((typed) => typed || s.apiBaseUrl);
      },
      () => undefined,
    );
  }, []);

  // Which provider the org at the typed address uses, looked up a moment after typing stops.
  useEffect(() => {
    const checked = validateApiBaseUrl(apiBaseUrl);
    const n = ++lookup.current;
    setProvider(undefined);
    if (!checked.ok) return;
    const timer = setTimeout(() => {
      callBackground('getIdentityProvider', { apiBaseUrl: checked.url }).then(
        (p) => n === lookup.current && setProvider(p),
        () => n === lookup.current && setProvider(null),
      );
    }, 300);
    return () => clearTimeout(timer);
  }, [apiBaseUrl]);

  async function run(kind: 'provider' | 'token', origins: string[], signIn: () => Promise<unknown>) {
    setError(undefined);
    setNote(undefined);
    const refused = await allowOrigins(origins);
    if (refused) return setError(refused);
    setBusy(kind);
    try {
      await signIn();
      setToken('');
      await refreshStatus();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(undefined);
    }
  }

  function signInWithProvider(event: Event, switchAccount = false) {
    event.preventDefault();
    const checked = validateApiBaseUrl(switchAccount && status?.apiBaseUrl ? status.apiBaseUrl : apiBaseUrl);
    if (!checked.ok) return setError(checked.message);
    void run('provider', [checked.url, ...(provider ? [provider.issuer] : [])], () => callBackground('signInWithProvider', { apiBaseUrl: checked.url, switchAccount }));
  }

  function signInWithToken(event: Event) {
    event.preventDefault();
    const checked = validateApiBaseUrl(apiBaseUrl);
    if (!checked.ok) return setError(checked.message);
    void run('token', [checked.url], () => callBackground('signIn', { apiBaseUrl: checked.url, token }));
  }

  async function signOut() {
    setError(undefined);
    setBusy('out');
    try {
      await callBackground('signOut');
      await refreshStatus();
      setNote('Signed out. Cached data was removed.');
    } finally {
      setBusy(undefined);
    }
  }

  const org = provider?.organization ?? 'your organisation';
  const signedIn = status?.signedIn === true;
  return (
    <main>
      <h1>Access Companion options</h1>
      {status && !signedIn && status.signedOutAt && (
        <p class="signed-out" role="alert">
          <strong>Signed out: sign in again.</strong>{' '}
          {status.signedOutBecause === 'session_ended'
            ? 'Your session ended at the Access API.'
            : status.signedOutBecause === 'deactivated'
              ? signedOutWhy('deactivated')
              : 'The Access API stopped accepting your token; paste the new one below.'}
        </p>
      )}
      <section class="account" aria-label="Account">
        <p role="status" class="account-line">
          {signedIn ? (
            <>
              Signed in as <strong>{status.me ? displayText(status.me.name) : 'you'}</strong>
              {status.me ? ` (${status.me.email}), ${status.me.org}` : ''}
              <span class="muted">
                {' '}
                · {status.via === 'provider' ? 'through your identity provider' : 'with a personal access token'} · {status.apiBaseUrl}
              </span>
            </>
          ) : (
            (note ?? (status ? 'Not signed in.' : ''))
          )}
        </p>
        {signedIn && (
          <div class="actions">
            {status.via === 'provider' && (
              <button type="button" class="secondary" disabled={busy !== undefined} onClick={(e) => signInWithProvider(e, true)}>
                {busy === 'provider' ? 'Waiting for your identity provider…' : 'Switch account'}
              </button>
            )}
            <button type="button" class="secondary" disabled={busy !== undefined} onClick={() => void signOut()}>
              {busy === 'out' ? 'Signing out…' : 'Sign out'}
            </button>
          </div>
        )}
      </section>

      <SignInForms signedIn={signedIn}>
        <form onSubmit={(e) => signInWithProvider(e)} aria-labelledby="sign-in-heading">
          {!signedIn && <h2 id="sign-in-heading">Sign in</h2>}
          <label for="api">Access API address</label>
          <input id="api" type="url" required value={apiBaseUrl} onInput={(e) => setApiBaseUrl(e.currentTarget.value)} placeholder="https://access.example.com" aria-describedby="api-help" />
          <p id="api-help" class="help">
            {provider
              ? `${org} signs people in with ${new URL(provider.issuer).host}.`
              : provider === null
                ? 'This Access API names no identity provider: use a personal access token below.'
                : 'Your IT team gives you this address.'}
          </p>
          {provider && (
            <button type="submit" class={signedIn ? 'secondary' : undefined} disabled={busy !== undefined}>
              {busy === 'provider' ? 'Waiting for your identity provider…' : `Sign in with ${org}`}
            </button>
          )}
        </form>

        <details class="advanced" open={provider === null && !signedIn}>
          <summary>Advanced: personal access token</summary>
          <form onSubmit={signInWithToken}>
            <p class="help">For organisations without an identity provider, and for scripts: a token your Access API's administrator issued you.</p>
            <label for="token">Personal access token</label>
            <input id="token" type="password" autocomplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)} />
            <button type="submit" class="secondary" disabled={busy !== undefined}>
              {busy === 'token' ? 'Checking…' : 'Sign in with token'}
            </button>
          </form>
        </details>
      </SignInForms>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <NotificationPrefsForm />
    </main>
  );
}

/** Signed in, the forms to sign in elsewhere wait behind one disclosure; signed out, they are the page. */
function SignInForms({ signedIn, children }: { signedIn: boolean; children: ComponentChildren }) {
  if (!signedIn) return <>{children}</>;
  return (
    <details class="another">
      <summary id="sign-in-heading">Sign in to another Access API, or with a token</summary>
      {children}
    </details>
  );
}

render(<Options />, document.getElementById('app')!);
