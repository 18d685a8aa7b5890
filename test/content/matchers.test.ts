import { describe, expect, test } from 'vitest';
import { allMatchers, productOfPage, siteUrlOfProductPage, ticketKeyFromUrl, unmatchedExamples } from '../../src/content/matchers';

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

  test('a product page names its site as the vendor writes it, and its product from the path', () => {
    expect(siteUrlOfProductPage(new URL('https://acme-eu.atlassian.net/jira/your-work'))).toBe('https://acme-eu.atlassian.net');
    expect(siteUrlOfProductPage(new URL('http://acme.localhost:4403/wiki?as=oscar'))).toBe('https://acme.atlassian.net');
    expect(siteUrlOfProductPage(new URL('http://support.localhost:4401/wiki'))).toBeUndefined();
    expect(siteUrlOfProductPage(new URL('https://evil.test/wiki'))).toBeUndefined();
    expect(productOfPage(new URL('http://acme.localhost:4403/wiki/spaces'))).toBe('confluence');
    expect(productOfPage(new URL('https://acme.atlassian.net/jira'))).toBe('jira');
    expect(productOfPage(new URL('https://acme.atlassian.net/wikis'))).toBeUndefined();
  });
});
