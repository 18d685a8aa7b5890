// Everything Access Companion knows about the vendor's admin console markup lives here.
// We look for what a person sees — the page's h1, its lead paragraph, labelled filter fields —
// never class names, which change without notice.
import { isTicketKey } from '../../core/limits';

/** A lookup that must succeed did not: the vendor changed its markup. */
export class ConsoleMarkupError extends Error {
  override name = 'ConsoleMarkupError';
}

export type ConsolePage = 'support-access' | 'access-requests' | 'audit-log' | 'guard-approvals' | 'api-keys' | 'roles';

const HEADINGS: Record<ConsolePage, RegExp> = {
  'support-access': /^support access$/i,
  'access-requests': /^access requests$/i,
  'audit-log': /^audit log$/i,
  'guard-approvals': /^support access requests$/i,
  'api-keys': /^api keys$/i,
  roles: /^roles$/i,
};

const text = (el: Element | null | undefined): string => el?.textContent?.replace(/\s+/g, ' ').trim() ?? '';

/** The org id in an admin console URL (`/o/<org>/…`), or undefined elsewhere. */
export function orgIdFromUrl(url: URL): string | undefined {
  return /^\/o\/([^/]+)\//.exec(url.pathname)?.[1];
}

function main(doc: Document): Element | undefined {
  return doc.querySelector('main, [role="main"]') ?? undefined;
}

/** The page's h1 once it shows the expected page's title; undefined while the page still loads. */
export function findPageHeading(doc: Document, page: ConsolePage): Element | undefined {
  const h1 = main(doc)?.querySelector('h1, [role="heading"][aria-level="1"]');
  return h1 && HEADINGS[page].test(text(h1)) ? h1 : undefined;
}

/**
 * Where our frame goes: right after the page's introduction (the heading and the paragraph
 * following it), so it reads as part of the page, above the vendor's own table.
 */
export function findFrameSlot(doc: Document, page: ConsolePage): { parent: Element; after: Element } | undefined {
  const heading = findPageHeading(doc, page);
  if (!heading?.parentElement) return undefined;
  const next = heading.nextElementSibling;
  const after = next && next.tagName === 'P' ? next : heading;
  return { parent: heading.parentElement, after };
}

/** The audit log's own free-text filter ("Search activities"), if the page has one. */
export function findAuditSearchField(doc: Document): HTMLInputElement | undefined {
  for (const label of doc.querySelectorAll('label')) {
    if (!/search activit/i.test(text(label))) continue;
    const control = label.getAttribute('for') ? doc.getElementById(label.getAttribute('for')!) : label.querySelector('input');
    if (control instanceof HTMLInputElement) return control;
  }
  return doc.querySelector<HTMLInputElement>('[role="search"] input[type="search"]') ?? undefined;
}

/**
 * Ticket keys in the Support access page's own "Outstanding requests" table (first cell of each
 * row). The vendor lists every request of the org; the API lists only those I may grant.
 */
export function findOutstandingRequestKeys(doc: Document): string[] {
  const heading = [...(main(doc)?.querySelectorAll('h2, [role="heading"][aria-level="2"]') ?? [])].find((h) => /^outstanding requests$/i.test(text(h)));
  let table: Element | null | undefined = heading?.nextElementSibling;
  while (table && table.tagName !== 'TABLE' && !/^H[12]$/.test(table.tagName)) table = table.nextElementSibling;
  if (table?.tagName !== 'TABLE') return [];
  return [...table.querySelectorAll('tbody tr')]
    .map((row) => text(row.querySelector('td')))
    .filter(isTicketKey)
    .slice(0, 50);
}
