// On the vendor's "You don't have access to Confluence" page: our request-access controls, in an
// extension page inside an iframe in a closed shadow root (the page can neither read nor script
// them). The content script passes only what the URL and the page say (site, product, the account
// the page shows, the page's address); the frame asks the background for everything else.
import { browser } from '../../shared-ext/browser';
import type { Feature } from '../feature-manager';
import { waitFor } from '../feature-manager';
import { isProductPage, productOfPage, siteUrlOfProductPage } from '../matchers';
import { findNoAccessPage, type NoAccessPage } from '../adapters/product-site';
import { guardHost } from '../host-guard';
import { followFrameHeight } from '../frame-height';

export const REQUEST_PAGE = 'src/request/index.html';
const HOST_TAG = 'access-companion-request';

/** `mount`: this mount's id, by which the background asks about the frame's host (host-guard.ts). */
export function requestFrameUrl(base: string, here: URL, page: NoAccessPage, mount?: string): string | undefined {
  const site = siteUrlOfProductPage(here);
  const product = productOfPage(here);
  if (!site || !product) return undefined;
  const params = new URLSearchParams({ site, product, productName: page.productName, here: here.href });
  if (page.account) params.set('account', page.account.email);
  if (mount) params.set('mount', mount);
  return `${base}#${params}`;
}

function mount(page: NoAccessPage, signal: AbortSignal): HTMLElement | undefined {
  const mountId = crypto.randomUUID();
  const src = requestFrameUrl(browser.runtime.getURL(REQUEST_PAGE), new URL(location.href), page, mountId);
  if (!src) return undefined;
  const host = document.createElement(HOST_TAG);
  host.style.setProperty('display', 'block', 'important');
  host.style.setProperty('margin', '8px 0 0', 'important');
  const shadow = host.attachShadow({ mode: 'closed' });
  const style = document.createElement('style');
  style.textContent = `:host { all: initial; display: block !important; }
    iframe { display: block; width: 100%; height: 160px; border: 0; color-scheme: light; }`;
  const frame = document.createElement('iframe');
  frame.title = 'Access Companion: request access';
  frame.src = src;
  followFrameHeight(frame, signal, { max: 2000 });
  shadow.append(style, frame);
  page.after.after(host);
  guardHost(mountId, host, frame, signal);
  return host;
}

export const requestAccess: Feature = {
  id: 'request-access',
  include: [isProductPage],
  async init(signal) {
    while (!signal.aborted) {
      const page = await waitFor(() => findNoAccessPage(document), signal);
      // Each mount has its own signal, ended when the page re-renders it away or the feature stops.
      const unmount = new AbortController();
      const mounted = AbortSignal.any([signal, unmount.signal]);
      const host = mount(page, mounted);
      if (!host) return;
      mounted.addEventListener('abort', () => host.remove(), { once: true });
      try {
        await waitFor(() => (!host.isConnected || findNoAccessPage(document)?.productName !== page.productName ? true : undefined), mounted);
      } finally {
        unmount.abort();
      }
    }
  },
};
