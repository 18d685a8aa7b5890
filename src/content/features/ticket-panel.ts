// Mounts the Access Companion panel on a ticket page: an extension page in an iframe inside a
// closed shadow root, so the vendor page can neither read nor script it. The panel needs only the
// URL's ticket key; what the page shows (product, site, title) travels in the frame URL's hash,
// rendered as text only, to warn when page and API disagree. On markup we have not seen the panel
// still appears: after the details card, else at the top of the sidebar, else docked in a corner.
import { browser } from '../../shared-ext/browser';
import type { Feature } from '../feature-manager';
import { waitFor } from '../feature-manager';
import { isSupportTicket, ticketKeyFromUrl } from '../matchers';
import { findPanelSlot, readPageFacts, type PageFacts, type PanelSlot } from '../adapters/support-portal';
import { extensionAlive, newHost } from '../extension-context';
import { guardHost } from '../host-guard';
import { pageSettled } from '../page-settled';
import { followFrameHeight } from '../frame-height';

export const PANEL_PAGE = 'src/panel/index.html';

export interface PanelPlacement {
  docked: boolean;
}

/**
 * The panel frame's URL: the key, plus whatever the page said, in the hash. `mount`: this mount's
 * id, by which the background asks about the frame's host (host-guard.ts).
 */
export function panelFrameUrl(base: string, key: string, facts: PageFacts, placement: PanelPlacement = { docked: false }, mount?: string): string {
  const params = new URLSearchParams({ key });
  if (facts.product) params.set('product', facts.product);
  if (facts.productName) params.set('productName', facts.productName);
  if (facts.siteUrl) params.set('site', facts.siteUrl);
  if (facts.title) params.set('title', facts.title);
  if (!facts.product && !facts.siteUrl && !facts.key) params.set('read', 'none');
  if (placement.docked) params.set('placement', 'docked');
  if (mount) params.set('mount', mount);
  return `${base}#${params}`;
}

const DOCKED_STYLE = `position: fixed !important; right: 16px !important; bottom: 16px !important; width: 360px !important;
  max-height: calc(100vh - 32px) !important; overflow: auto !important; z-index: 2147483646 !important;
  box-shadow: 0 8px 24px rgba(9, 30, 66, .25) !important; border-radius: 4px !important; background: #fff !important;`;

function mountPanel(key: string, facts: PageFacts, slot: PanelSlot | undefined, signal: AbortSignal): HTMLElement {
  const host = newHost();
  host.dataset.placement = slot?.kind ?? 'docked';
  if (!slot) host.style.cssText += DOCKED_STYLE;
  const shadow = host.attachShadow({ mode: 'closed' });
  const style = document.createElement('style');
  style.textContent = `:host { all: initial; display: block !important; }
    iframe { display: block; width: 100%; height: 120px; border: 0; border-radius: 3px; color-scheme: light; }`;
  const frame = document.createElement('iframe');
  frame.title = 'Access Companion';
  const mount = crypto.randomUUID();
  frame.src = panelFrameUrl(browser.runtime.getURL(PANEL_PAGE), key, facts, { docked: !slot }, mount);
  followFrameHeight(frame, signal, { max: 1200 });
  shadow.append(style, frame);
  if (slot) slot.parent.insertBefore(host, slot.after ? slot.after.nextSibling : slot.parent.firstChild);
  else document.documentElement.append(host);
  guardHost(mount, host, frame, signal);
  return host;
}

/** False when the page does not render `el` (where layout is known; test DOMs without layout count as rendered). */
function rendered(el: Element): boolean {
  return typeof el.checkVisibility !== 'function' || el.checkVisibility();
}

/** What decides a mount: re-mount when any of it changes. */
const signature = (facts: PageFacts, slot: PanelSlot | undefined) => JSON.stringify([facts.product, facts.siteUrl, facts.title, slot?.kind ?? 'docked']);

export const ticketPanel: Feature = {
  id: 'ticket-panel',
  include: [isSupportTicket],
  async init(signal) {
    const key = ticketKeyFromUrl(new URL(location.href))!;
    // An SPA may show the previous ticket for a moment after changing the URL: facts about another
    // key are not this ticket's.
    const read = (): { facts: PageFacts; slot: PanelSlot | undefined } => {
      const facts = readPageFacts(document);
      if (facts.key && facts.key !== key) return { facts: {}, slot: undefined };
      const slot = findPanelSlot(document);
      // A slot the page does not render (a collapsed section, display: none) would hide the panel.
      return { facts, slot: slot && rendered(slot.parent) && (!slot.after || rendered(slot.after)) ? slot : undefined };
    };
    const recognised = () => {
      const r = read();
      return r.slot && (r.facts.key || r.facts.product || r.facts.siteUrl) ? r : undefined;
    };
    // Wait for the page to show the ticket; a page that never does gets the docked panel once it
    // has settled, with a note that it could not be read.
    const settled = new AbortController();
    void pageSettled(AbortSignal.any([signal, settled.signal])).then(
      () => settled.abort(),
      () => undefined,
    );
    let first: { facts: PageFacts; slot: PanelSlot | undefined };
    try {
      first = await waitFor(recognised, AbortSignal.any([signal, settled.signal]));
    } catch (error) {
      if (signal.aborted) throw error;
      first = read();
    }
    settled.abort();
    let current = first;
    while (!signal.aborted) {
      if (!extensionAlive()) return; // the extension-context watcher shows the update notice
      // Each mount has its own signal, ended when it is replaced or the feature stops: its
      // listeners go with it instead of piling up on the feature's signal until navigation.
      const unmount = new AbortController();
      const mount = AbortSignal.any([signal, unmount.signal]);
      const host = mountPanel(key, current.facts, current.slot, mount);
      mount.addEventListener('abort', () => host.remove(), { once: true });
      const mounted = signature(current.facts, current.slot);
      try {
        // Re-mount when the page re-renders its sidebar, a docked panel finds its place, or what
        // the page says about the ticket changes.
        current = await waitFor(() => {
          const now = read();
          if (!host.isConnected) return now;
          if (now.facts.key === undefined && now.slot === undefined && current.slot !== undefined) return undefined; // mid re-render
          return signature(now.facts, now.slot) !== mounted && (now.slot || now.facts.product || now.facts.siteUrl) ? now : undefined;
        }, mount);
      } finally {
        unmount.abort();
      }
    }
  },
};
