// Everything Access Companion knows about the vendor's product pages (Confluence, Jira on a
// customer's site) lives here. We look for what a person sees: the "You don't have access to …"
// heading, the sentence saying who is logged in, and the vendor's own "Request access" button.

const NO_ACCESS = /^You don't have access to (.+)$/i;
const LOGGED_IN_AS = /logged in as (.+?) \(([^()\s]+@[^()\s]+)\)/i;

const text = (el: Element | null | undefined): string =>
  el?.textContent
    ?.replace(/[\u2018\u2019]/g, "'")
    .replace(/\s+/g, ' ')
    .trim() ?? '';

export interface NoAccessPage {
  /** The product as the page names it ("Confluence"). */
  productName: string;
  /** The vendor account the page says is logged in, if it says so. */
  account?: { name: string; email: string };
  /** Our frame goes right after this element (the row holding the vendor's Request access button). */
  after: Element;
}

/** The vendor's "You don't have access" page, once it has rendered; undefined on any other page. */
export function findNoAccessPage(doc: Document): NoAccessPage | undefined {
  const main = doc.querySelector('main, [role="main"]');
  const heading = main?.querySelector('h1, [role="heading"][aria-level="1"]');
  const productName = NO_ACCESS.exec(text(heading))?.[1];
  if (!main || !heading || !productName) return undefined;
  const button = [...main.querySelectorAll('button, [role="button"], a')].find((b) => /^request access$/i.test(text(b)));
  const container = heading.parentElement ?? main;
  // The row of the vendor's button, as a direct child of the heading's container.
  let after: Element | null = button ?? null;
  while (after && after.parentElement !== container) after = after.parentElement;
  const who = LOGGED_IN_AS.exec(text(container));
  return { productName, account: who ? { name: who[1]!, email: who[2]! } : undefined, after: after ?? heading };
}
