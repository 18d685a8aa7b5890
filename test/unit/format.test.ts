// The one formatter for time and the one for people (issue 23): no ISO date reaches a page, ages
// are relative, and an id the API did not name is never passed off as a name.
import { describe, expect, test } from 'vitest';
import { ago, day, personName, since, when } from '../../src/shared-ext/format';

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
