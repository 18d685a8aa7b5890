// The panel frame takes later page facts by message only for its own ticket and mount: the vendor
// page cannot read the mount id, so it cannot forge them.
import { describe, expect, test } from 'vitest';
import { acceptedFactsHash, PANEL_FACTS_MESSAGE } from '../../src/shared-ext/panel-facts';

const own = '#key=PS-101&mount=m-1';
const facts = (hash: string) => ({ type: PANEL_FACTS_MESSAGE, hash });

describe('panel facts messages', () => {
  test('a message with the frame’s key and mount gives the new hash', () => {
    expect(acceptedFactsHash(own, facts('key=PS-101&product=confluence&site=https%3A%2F%2Facme.atlassian.net&mount=m-1'))).toBe(
      'key=PS-101&product=confluence&site=https%3A%2F%2Facme.atlassian.net&mount=m-1',
    );
  });
  test('another mount, no mount, or another key is refused', () => {
    expect(acceptedFactsHash(own, facts('key=PS-101&product=confluence&mount=m-2'))).toBeUndefined();
    expect(acceptedFactsHash(own, facts('key=PS-101&product=confluence'))).toBeUndefined();
    expect(acceptedFactsHash(own, facts('key=PS-102&mount=m-1'))).toBeUndefined();
    expect(acceptedFactsHash('#key=PS-101', facts('key=PS-101'))).toBeUndefined();
  });
  test('other messages are not facts', () => {
    expect(acceptedFactsHash(own, { type: 'access-companion:height', height: 10 })).toBeUndefined();
    expect(acceptedFactsHash(own, { type: PANEL_FACTS_MESSAGE, hash: 42 })).toBeUndefined();
    expect(acceptedFactsHash(own, null)).toBeUndefined();
    expect(acceptedFactsHash(own, 'key=PS-101&mount=m-1')).toBeUndefined();
  });
});
