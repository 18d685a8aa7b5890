// Everything Access Companion knows about the vendor's support-portal markup lives here.
// We look for what a person sees — the breadcrumb's current item, the "Product" and "Site URL"
// labels in the request's sidebar landmark — never class names, which change without notice.
import { isTicketKey } from '../../core/limits';

export interface TicketContext {
  key: string;
  title: string | undefined;
  /** Product as the portal shows it ("Jira Service Management"). */
  productName: string;
  /** Product key as the Access API names it ("jira-service-management"). */
  product: string;
  /** Origin of the customer's site ("https://acme.atlassian.net"). */
  siteUrl: string;
}

/** A lookup that must succeed did not: the vendor changed its markup. */
export class PortalMarkupError extends Error {
  override name = 'PortalMarkupError';
}

const PRODUCT_LABEL = /^product$/i;
const SITE_LABEL = /^site( url| address)?$/i;

const text = (el: Element | null | undefined): string => el?.textContent?.replace(/\s+/g, ' ').trim() ?? '';

function main(doc: Document): Element | undefined {
  return doc.querySelector('main, [role="main"]') ?? undefined;
}

/** The request's sidebar: the complementary landmark inside (or beside) the main content. */
export function findSidebar(doc: Document): Element | undefined {
  return (main(doc) ?? doc).querySelector('aside, [role="complementary"]') ?? undefined;
}

/** The request header: the element holding the request's title (the page's h1). */
export function findTicketHeader(doc: Document): Element | undefined {
  const h1 = main(doc)?.querySelector('h1, [role="heading"][aria-level="1"]');
  return h1?.closest('header') ?? h1?.parentElement ?? undefined;
}

function ticketKey(doc: Document): string | undefined {
  const crumb = text(doc.querySelector('nav[aria-label="Breadcrumbs" i] [aria-current="page"]'));
  if (isTicketKey(crumb)) return crumb;
  const header = findTicketHeader(doc);
  if (!header) return undefined;
  for (const el of header.querySelectorAll('*')) {
    const candidate = text(el);
    if (el.children.length === 0 && isTicketKey(candidate)) return candidate;
  }
  return undefined;
}

/** The value element next to a visible label (dt→dd, th→td, label→control, or the next sibling). */
function fieldValue(container: Element, label: RegExp): Element | undefined {
  for (const term of container.querySelectorAll('dt, th, label, [role="rowheader"], span, div, strong')) {
    if (term.children.length > 0 || !label.test(text(term))) continue;
    if (term.tagName === 'LABEL' && term.getAttribute('for')) {
      const control = term.ownerDocument.getElementById(term.getAttribute('for')!);
      if (control) return control;
    }
    const value = term.nextElementSibling;
    if (value && text(value) !== '') return value;
  }
  return undefined;
}

function siteOrigin(value: Element): string | undefined {
  const href = value.querySelector('a[href]')?.getAttribute('href') ?? (value.tagName === 'A' ? value.getAttribute('href') : null);
  for (const candidate of [href, text(value)]) {
    if (!candidate) continue;
    try {
      const url = new URL(/^[a-z]+:\/\//i.test(candidate) ? candidate : `https://${candidate}`);
      if (url.protocol === 'https:' || url.protocol === 'http:') return url.origin;
    } catch {
      // not a URL; try the next candidate
    }
  }
  return undefined;
}

export function productKeyFromName(name: string): string {
  return name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** The ticket the page shows, or undefined while the page has not rendered it (yet). */
export function readTicketContext(doc: Document): TicketContext | undefined {
  const key = ticketKey(doc);
  const sidebar = findSidebar(doc);
  if (!key || !sidebar) return undefined;
  const productValue = fieldValue(sidebar, PRODUCT_LABEL);
  const siteValue = fieldValue(sidebar, SITE_LABEL);
  const siteUrl = siteValue && siteOrigin(siteValue);
  if (!productValue || !siteUrl) return undefined;
  const productName = text(productValue);
  const title = text(main(doc)?.querySelector('h1')) || undefined;
  return { key, title, productName, product: productKeyFromName(productName), siteUrl };
}

export function requireTicketContext(doc: Document): TicketContext {
  const context = readTicketContext(doc);
  if (!context) throw new PortalMarkupError('support portal: no ticket key, "Product" or "Site URL" found on this page');
  return context;
}

/** Where our panel goes: in the sidebar, right after the card that holds the request's details. */
export function findPanelSlot(doc: Document): { parent: Element; after: Element | null } | undefined {
  const sidebar = findSidebar(doc);
  if (!sidebar) return undefined;
  const value = fieldValue(sidebar, PRODUCT_LABEL);
  let card: Element | null = value ?? null;
  while (card && card.parentElement !== sidebar) card = card.parentElement;
  return { parent: sidebar, after: card };
}
