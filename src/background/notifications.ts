// Notifications and the badge. Each thing we notify about has a stable id; an id is claimed in
// IndexedDB before the notification is shown, so two polls racing (alarm and live stream), or a
// worker restarted between polls, never show the same item twice. Claims are kept per account (a
// fingerprint of API address and person) and survive sign-out: signing back in does not announce
// the whole backlog again, and a different person still hears about their own.
import { browser } from '../shared-ext/browser';
import { displayText } from '../shared-ext/format';
import { db, getMeta } from './db';
import { loadNotificationPrefs } from './prefs';

const claim = (account: string, id: string) => `${account} ${id}`;

/** Was `id` already shown to `account`? */
export async function wasNotified(account: string, id: string): Promise<boolean> {
  return (await (await db()).get('notified', claim(account, id))) !== undefined;
}

export type NotificationKind = 'inbox' | 'guardDecision' | 'revokedByClose' | 'firstAccess' | 'requestDecision';

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
export async function notifyOnce(account: string, notices: Notice[]): Promise<string[]> {
  if (notices.length === 0) return [];
  const d = await db();
  const prefs = await loadNotificationPrefs();
  const shown: string[] = [];
  // Claim every id in one transaction first: a racing poll sees them as taken.
  const tx = d.transaction('notified', 'readwrite');
  const fresh: Notice[] = [];
  for (const n of notices) {
    if (await tx.store.get(claim(account, n.id))) continue;
    await tx.store.put({ id: claim(account, n.id), link: n.link, at: Date.now() });
    fresh.push(n);
  }
  await tx.done;
  const wanted = fresh.filter((n) => prefs[n.kind]);
  // A burst (first sign-in, a backlog) becomes one summary instead of a wall of notifications.
  if (wanted.length > 3) {
    const id = `summary:${wanted
      .map((n) => n.id)
      .sort()
      .join(',')}`;
    await d.put('notified', { id: claim(account, id), link: wanted[0]!.link, at: Date.now() });
    await create(
      id,
      `${wanted.length} things need your attention`,
      wanted
        .slice(0, 3)
        .map((n) => n.title)
        .join(' · ') + ' …',
    );
    return wanted.map((n) => n.id);
  }
  for (const n of wanted) {
    await create(n.id, n.title, n.message);
    shown.push(n.id);
  }
  return shown;
}

/** Shows one notification; its words carry names and titles from the API, so they go through displayText. */
async function create(id: string, title: string, message: string): Promise<void> {
  await browser.notifications.create(id, {
    type: 'basic',
    iconUrl: browser.runtime.getURL('icons/icon-128.png'),
    title: displayText(title),
    message: displayText(message),
    priority: 1,
  });
}

export async function setBadge(count: number): Promise<void> {
  const prefs = await loadNotificationPrefs();
  await browser.action.setBadgeBackgroundColor({ color: '#c9372c' });
  await browser.action.setBadgeText({ text: prefs.badge && count > 0 ? String(Math.min(count, 99)) : '' });
}

/** Clicking a notification opens the page it is about. */
export function listenForNotificationClicks(): void {
  browser.notifications.onClicked.addListener((id) => {
    void (async () => {
      const account = await getMeta<string>('account');
      const record = account ? await (await db()).get('notified', claim(account, id)) : undefined;
      if (record?.link) await browser.tabs.create({ url: record.link });
      await browser.notifications.clear(id);
    })();
  });
}
