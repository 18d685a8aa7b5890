// What approving a set of product access requests does to billable seats: one seat per person per
// product (several requests for one person, however their email was written, are one seat), said
// per product with the count before and after.
import type { AccessRequestView } from '../shared-ext/views';

export interface SeatChange {
  site: string;
  siteHost: string;
  productName: string;
  /** Distinct people this approval adds to the product (each one billable seat). */
  people: number;
  /** The product's billable seats now, when the API said. */
  seatsNow?: number;
}

/** Per product (site and product), the distinct people approving `requests` would add; billable products only, by product name then site. */
export function seatChanges(requests: AccessRequestView[]): SeatChange[] {
  const byProduct = new Map<string, { change: SeatChange; people: Set<string> }>();
  for (const r of requests) {
    if (r.person.hasThisProduct || !r.billable) continue;
    const key = `${r.site}/${r.product}`;
    let entry = byProduct.get(key);
    if (!entry) {
      entry = { change: { site: r.site, siteHost: r.siteHost, productName: r.productName, people: 0, seatsNow: r.seatsNow }, people: new Set() };
      byProduct.set(key, entry);
    }
    entry.people.add(r.person.key);
    entry.change.people = entry.people.size;
  }
  return [...byProduct.values()].map((e) => e.change).sort((a, b) => a.productName.localeCompare(b.productName) || a.siteHost.localeCompare(b.siteHost));
}

/**
 * "Adds 2 billable seats to Confluence: 37 → 39; 1 to Jira: 41 → 42." A product on two sites of the
 * selection is named with its site. "Adds no billable seat." when nothing selected is billable.
 */
export function seatChangeSentence(changes: SeatChange[]): string {
  if (changes.length === 0) return 'Adds no billable seat.';
  const names = changes.map((c) => c.productName);
  const parts = changes.map((c, i) => {
    const product = names.filter((n) => n === c.productName).length > 1 ? `${c.productName} on ${c.siteHost}` : c.productName;
    const count = i === 0 ? `${c.people} billable seat${c.people === 1 ? '' : 's'}` : `${c.people}`;
    return `${count} to ${product}${c.seatsNow === undefined ? '' : `: ${c.seatsNow} → ${c.seatsNow + c.people}`}`;
  });
  return `Adds ${parts.join('; ')}.`;
}
