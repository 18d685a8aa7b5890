// What the content script found on the product page, read from this frame's URL hash. Page-derived
// and untrusted: it picks the site and product to ask the API about and is shown as text only.
import { productOfPage, siteUrlOfProductPage } from '../content/matchers';
import { displayText } from '../shared-ext/format';

export interface RequestPageContext {
  /** The site's address as the vendor writes it, e.g. https://acme.atlassian.net. */
  site: string;
  product: string;
  productName: string;
  /** The page the person tried to open, when it is really that product on that site. */
  here?: string;
  /** The account the vendor page says is logged in. */
  account?: string;
}

export function readRequestContext(hash: string): RequestPageContext | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const site = params.get('site');
  const product = params.get('product');
  if (!site || !product || site.length > 300 || product.length > 100) return undefined;
  let here: string | undefined;
  try {
    const url = new URL(params.get('here') ?? '');
    // Only a link back to the same product on the same site: never a page-chosen address elsewhere.
    if (siteUrlOfProductPage(url) === site && productOfPage(url) === product) here = url.href;
  } catch {
    here = undefined;
  }
  // The product's name as displayText shows it; the account as the page gave it, to be compared with mine.
  return { site, product, productName: displayText((params.get('productName') || product).slice(0, 100)), here, account: params.get('account')?.slice(0, 320) || undefined };
}
