// Notification preferences, rendered by the options page. Stored in chrome.storage.local; the
// background reads them each time it is about to notify or set the badge.
import { useEffect, useState } from 'preact/hooks';
import { DEFAULT_NOTIFICATION_PREFS, loadNotificationPrefs, saveNotificationPrefs, type NotificationPrefs } from '../background/notifications';

const LABELS: [keyof NotificationPrefs, string][] = [
  ['inbox', 'A new request waits on me (Support, Guard or product access)'],
  ['guardDecision', 'A Guard admin decides a grant I made'],
  ['revokedByClose', "A ticket closes and Support's access ends"],
  ['firstAccess', 'Support first uses a new grant'],
  ['badge', 'Show the count of items waiting on me on the toolbar icon'],
];

export function NotificationPrefsForm() {
  const [prefs, setPrefs] = useState<NotificationPrefs>(DEFAULT_NOTIFICATION_PREFS);
  const [consoleUrl, setConsoleUrl] = useState('');
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    void loadNotificationPrefs().then(setPrefs);
    void chrome.storage.local.get('consoleUrl').then((v) => setConsoleUrl((v.consoleUrl as string | undefined) ?? ''));
  }, []);

  async function update(next: NotificationPrefs) {
    setPrefs(next);
    await saveNotificationPrefs(next);
    setSaved(true);
  }

  return (
    <fieldset aria-label="Notifications" style="border:0;padding:0;margin:24px 0 0">
      <h2 style="font-size:16px;margin:0 0 8px">Notifications</h2>
      {LABELS.map(([key, label]) => (
        <label key={key} style="display:flex;gap:8px;align-items:center;font-weight:400;color:inherit;font-size:14px">
          <input type="checkbox" checked={prefs[key]} onChange={(e) => void update({ ...prefs, [key]: e.currentTarget.checked })} />
          {label}
        </label>
      ))}
      <label for="console-url">Admin console address (opened when you click a notification)</label>
      <input id="console-url" type="url" placeholder="https://admin.atlassian.com" value={consoleUrl}
        onChange={(e) => { const v = e.currentTarget.value.trim().replace(/\/+$/, ''); setConsoleUrl(v); void chrome.storage.local.set({ consoleUrl: v || undefined }).then(() => setSaved(true)); }} />
      {saved && <p role="status" class="ok">Saved.</p>}
    </fieldset>
  );
}
