// The bulk bar's seat change counts people, not requests: five requests for three people add three
// seats, said per product (issue 23: "Approving adds 5 billable seats in all" while seats went 37 → 40).
import { describe, expect, test } from 'vitest';
import { seatChanges, seatChangeSentence } from '../../src/console/seat-changes';
import type { AccessRequestView } from '../../src/shared-ext/views';

const request = (id: string, product: 'confluence' | 'jira', personKey: string, over: Partial<AccessRequestView> = {}): AccessRequestView => ({
  id,
  site: 'acme-main',
  siteHost: 'acme.atlassian.net',
  product,
  productName: product === 'jira' ? 'Jira' : 'Confluence',
  state: 'pending',
  createdAt: '2026-12-07T05:00:00.000Z',
  kind: 'teammate',
  requester: { id: 'bob', name: 'Bob Okafor', email: 'bob@acme.test', emailVerified: true, onSite: true },
  forWhom: { self: false, label: personKey },
  person: { key: personKey, email: personKey, hasAccount: true, onSite: true, siteHosts: [], products: [], hasThisProduct: false },
  seatsNow: product === 'jira' ? 41 : 37,
  seatsAfter: product === 'jira' ? 42 : 38,
  billable: true,
  mayDecide: true,
  denyBars: false,
  samePerson: [],
  ...over,
});

describe('bulk seat change', () => {
  test('five requests for three people: two Confluence seats and one Jira seat', () => {
    const selected = [
      request('1', 'confluence', 'frank@acme.test'),
      request('2', 'confluence', 'frank@acme.test'),
      request('3', 'confluence', 'kai.moreno@acme.test'),
      request('4', 'confluence', 'kai.moreno@acme.test'),
      request('5', 'jira', 'priya@acme.test'),
    ];
    expect(seatChanges(selected).map((c) => [c.productName, c.people])).toEqual([
      ['Confluence', 2],
      ['Jira', 1],
    ]);
    expect(seatChangeSentence(seatChanges(selected))).toBe('Adds 2 billable seats to Confluence: 37 → 39; 1 to Jira: 41 → 42.');
  });

  test('a person who already has the product, or an unbilled product, adds no seat', () => {
    const selected = [
      request('1', 'jira', 'alice@acme.test', { person: { ...request('1', 'jira', 'a').person, key: 'alice@acme.test', hasThisProduct: true } }),
      request('2', 'confluence', 'x', { billable: false }),
    ];
    expect(seatChangeSentence(seatChanges(selected))).toBe('Adds no billable seat.');
  });

  test('the same product on two sites is named with its site', () => {
    const eu = { site: 'acme-eu', siteHost: 'acme-eu.atlassian.net', seatsNow: 15 };
    const sentence = seatChangeSentence(seatChanges([request('1', 'confluence', 'a'), request('2', 'confluence', 'b', eu)]));
    expect(sentence).toBe('Adds 1 billable seat to Confluence on acme-eu.atlassian.net: 15 → 16; 1 to Confluence on acme.atlassian.net: 37 → 38.');
  });
});
