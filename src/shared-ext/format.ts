// The one way every extension surface (panel, console frames, popup, request frame, notifications)
// writes times and people. Times: relative ages that tick ("just now", "3 min ago") and one human
// date format ("Dec 7, 2026, 5:00 AM"), never ISO. People: their display name, never a bare id.
// No Preact here: the background worker uses it too.

/** "Dec 7, 2026" in the reader's locale (the date part of {@link when}). `iso`: an ISO 8601 instant; '—' when absent or unreadable. */
export function day(iso: string | undefined): string {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(t) ? '—' : new Date(t).toLocaleDateString(undefined, { dateStyle: 'medium' });
}

/** "Dec 7, 2026, 5:00 AM" in the reader's locale and time zone. `iso`: an ISO 8601 instant; '—' when absent or unreadable. */
export function when(iso: string | undefined): string {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(t) ? '—' : new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** How long ago an ISO instant was, from `now` (ms since epoch): see {@link ago}. '—' when absent. */
export function since(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '—' : ago(now - t);
}

/**
 * An age in ms as people say it, in steps a ticking label can show honestly: "just now" (under
 * 10 s), "10 s ago" … "50 s ago", "1 min ago" … "59 min ago", "2 h ago", "3 d ago" (whole units
 * passed, never rounded up).
 */
export function ago(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 10) return 'just now';
  if (s < 60) return `${Math.floor(s / 10) * 10} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

/**
 * A person's display name: `names` maps ids (admins, Support engineers, API keys) to names as the
 * API gave them. An id the API did not name is said as "someone (id)" rather than passed off as a
 * name; `undefined` gives "someone".
 */
export function personName(id: string | undefined, names: Record<string, string | undefined> | ReadonlyMap<string, string>): string {
  if (!id) return 'someone';
  const name = names instanceof Map ? names.get(id) : (names as Record<string, string | undefined>)[id];
  return name ?? `someone (${id})`;
}

/** How often pages re-render their age labels (ms), so a label is never more than one step behind. */
export const AGE_TICK_MS = 5_000;
