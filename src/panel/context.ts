// The ticket context the content script found, read from this frame's URL hash. Only the key is
// needed (it comes from the page URL); product and site are what the page showed, if it could be
// read, and serve only to warn when page and API disagree. Page-derived and untrusted: rendered as
// text, and never used to decide anything.
import { displayText } from '../shared-ext/format';

export interface PanelContext {
  key: string;
  /** Product key and name as the page shows them; absent when the page did not say. */
  product?: string;
  productName?: string;
  siteUrl?: string;
  siteHost?: string;
  title: string | undefined;
  /** The content script could read nothing of the ticket from the page. */
  unreadable: boolean;
  /** The page had no place for the panel: it is docked in a corner. */
  docked: boolean;
  /** The page says it has no such request ("We can't find that request"): no ticket to show. */
  missing?: true;
  /** The email of the account the portal page says is signed in, when it shows one. */
  account?: string;
}

const KEY = /^[A-Z][A-Z0-9_]*-\d+$/;

export function readPanelContext(hash: string): PanelContext | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const key = params.get('key');
  if (!key || !KEY.test(key)) return undefined;
  // What the page said (its ticket title, the product's name) is shown as displayText shows it; the
  // account stays as the page gave it, to be compared with mine (and is shown through displayText).
  const title = params.get('title');
  const context: PanelContext = { key, title: title === null ? undefined : displayText(title), unreadable: params.get('read') === 'none', docked: params.get('placement') === 'docked' };
  if (params.get('page') === 'missing') context.missing = true;
  const account = params.get('account');
  if (account) context.account = account.slice(0, 320);
  const product = params.get('product');
  if (product) {
    context.product = product;
    context.productName = displayText(params.get('productName') || product);
  }
  const site = params.get('site');
  if (site) {
    try {
      const url = new URL(site);
      context.siteUrl = site;
      context.siteHost = url.host;
    } catch {
      // not a URL: as if the page had not said
    }
  }
  return context;
}
