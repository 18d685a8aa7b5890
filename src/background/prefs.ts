// The admin's preferences, kept in storage.local (nothing secret): which notifications to
// show, the badge, and the admin console address a notification opens. Read and written for the
// options page through the message map.
import { browser } from '../shared-ext/browser';
import { DEFAULT_NOTIFICATION_PREFS, type NotificationPrefs, type Prefs } from '../shared-ext/prefs';

const PREFS_KEY = 'notificationPrefs';

export async function loadNotificationPrefs(): Promise<NotificationPrefs> {
  const stored = (await browser.storage.local.get(PREFS_KEY))[PREFS_KEY] as Partial<NotificationPrefs> | undefined;
  return { ...DEFAULT_NOTIFICATION_PREFS, ...stored };
}

export async function loadPrefs(): Promise<Prefs> {
  const { consoleUrl } = (await browser.storage.local.get('consoleUrl')) as { consoleUrl?: string };
  return { notifications: await loadNotificationPrefs(), consoleUrl: consoleUrl || undefined };
}

/** Keeps only known switches and a well-formed console address; answers with what was kept. */
export async function savePrefs(prefs: Prefs): Promise<Prefs> {
  const notifications = { ...DEFAULT_NOTIFICATION_PREFS };
  for (const key of Object.keys(notifications) as (keyof NotificationPrefs)[]) {
    if (typeof prefs.notifications?.[key] === 'boolean') notifications[key] = prefs.notifications[key];
  }
  const consoleUrl = consoleOrigin(prefs.consoleUrl);
  await browser.storage.local.set({ [PREFS_KEY]: notifications });
  if (consoleUrl) await browser.storage.local.set({ consoleUrl });
  else await browser.storage.local.remove('consoleUrl');
  return { notifications, consoleUrl };
}

function consoleOrigin(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href.replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
}
