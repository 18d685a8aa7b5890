// Mounts the Access Companion panel in the ticket's sidebar: an extension page in an iframe inside
// a closed shadow root, so the vendor page can neither read nor script it. The page-derived ticket
// context travels in the frame URL's hash, and the frame renders it as text only.
import type { Feature } from '../feature-manager';
import { waitFor } from '../feature-manager';
import { isSupportTicket, ticketKeyFromUrl } from '../matchers';
import { findPanelSlot, readTicketContext, type TicketContext } from '../adapters/support-portal';
import { guardHost } from '../host-guard';

export const PANEL_PAGE = 'src/panel/index.html';
const HOST_TAG = 'access-companion-panel';

/** `mount`: this mount's id, by which the background asks about the frame's host (host-guard.ts). */
export function panelFrameUrl(base: string, context: TicketContext, mount?: string): string {
  const params = new URLSearchParams({
    key: context.key,
    product: context.product,
    productName: context.productName,
    site: context.siteUrl,
  });
  if (context.title) params.set('title', context.title);
  if (mount) params.set('mount', mount);
  return `${base}#${params}`;
}

const HEIGHT_MESSAGE = 'access-companion:height';

// The frame reports its content height; only a number from our own frame is taken.
function followFrameHeight(frame: HTMLIFrameElement, signal: AbortSignal): void {
  addEventListener('message', (event: MessageEvent<unknown>) => {
    if (event.source !== frame.contentWindow) return;
    const data = event.data as { type?: unknown; height?: unknown } | null;
    if (data?.type !== HEIGHT_MESSAGE || typeof data.height !== 'number') return;
    frame.style.height = `${Math.min(Math.max(Math.ceil(data.height), 48), 1200)}px`;
  }, { signal });
}

function mountPanel(context: TicketContext, signal: AbortSignal): HTMLElement | undefined {
  const slot = findPanelSlot(document);
  if (!slot) return undefined;
  const host = document.createElement(HOST_TAG);
  host.style.setProperty('display', 'block', 'important');
  const shadow = host.attachShadow({ mode: 'closed' });
  const style = document.createElement('style');
  style.textContent = `:host { all: initial; display: block !important; }
    iframe { display: block; width: 100%; height: 120px; border: 0; border-radius: 3px; color-scheme: light; }`;
  const frame = document.createElement('iframe');
  frame.title = 'Access Companion';
  const mount = crypto.randomUUID();
  frame.src = panelFrameUrl(chrome.runtime.getURL(PANEL_PAGE), context, mount);
  followFrameHeight(frame, signal);
  shadow.append(style, frame);
  slot.parent.insertBefore(host, slot.after ? slot.after.nextSibling : slot.parent.firstChild);
  guardHost(mount, host, frame, signal);
  return host;
}

export const ticketPanel: Feature = {
  id: 'ticket-panel',
  include: [isSupportTicket],
  async init(signal) {
    const urlKey = ticketKeyFromUrl(new URL(location.href));
    // An SPA may show the previous ticket for a moment after changing the URL: wait for a match.
    const current = () => {
      const context = readTicketContext(document);
      return context && context.key === urlKey ? context : undefined;
    };
    while (!signal.aborted) {
      const context = await waitFor(current, signal);
      // Each mount has its own signal, ended when it is replaced or the feature stops: its
      // listeners go with it instead of piling up on the feature's signal until navigation.
      const unmount = new AbortController();
      const mount = AbortSignal.any([signal, unmount.signal]);
      const host = mountPanel(context, mount);
      if (!host) return;
      mount.addEventListener('abort', () => host.remove(), { once: true });
      try {
        // Re-mount when the page re-renders its sidebar or swaps the ticket without a URL change.
        await waitFor(() => (!host.isConnected || readTicketContext(document)?.key !== context.key ? true : undefined), mount);
      } finally {
        unmount.abort();
      }
    }
  },
};
