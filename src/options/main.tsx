// Sign-in: the Access API's address and the admin's token. The background checks the token with
// GET /v1/me and keeps it; this page only hands it over (signIn) and learns the address and who is
// signed in from the background (getStatus): it never reads the token back. A deployed (https) API
// needs its host permission, asked for here because Chrome asks only on a click.
import { browser } from '../shared-ext/browser';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { validateApiBaseUrl } from '../shared-ext/api-address';
import { callBackground } from '../shared-ext/messages';
import type { Status } from '../shared-ext/ticket-view';
import { NotificationPrefsForm } from './notification-prefs';

function Options() {
  const [apiBaseUrl, setApiBaseUrl] = useState('');
  const [token, setToken] = useState('');
  const [status, setStatus] = useState<Status | undefined>();
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void callBackground('getStatus').then(
      (s) => {
        setStatus(s);
        setApiBaseUrl((typed) => typed || s.apiBaseUrl);
      },
      () => undefined,
    );
  }, []);

  async function onSubmit(event: Event) {
    event.preventDefault();
    const checked = validateApiBaseUrl(apiBaseUrl);
    if (!checked.ok) return setMessage({ kind: 'error', text: checked.message });
    const origin = `${new URL(checked.url).origin}/*`;
    if (!/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/\*$/.test(origin)) {
      const granted = await browser.permissions.request({ origins: [origin] }).catch(() => false);
      if (!granted) return setMessage({ kind: 'error', text: `Access Companion needs permission to reach ${origin.slice(0, -2)}.` });
    }
    setBusy(true);
    try {
      const me = await callBackground('signIn', { apiBaseUrl: checked.url, token });
      setApiBaseUrl(checked.url);
      setToken('');
      setMessage({ kind: 'ok', text: `Signed in as ${me.name} (${me.email}), ${me.org}.` });
      setStatus(await callBackground('getStatus'));
    } catch (error) {
      setMessage({ kind: 'error', text: (error as Error).message });
    } finally {
      setBusy(false);
    }
  }

  async function signOut() {
    await callBackground('signOut');
    setStatus(await callBackground('getStatus'));
    setMessage({ kind: 'ok', text: 'Signed out. Cached data was removed.' });
  }

  return (
    <main>
      <h1>Access Companion options</h1>
      {status && !status.signedIn && status.signedOutAt && (
        <p class="signed-out" role="alert">
          <strong>Signed out: sign in again.</strong> The Access API stopped accepting your token; paste the new one below.
        </p>
      )}
      {status?.signedIn && (
        <p class="signed-in" role="note">
          Signed in{status.me ? ` as ${status.me.name} (${status.me.org})` : ''} at {status.apiBaseUrl}.{' '}
          <button type="button" style="margin:0;padding:2px 8px" onClick={() => void signOut()}>
            Sign out
          </button>
        </p>
      )}
      <form onSubmit={(e) => void onSubmit(e)}>
        <label for="api">Access API address</label>
        <input id="api" type="url" required value={apiBaseUrl} onInput={(e) => setApiBaseUrl(e.currentTarget.value)} placeholder="http://localhost:4400" />
        <label for="token">Your sign-in token</label>
        <input id="token" type="password" autocomplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)} placeholder={status?.signedIn ? 'Paste a new token to switch' : ''} />
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        {message && (
          <p role="status" class={message.kind}>
            {message.text}
          </p>
        )}
      </form>
      <NotificationPrefsForm />
    </main>
  );
}

render(<Options />, document.getElementById('app')!);
