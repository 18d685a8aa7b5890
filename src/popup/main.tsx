import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { loadSettings, type Settings } from '../shared-ext/settings';

function Popup() {
  const [settings, setSettings] = useState<Settings | undefined>();
  useEffect(() => { void loadSettings().then(setSettings); }, []);
  const connected = settings && settings.token !== '';
  return (
    <main>
      <h1>Access Companion</h1>
      {settings === undefined ? null : connected ? (
        <p>Connected to <strong>{settings.apiBaseUrl}</strong>. Active grants and requests waiting on you will show here.</p>
      ) : (
        <p>Not signed in yet. Add your Access API address and token in Options.</p>
      )}
      <button type="button" onClick={() => void chrome.runtime.openOptionsPage()}>Options</button>
    </main>
  );
}

render(<Popup />, document.getElementById('app')!);
