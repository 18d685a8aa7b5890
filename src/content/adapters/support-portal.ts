// Everything Access Companion knows about the vendor's support-portal markup lives here.
// We look for what a person sees — the breadcrumb's current item, the "Product" and "Site URL"
// labels — never class names, which change without notice. The ticket key comes from the URL;
// what the page says about product and site is only read to warn when it disagrees with the API,
// so every lookup here is optional and tolerant of markup we have not seen.
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

/** What the page shows about its ticket; any field may be missing on markup we cannot read. */
export interface PageFacts {
  key?: string;
  title?: string;
  productName?: string;
  product?: string;
  siteUrl?: string;
  /** The page says it has no such request ("We can't find that request"): there is no ticket here. */
  missing?: boolean;
  /** The email of the account the portal says is signed in, when its header shows one. */
  account?: string;
}

/** A lookup that must succeed did not: the vendor changed its markup. */
export class PortalMarkupError extends Error {
  override name = 'PortalMarkupError';
}

const PRODUCT_LABEL = /^(product|product name|affected product)$/;
const SITE_LABEL = /^(site|site url|site address|cloud site|cloud url|instance|instance url)$/;

const text = (node: Node | null | undefined): string => node?.textContent?.replace(/\s+/g, ' ').trim() ?? '';

/** A label as a person reads it: case, surrounding punctuation ("Product:", "* Site") and spaces ignored. */
export function normalizeLabel(raw: string): string {
  return raw
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase()
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
}

function main(doc: Document): Element | undefined {
  return doc.querySelector('main, [role="main"]') ?? undefined;
}

/** The request's sidebar: the complementary landmark inside (or beside) the main content. */
export function findSidebar(doc: Document): Element | undefined {
  return (main(doc) ?? doc).querySelector('aside, [role="complementary"]') ?? undefined;
}

/** The request header: the element holding the request's title (the page's h1). */
export function findTicketHeader(doc: Document): Element | undefined {
  const h1 = (main(doc) ?? doc).querySelector('h1, [role="heading"][aria-level="1"]');
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

/** A value found on the page: the node that shows it (for placement) and its text. */
interface Field {
  node: Node;
  text: string;
  href?: string;
  term?: Element;
}

const TERMS = 'dt, th, label, [role="rowheader"], h1, h2, h3, h4, h5, h6, [role="heading"], span, div, p, strong, b, td, li';
const FORM_CONTROL = 'input, select, textarea, output';

function controlText(el: Element): string {
  if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLOutputElement) return el.value.trim();
  if (el instanceof HTMLSelectElement) return text(el.selectedOptions[0]);
  return text(el);
}

function fieldOf(node: Element): Field | undefined {
  const value = node.matches(FORM_CONTROL) ? controlText(node) : text(node);
  if (!value) return undefined;
  const href = (node.tagName === 'A' ? node : node.querySelector('a[href]'))?.getAttribute('href') ?? undefined;
  return { node, text: value, href };
}

/** The value paired with `term`, by the usual ways pages pair a label with its value. */
function pairedValue(term: Element): Field | undefined {
  if (term.tagName === 'TH' || term.getAttribute('role') === 'rowheader') {
    const cell = term.nextElementSibling;
    return cell ? fieldOf(cell) : undefined;
  }
  if (term.tagName === 'LABEL') {
    const id = term.getAttribute('for');
    const control = (id && term.ownerDocument.getElementById(id)) || term.querySelector(FORM_CONTROL);
    if (control) return fieldOf(control);
  }
  const labelledBy = term.id && term.ownerDocument.querySelector(`[aria-labelledby~="${CSS.escape(term.id)}"]`);
  if (labelledBy) return fieldOf(labelledBy);
  // "<b>Product:</b> Confluence": the value is the text right after the label.
  const after = term.nextSibling;
  if (after?.nodeType === 3 && text(after)) return { node: term.parentElement ?? term, text: text(after) };
  const next = term.nextElementSibling;
  return next ? fieldOf(next) : undefined;
}

/** "Product: Confluence" written in one element's own text. */
function inlineValue(el: Element, label: RegExp): Field | undefined {
  const own = [...el.childNodes]
    .filter((n) => n.nodeType === 3)
    .map((n) => n.textContent ?? '')
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  const m = /^([^:]{1,40}):\s*(.+)$/.exec(own);
  if (!m || !label.test(normalizeLabel(m[1]!))) return undefined;
  return { node: el, text: m[2]!.trim(), href: el.querySelector('a[href]')?.getAttribute('href') ?? undefined, term: el };
}

/** The value next to a visible label anywhere in `container`. */
export function fieldValue(container: Element | Document, label: RegExp): Field | undefined {
  for (const term of container.querySelectorAll(TERMS)) {
    if (term.closest('nav, [role="navigation"], script, style, template')) continue;
    if (term.children.length === 0 && label.test(normalizeLabel(text(term)))) {
      const value = pairedValue(term);
      if (value && !label.test(normalizeLabel(value.text))) return { ...value, term };
    }
    const inline = inlineValue(term, label);
    if (inline) return inline;
  }
  return undefined;
}

function siteOrigin(value: Field): string | undefined {
  for (const candidate of [value.href, value.text]) {
    if (!candidate) continue;
    try {
      const url = new URL(/^[a-z]+:\/\//i.test(candidate) ? candidate : `https://${candidate}`);
      if ((url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.includes('.')) return url.origin;
    } catch {
      // not a URL; try the next candidate
    }
  }
  return undefined;
}

export function productKeyFromName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Where to look for the details, nearest first: the sidebar, the main content, the whole page. */
function scopes(doc: Document): (Element | Document)[] {
  const all: (Element | Document | undefined)[] = [findSidebar(doc), main(doc), doc.body ?? doc];
  return all.filter((s): s is Element | Document => s !== undefined);
}

function find(doc: Document, label: RegExp): Field | undefined {
  for (const scope of scopes(doc)) {
    const value = fieldValue(scope, label);
    if (value) return value;
  }
  return undefined;
}

/** Whatever the page shows about its ticket; fields it does not show (or we cannot read) are absent. */
export function readPageFacts(doc: Document): PageFacts {
  const facts: PageFacts = {};
  const account = portalAccount(doc);
  if (account) facts.account = account;
  if (findMissingNotice(doc)) {
    facts.missing = true;
    return facts;
  }
  const key = ticketKey(doc);
  if (key) facts.key = key;
  const title = text((main(doc) ?? doc).querySelector('h1'));
  if (title) facts.title = title;
  const product = find(doc, PRODUCT_LABEL);
  if (product) {
    facts.productName = product.text;
    facts.product = productKeyFromName(product.text);
  }
  const site = find(doc, SITE_LABEL);
  const siteUrl = site && siteOrigin(site);
  if (siteUrl) facts.siteUrl = siteUrl;
  return facts;
}

/** The ticket the page shows, or undefined while the page has not rendered it (yet). */
export function readTicketContext(doc: Document): TicketContext | undefined {
  const f = readPageFacts(doc);
  if (!f.key || !f.productName || !f.product || !f.siteUrl) return undefined;
  return { key: f.key, title: f.title, productName: f.productName, product: f.product, siteUrl: f.siteUrl };
}

export function requireTicketContext(doc: Document): TicketContext {
  const context = readTicketContext(doc);
  if (!context) throw new PortalMarkupError('support portal: no ticket key, "Product" or "Site URL" found on this page');
  return context;
}

export type PanelSlot = { kind: 'after-details'; parent: Element; after: Element } | { kind: 'sidebar-top'; parent: Element; after: null } | { kind: 'after-notice'; parent: Element; after: Element };

// The portal's page for a request it will not show: "We can't find that request" (also worded
// "this request" / "that page"), whether it does not exist or the signed-in person may not see it.
const MISSING = /^we can'?t find (that|this) (request|page)$/;

/** The heading of the portal's "We can't find that request" page, or undefined on any other page. */
export function findMissingNotice(doc: Document): Element | undefined {
  const heading = (main(doc) ?? doc).querySelector('h1, [role="heading"][aria-level="1"]');
  return heading && MISSING.test(normalizeLabel(text(heading).replace(/[\u2018\u2019]/g, "'"))) ? heading : undefined;
}

const EMAIL = /[^\s()<>@]+@[^\s()<>@]+\.[^\s()<>@]+/;

/**
 * The email of the person the portal's header says is signed in: the account menu of the page's
 * banner (labelled "profile" or "account"), when it shows an address. Undefined when it does not.
 */
export function portalAccount(doc: Document): string | undefined {
  const banner = doc.querySelector('[role="banner"], body > header');
  const menu = banner?.querySelector('[aria-label*="profile" i], [aria-label*="account" i]');
  if (!menu) return undefined;
  // Text node by text node: the name and the address are often adjacent elements with no space between.
  const walker = doc.createTreeWalker(menu, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const email = EMAIL.exec(node.textContent ?? '')?.[0];
    if (email && email.length <= 320) return email;
  }
  return undefined;
}

const CARD = 'section, article, [role="region"], [role="group"], fieldset, form';
const PAGE_LEVEL = 'main, [role="main"], body, html';

/** The block that holds a label and its value: out of any table or list, up through lone wrappers. */
function detailsBlock(field: Field): Element | undefined {
  let block: Element | null = field.node.nodeType === 1 ? (field.node as Element) : field.node.parentElement;
  while (block && field.term && !block.contains(field.term)) block = block.parentElement;
  if (!block) return undefined;
  block = block.closest('table, dl') ?? block;
  const card = block.closest(CARD);
  if (card && !card.matches(PAGE_LEVEL)) return card;
  while (block.parentElement && block.parentElement.children.length === 1 && !block.parentElement.matches(PAGE_LEVEL)) block = block.parentElement;
  return block.matches(PAGE_LEVEL) ? undefined : block;
}

/**
 * Where our panel goes: right after the card holding the request's details; else at the top of the
 * sidebar; on a "We can't find that request" page, after the portal's sentence; undefined when the page has neither (the caller docks the panel instead).
 */
export function findPanelSlot(doc: Document): PanelSlot | undefined {
  const missing = findMissingNotice(doc);
  if (missing?.parentElement) {
    // After the portal's own sentence about it, inline: a short note, not a docked panel.
    const said = missing.nextElementSibling?.tagName === 'P' ? missing.nextElementSibling : missing;
    return { kind: 'after-notice', parent: missing.parentElement, after: said };
  }
  const details = find(doc, PRODUCT_LABEL) ?? find(doc, SITE_LABEL);
  const sidebar = findSidebar(doc);
  const start = details && (details.node.nodeType === 1 ? (details.node as Element) : details.node.parentElement);
  if (details && start) {
    // In a sidebar: its child that holds the details. Elsewhere: the block around label and value.
    let card: Element | null | undefined;
    if (sidebar?.contains(start)) {
      card = start;
      while (card && card.parentElement !== sidebar) card = card.parentElement;
    } else {
      card = detailsBlock(details);
    }
    if (card?.parentElement) return { kind: 'after-details', parent: card.parentElement, after: card };
  }
  if (sidebar) return { kind: 'sidebar-top', parent: sidebar, after: null };
  return undefined;
}
