// Notifications and the badge. Each thing we notify about has a stable id; an id is claimed in
// IndexedDB before the notification is shown, so two polls racing (alarm and live stream), or a
// worker restarted between polls, never show the same item twice.
import { db } from './db';

export type NotificationKind = 'inbox' | 'guardDecision' | 'revokedByClose' | 'firstAccess';

export interface NotificationPrefs {
  inbox: boolean;
  guardDecision: boolean;
  revokedByClose: boolean;
  firstAccess: boolean;
  badge: boolean;
}

export const DEFAULT_NOTIFICATION_PREFS: NotificationPrefs = { inbox: true, guardDecision: true, revokedByClose: true, firstAccess: true, badge: true };
const PREFS_KEY = 'notificationPrefs';

export async function loadNotificationPrefs(): Promise<NotificationPrefs> {
  const stored = (await chrome.storage.local.get(PREFS_KEY))[PREFS_KEY] as Partial<NotificationPrefs> | undefined;
  return { ...DEFAULT_NOTIFICATION_PREFS, ...stored };
}

export async function saveNotificationPrefs(prefs: NotificationPrefs): Promise<void> {
  await chrome.storage.local.set({ [PREFS_KEY]: prefs });
}

export interface Notice {
  /** Stable across polls and restarts: the same item always has the same id. */
  id: string;
  kind: NotificationKind;
  title: string;
  message: string;
  /** Page to open when the notification is clicked. */
  link?: string;
}

/** Shows each notice at most once ever; returns the ids actually shown. */
export async function notifyOnce(notices: Notice[]): Promise<string[]> {
  if (notices.length === 0) return [];
  const d = await db();
  const prefs = await loadNotificationPrefs();
  const shown: string[] = [];
  // Claim every id in one transaction first: a racing poll sees them as taken.
  const tx = d.transaction('notified', 'readwrite');
  const fresh: Notice[] = [];
  for (const n of notices) {
    if (await tx.store.get(n.id)) continue;
    await tx.store.put({ id: n.id, link: n.link, at: Date.now() });
    fresh.push(n);
  }
  await tx.done;
  const wanted = fresh.filter((n) => prefs[n.kind]);
  // A burst (first sign-in, a backlog) becomes one summary instead of a wall of notifications.
  if (wanted.length > 3) {
    const id = `summary:${wanted.map((n) => n.id).sort().join(',')}`;
    await d.put('notified', { id, link: wanted[0]!.link, at: Date.now() });
    await create(id, `${wanted.length} things need your attention`, wanted.slice(0, 3).map((n) => n.title).join(' · ') + ' …');
    return wanted.map((n) => n.id);
  }
  for (const n of wanted) {
    await create(n.id, n.title, n.message);
    shown.push(n.id);
  }
  return shown;
}

async function create(id: string, title: string, message: string): Promise<void> {
  await chrome.notifications.create(id, {
    type: 'basic',
    iconUrl: chrome.runtime.getURL('icons/icon-128.png'),
    title,
    message,
    priority: 1,
  });
}

export async function setBadge(count: number): Promise<void> {
  const prefs = await loadNotificationPrefs();
  await chrome.action.setBadgeBackgroundColor({ color: '#c9372c' });
  await chrome.action.setBadgeText({ text: prefs.badge && count > 0 ? String(Math.min(count, 99)) : '' });
}

/** Clicking a notification opens the page it is about. */
export function listenForNotificationClicks(): void {
  chrome.notifications.onClicked.addListener((id) => {
    void (async () => {
      const record = await (await db()).get('notified', id);
      if (record?.link) await chrome.tabs.create({ url: record.link });
      await chrome.notifications.clear(id);
    })();
  });
}
