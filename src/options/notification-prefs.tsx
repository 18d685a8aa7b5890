// Notification preferences, rendered by the options page. The background keeps them and reads them
// each time it is about to notify or set the badge; this page reads and writes them through it.
import { useEffect, useState } from 'preact/hooks';
import { callBackground } from '../shared-ext/messages';
import { DEFAULT_NOTIFICATION_PREFS, type NotificationPrefs, type Prefs } from '../shared-ext/prefs';

const LABELS: [keyof NotificationPrefs, string][] = [
  ['inbox', 'A new request waits on me (Support, Guard or product access)'],
  ['guardDecision', 'A Guard admin decides a grant I made'],
  ['revokedByClose', "A ticket closes and Support's access ends"],
  ['firstAccess', 'Support first uses a new grant'],
  ['requestDecision', 'An admin approves or denies my request for product access'],
  ['badge', 'Show the count of items waiting on me on the toolbar icon'],
];

export function NotificationPrefsForm() {
  const [prefs, setPrefs] = useState<Prefs>({ notifications: DEFAULT_NOTIFICATION_PREFS });
  const [consoleUrl, setConsoleUrl] = useState('');
  const [saved, setSaved] = useState<string | undefined>();
  useEffect(() => {
    void callBackground('getPrefs').then(
      (p) => {
        setPrefs(p);
        setConsoleUrl(p.consoleUrl ?? '');
      },
      () => undefined,
    );
  }, []);

  async function update(next: Prefs) {
    setPrefs(next);
    try {
      const kept = await callBackground('setPrefs', { prefs: next });
      setPrefs(kept);
      setConsoleUrl(kept.consoleUrl ?? '');
      setSaved(next.consoleUrl && !kept.consoleUrl ? 'Saved, but that console address is not a web address: notifications open the default console.' : 'Saved.');
    } catch (error) {
      setSaved(`Not saved: ${(error as Error).message}`);
    }
  }

  return (
    <fieldset aria-label="Notifications" style="border:0;padding:0;margin:24px 0 0">
      <h2 style="font-size:16px;margin:0 0 8px">Notifications</h2>
      {LABELS.map(([key, label]) => (
        <label key={key} style="display:flex;gap:8px;align-items:center;font-weight:400;color:inherit;font-size:14px">
          <input type="checkbox" checked={prefs.notifications[key]} onChange={(e) => void update({ ...prefs, notifications: { ...prefs.notifications, [key]: e.currentTarget.checked } })} />
          {label}
        </label>
      ))}
      <label for="console-url">Admin console address (opened when you click a notification)</label>
      <input
        id="console-url"
        type="url"
        placeholder="https://admin.atlassian.com"
        value={consoleUrl}
        onChange={(e) => {
          const v = e.currentTarget.value.trim();
          setConsoleUrl(v);
          void update({ ...prefs, consoleUrl: v || undefined });
        }}
      />
      {saved && (
        <p role="status" class="ok">
          {saved}
        </p>
      )}
    </fieldset>
  );
}
