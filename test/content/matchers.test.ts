import { describe, expect, test } from 'vitest';
import { allMatchers, ticketKeyFromUrl, unmatchedExamples } from '../../src/content/matchers';

const entries = Object.entries(allMatchers);

describe('page matchers', () => {
  for (const [name, matches] of entries) {
    test(`${name} accepts its own examples`, () => {
      expect(matches.examples.length).toBeGreaterThan(0);
      for (const url of matches.examples) expect(matches(new URL(url)), url).toBe(true);
    });
    test(`${name} rejects every other matcher's examples and the look-alikes`, () => {
      const others = entries.filter(([other]) => other !== name).flatMap(([, m]) => m.examples);
      for (const url of [...others, ...unmatchedExamples]) expect(matches(new URL(url)), url).toBe(false);
    });
  }

  test('ticket key comes from the ticket URL only on a support origin', () => {
    expect(ticketKeyFromUrl(new URL('http://support.localhost:4401/servicedesk/customer/portal/1/PS-101'))).toBe('PS-101');
    expect(ticketKeyFromUrl(new URL('https://evil.test/servicedesk/customer/portal/1/PS-101'))).toBeUndefined();
    // One ticket-key rule everywhere: a key longer than the API accepts is no ticket page of ours.
    expect(ticketKeyFromUrl(new URL(`http://support.localhost:4401/servicedesk/customer/portal/1/PS-${'1'.repeat(300)}`))).toBeUndefined();
    expect(ticketKeyFromUrl(new URL('http://support.localhost:4401/servicedesk/customer/portal/1/PS-1234567890'))).toBe('PS-1234567890');
  });
});
