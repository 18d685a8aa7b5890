// The one formatter for time and the one for people (issue 23): no ISO date reaches a page, ages
// are relative, and an id the API did not name is never passed off as a name. Names and titles lose
// the invisible characters that would make a line read other than it is ("Trojan Source").
import { describe, expect, test } from 'vitest';
import { ago, day, displayText, personName, since, when } from '../../src/shared-ext/format';

describe('time', () => {
  test('one human format, never ISO', () => {
    const iso = '2026-12-07T05:00:00.000Z';
    expect(when(iso)).not.toMatch(/\d{4}-\d\d-\d\d|T\d\d:/);
    expect(day(iso)).not.toMatch(/\d{4}-\d\d-\d\d/);
    expect(when(iso).startsWith(day(iso))).toBe(true);
    expect([when(undefined), day('not a date'), since(undefined)]).toEqual(['—', '—', '—']);
  });

  test('ages tick in honest steps: "just now", then tens of seconds, then whole minutes, hours, days', () => {
    expect(ago(9_999)).toBe('just now');
    expect(ago(10_000)).toBe('10 s ago');
    expect(ago(30_000)).toBe('30 s ago');
    expect(ago(59_999)).toBe('50 s ago');
    expect(ago(60_000)).toBe('1 min ago');
    expect(ago(30 * 60_000)).toBe('30 min ago');
    expect(ago(3 * 3_600_000)).toBe('3 h ago');
    expect(ago(2 * 86_400_000)).toBe('2 d ago');
    expect(since('2026-12-07T05:00:00.000Z', Date.parse('2026-12-07T05:02:00.000Z'))).toBe('2 min ago');
  });
});

describe('people', () => {
  test('display names; an unnamed id is said as such', () => {
    expect(personName('gus', { gus: 'Gus Romero' })).toBe('Gus Romero');
    expect(personName('sam', new Map([['sam', 'Sam Ortiz']]))).toBe('Sam Ortiz');
    expect(personName('zed', {})).toBe('someone (zed)');
    expect(personName(undefined, {})).toBe('someone');
  });
});

describe('names and titles others typed', () => {
  const BIDI = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C'];
  const ZERO_WIDTH = ['\u200B', '\u200C', '\u200D', '\u2060', '\u2061', '\u2062', '\u2063', '\u2064', '\uFEFF', '\u180E'];

  test('every bidirectional control and zero-width character is taken out, whatever surrounds it', () => {
    for (const c of [...BIDI, ...ZERO_WIDTH]) {
      expect(displayText(`Pri${c}ya`), `U+${c.codePointAt(0)!.toString(16).toUpperCase()}`).toBe('Priya');
      expect(displayText(`${c}${c}Bob${c}`)).toBe('Bob');
    }
  });

  test('look-alike fillers an explicit list missed are taken out too (outside review)', () => {
    // Soft hyphen, combining grapheme joiner, Hangul fillers (they render as a blank), variation
    // selectors, Mongolian free variation selectors, tag characters.
    for (const c of ['\u00AD', '\u034F', '\u115F', '\u3164', '\uFFA0', '\uFE00', '\uFE0F', '\u180B', '\u{E0001}', '\u{E0041}', '\u{E007F}']) {
      expect(displayText(`Bob${c} Okafor`), `U+${c.codePointAt(0)!.toString(16).toUpperCase()}`).toBe('Bob Okafor');
    }
  });

  test('a line or paragraph separator, or a control character, cannot start a forged second line', () => {
    for (const c of ['\u2028', '\u2029', '\n', '\r', '\u0085', '\u0007']) expect(displayText(`Bob${c}Okafor`)).toBe('Bob Okafor');
  });

  test('a right-to-left override cannot turn the rest of a line around', () => {
    // Reads "Granted by Bob (admin)" in a naive display; with the override gone it is what it is.
    const name = 'Bob \u202E)nimda(\u202C';
    expect(displayText(name)).toBe('Bob )nimda(');
    expect(`Granted by ${displayText(name)}, who can no longer grant`).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
  });

  test('visible text is left alone: accents, other scripts, emoji, punctuation, spaces', () => {
    for (const s of ['Tomás Ferreira', 'Zoë Ødegård', 'محمد علي', 'יעל כהן', '山田 太郎', 'Bob 🚀', '<img src=x onerror=alert(1)> Export fails', 'a\tb  c']) expect(displayText(s)).toBe(s);
  });

  test('people: the name through the same formatter; a name of nothing visible is said as the id', () => {
    expect(personName('bob', { bob: '\u2067Bob Okafor\u2069' })).toBe('Bob Okafor');
    expect(personName('eve', { eve: '\u200B\u202E' })).toBe('someone (eve)');
    expect(personName('e\u200Bve', {})).toBe('someone (eve)');
  });
});
