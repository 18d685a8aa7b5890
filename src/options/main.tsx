import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { loadSettings, saveSettings, validateApiBaseUrl } from '../shared-ext/settings';

function Options() {
  const [apiBaseUrl, setApiBaseUrl] = useState('');
  const [token, setToken] = useState('');
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>();

  useEffect(() => {
    void loadSettings().then((s) => { setApiBaseUrl(s.apiBaseUrl); setToken(s.token); });
  }, []);

  async function onSubmit(event: Event) {
    event.preventDefault();
    const checked = validateApiBaseUrl(apiBaseUrl);
    if (!checked.ok) return setStatus({ kind: 'error', text: checked.message });
    const origin = new URL(checked.url).origin + '/*';
    // A deployed API needs its host permission; localhost is granted by the manifest.
    if (!/^http:\/\/(localhost|127\.0\.0\.1)/.test(origin)) {
      const granted = await chrome.permissions.request({ origins: [origin] });
      if (!granted) return setStatus({ kind: 'error', text: `Access Companion needs permission to reach ${origin}` });
    }
    await saveSettings({ apiBaseUrl: checked.url, token: token.trim() });
    setApiBaseUrl(checked.url);
    setStatus({ kind: 'ok', text: 'Saved.' });
  }

  return (
    <main>
      <h1>Access Companion options</h1>
      <form onSubmit={(e) => void onSubmit(e)}>
        <label for="api">Access API address</label>
        <input id="api" type="url" required value={apiBaseUrl} onInput={(e) => setApiBaseUrl(e.currentTarget.value)} placeholder="http://localhost:4400" />
        <label for="token">Your sign-in token</label>
        <input id="token" type="password" autocomplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        <button type="submit">Save</button>
        {status && <p role="status" class={status.kind}>{status.text}</p>}
      </form>
    </main>
  );
}

render(<Options />, document.getElementById('app')!);
