// What Support will and will not see under a grant (DESIGN §2.3), in words an admin understands.
import type { WorldIndex } from './index-world';
import { RuleError, type Product, type Scope, type Site, type Ticket } from './types';

/** Display names of the vendor's product keys; a key not listed is title-cased from its words. */
export const PRODUCT_NAMES: Readonly<Record<string, string>> = {
  jira: 'Jira',
  'jira-software': 'Jira',
  'jira-service-management': 'Jira Service Management',
  jsm: 'Jira Service Management',
  confluence: 'Confluence',
  bitbucket: 'Bitbucket',
  loom: 'Loom',
  trello: 'Trello',
  compass: 'Compass',
  'jira-product-discovery': 'Jira Product Discovery',
  statuspage: 'Statuspage',
  opsgenie: 'Opsgenie',
};

export function productName(key: string, product?: Product): string {
  if (product?.name) return product.name;
  return (
    PRODUCT_NAMES[key] ??
    key
      .split('-')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(' ')
  );
}

/** A site as its admins know it: its address without the scheme. */
export function siteLabel(site: Site | undefined, id: string): string {
  return site ? site.url.replace(/^https?:\/\//, '') : id;
}

/** Display names of a product on a site. */
export function place(ix: WorldIndex, site: string, product: string): { product: string; site: string } {
  return {
    product: productName(product, ix.productsBySiteKey.get(`${site}/${product}`)),
    site: siteLabel(ix.sitesById.get(site), site),
  };
}

/** A product on a site as an admin says it: "Confluence on acme.atlassian.net" (names from the world, else the keys). */
export function productOnSite(ix: WorldIndex, site: string, product: string): string {
  const p = place(ix, site, product);
  return `${p.product} on ${p.site}`;
}

export function ticketPlace(ix: WorldIndex, t: Ticket): { product: string; site: string } {
  return place(ix, t.site, t.product);
}

export function grantScope(ix: WorldIndex, ticketKey: string): Scope {
  const t = ix.ticketsByKey.get(ticketKey);
  if (!t) throw new RuleError('unknown_ticket', `No ticket "${ticketKey}".`);
  return scopeOf(ix, t, `ticket ${t.key}`);
}

/** The scope of a grant on `t`; `what` names the ticket in the summary ("ticket PS-101", "this request"). */
export function scopeOf(ix: WorldIndex, t: Ticket, what: string): Scope {
  const { product, site } = ticketPlace(ix, t);
  const siteRec = ix.sitesById.get(t.site);
  return {
    product: t.product,
    site: t.site,
    siteUrl: siteRec?.url ?? '',
    includes: [
      `Read any work item, comment, attachment or page in ${product} on ${site}.`,
      `View users, groups and permission configuration of ${product} on ${site}.`,
      `View the audit logs and admin settings of ${site} needed for this ticket.`,
    ],
    excludes: [
      `Other sites, and products other than ${product} on ${site}.`,
      'Products your organization has not licensed.',
      "Changes to anything without your consent: Support asks for each change it needs, and you approve or decline it. Only permission changes needed to reach this ticket's data are made under the grant, and each is shown to you.",
      'AI (Rovo) conversation history, unless you approve named conversations separately.',
    ],
    summary: `Support can read ${product} on ${site} for ${what} until you revoke access or the ticket closes.`,
  };
}
