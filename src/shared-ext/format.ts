// The one way every extension surface (panel, console frames, popup, request frame, notifications)
// writes times, people and text from elsewhere. Times: relative ages that tick ("just now", "3 min
// ago") and one human date format ("Dec 7, 2026, 5:00 AM"), never ISO. People: their display name,
// never a bare id. Names and titles others typed (people, tickets, AI conversations, API keys,
// groups): without the invisible characters that would make a line read other than it is.
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
 * Characters that change how the text around them is laid out or read while showing nothing
 * themselves: the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069)
 * and marks (U+200E, U+200F, U+061C), and the zero-width and invisible ones (U+200B–U+200D, U+2060–
 * U+2064, U+FEFF, U+180E). One in a name can turn the rest of a panel line around ("Trojan Source",
 * CVE-2021-42574) or make two names look the same.
 */
// Unicode's Default_Ignorable_Code_Point: bidi controls and marks, zero-width characters, the soft
// hyphen, Hangul fillers, variation selectors, tag characters: nothing a reader can see, all of
// which can make one name look like another or reorder the words around it (an outside review
// found the Hangul fillers and tag characters passing an explicit list).
const INVISIBLE_LAYOUT_CHARACTERS = /\p{Default_Ignorable_Code_Point}/gu;
/** Control characters but the tab, and line/paragraph separators: a name never starts a forged second line. */
const LINE_BREAKING_CHARACTERS = /(?!\t)[\p{Cc}\u2028\u2029]/gu;

/**
 * `text` as a page may show it: a name or title someone else typed (a person, a ticket, an AI
 * conversation, an API key, a group, a reason or message), with the characters of
 * INVISIBLE_LAYOUT_CHARACTERS removed and line-breaking ones made spaces,
 * so it reads as what it is and cannot reorder the words around it. Display only: what is sent back
 * to the API, stored or exported stays as the API gave it. A ZWJ emoji sequence shows as its parts.
 */
export function displayText(text: string): string {
  return text.replace(INVISIBLE_LAYOUT_CHARACTERS, '').replace(LINE_BREAKING_CHARACTERS, ' ');
}

/**
 * A person's display name: `names` maps ids (admins, Support engineers, API keys) to names as the
 * API gave them, shown through displayText. An id the API did not name (or named with nothing
 * visible) is said as "someone (id)" rather than passed off as a name; `undefined` gives "someone".
 */
export function personName(id: string | undefined, names: Record<string, string | undefined> | ReadonlyMap<string, string>): string {
  if (!id) return 'someone';
  const name = names instanceof Map ? names.get(id) : (names as Record<string, string | undefined>)[id];
  const shown = name === undefined ? '' : displayText(name).trim();
  return shown || `someone (${displayText(id)})`;
}

/** "PT2H" → "2 hours", "P1DT30M" → "1 day 30 minutes" (the API's ISO 8601 durations). */
export function durationWords(iso: string): string {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(iso);
  if (!m) return iso;
  const part = (n: string | undefined, unit: string) => (n && Number(n) > 0 ? `${Number(n)} ${unit}${Number(n) === 1 ? '' : 's'}` : '');
  return [part(m[1], 'day'), part(m[2], 'hour'), part(m[3], 'minute')].filter(Boolean).join(' ');
}

/** How often pages re-render their age labels (ms), so a label is never more than one step behind. */
export const AGE_TICK_MS = 5_000;
