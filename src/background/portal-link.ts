// Where a ticket's page is, for links from the console: the support portal the admin last opened a
// ticket on (its origin and portal number, as the panel's tab showed it), else the vendor's own.
import { browser } from '../shared-ext/browser';

const STORAGE_KEY = 'portalBase';
const VENDOR_PORTAL = 'https://support.atlassian.com/servicedesk/customer/portal/1/';
const TICKET_PAGE = /^(\/servicedesk\/customer\/portal\/\d+\/)[A-Z][A-Z0-9_]*-\d+\/?$/;

/** Remembers the portal of a ticket page (`pageUrl`, the panel's tab); other pages are ignored. */
export async function notePortalPage(pageUrl: string | undefined): Promise<void> {
  if (!pageUrl) return;
  let url: URL;
  try {
    url = new URL(pageUrl);
  } catch {
    return;
  }
  const portal = TICKET_PAGE.exec(url.pathname)?.[1];
  if (!portal || (url.protocol !== 'https:' && url.protocol !== 'http:')) return;
  const base = `${url.origin}${portal}`;
  const { [STORAGE_KEY]: was } = await browser.storage.local.get(STORAGE_KEY);
  if (was !== base) await browser.storage.local.set({ [STORAGE_KEY]: base });
}

/** The page of ticket `key` on the support portal, e.g. "https://support.atlassian.com/servicedesk/customer/portal/1/PS-101". */
export async function ticketPageUrl(key: string): Promise<string> {
  const { [STORAGE_KEY]: base } = await browser.storage.local.get(STORAGE_KEY);
  return `${typeof base === 'string' ? base : VENDOR_PORTAL}${encodeURIComponent(key)}`;
}
