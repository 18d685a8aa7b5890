// Mounts the Access Companion panel on a ticket page: an extension page in an iframe inside a
// closed shadow root, so the vendor page can neither read nor script it. The panel needs only the
// URL's ticket key; what the page shows (product, site, title) travels in the frame URL's hash,
// rendered as text only, to warn when page and API disagree. On markup we have not seen the panel
// still appears: after the details card, else at the top of the sidebar, else docked in a corner.
// For speed the frame starts loading out of sight ("parked") as soon as the feature runs, so it has
// painted the cached decision by the time the page renders its sidebar; it then moves into place
// with Element.moveBefore, which keeps the frame loaded, and gets the page's facts by message.
import { browser } from '../../shared-ext/browser';
import type { Feature } from '../feature-manager';
import { waitFor } from '../feature-manager';
import { isSupportTicket, ticketKeyFromUrl } from '../matchers';
import { findPanelSlot, readPageFacts, type PageFacts, type PanelSlot } from '../adapters/support-portal';
import { extensionAlive, newHost } from '../extension-context';
import { guardHost } from '../host-guard';
import { pageSettled } from '../page-settled';
import { followFrameHeight } from '../frame-height';
import { PANEL_FACTS_MESSAGE, type PanelFactsMessage } from '../../shared-ext/panel-facts';

export const PANEL_PAGE = 'src/panel/index.html';

export interface PanelPlacement {
  docked: boolean;
  /** Loading out of sight until the page shows where the panel goes (the facts follow by message). */
  parked?: boolean;
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
  if (facts.account) params.set('account', facts.account);
  if (facts.missing) params.set('page', 'missing');
  else if (!facts.product && !facts.siteUrl && !facts.key) params.set('read', 'none');
  if (placement.docked) params.set('placement', 'docked');
  else if (placement.parked) params.set('placement', 'parked');
  if (mount) params.set('mount', mount);
  return `${base}#${params}`;
}

const DOCKED_STYLE = `position: fixed !important; right: 16px !important; bottom: 16px !important; width: 360px !important;
  max-height: calc(100vh - 32px) !important; overflow: auto !important; z-index: 2147483646 !important;
  box-shadow: 0 8px 24px rgba(9, 30, 66, .25) !important; border-radius: 4px !important; background: #fff !important;`;
/** Out of sight, at the panel's width, while the page has not yet shown where the panel goes. */
const PARKED_STYLE = 'position: fixed !important; left: -10000px !important; top: 0 !important; width: 360px !important;';

/** Where a panel is: parked out of sight (loading), in the page's slot, or docked in a corner (no slot). */
type Where = PanelSlot | 'parked' | undefined;

interface Panel {
  host: HTMLElement;
  frame: HTMLIFrameElement;
  /** The frame page's URL without hash. */
  base: string;
  /** The hash the frame should have, and the one it has been given (in its URL, or by message). */
  want: string;
  given: string;
  /** The frame's page has loaded (it listens for facts messages from then on, at the latest). */
  loaded: boolean;
  /** This mount's id (host-guard.ts), part of every hash. */
  mount: string;
  /** The inline layout properties the current placement set (PARKED_STYLE or DOCKED_STYLE). */
  layout: string[];
}

/** Element.moveBefore (Chrome 133+): moves a node without unloading the frames inside it. */
type Movable = Element & { moveBefore?(node: Node, child: Node | null): void };
const canMoveFrames = (): boolean => typeof (Element.prototype as Movable).moveBefore === 'function';

function createPanel(key: string, facts: PageFacts, where: Where, signal: AbortSignal): Panel {
  const host = newHost();
  const shadow = host.attachShadow({ mode: 'closed' });
  const style = document.createElement('style');
  style.textContent = `:host { all: initial; display: block !important; }
    iframe { display: block; width: 100%; height: 120px; border: 0; border-radius: 3px; color-scheme: light; }`;
  const frame = document.createElement('iframe');
  frame.title = 'Access Companion';
  const base = browser.runtime.getURL(PANEL_PAGE);
  const mount = crypto.randomUUID();
  const first = hashOf(panelFrameUrl(base, key, where === 'parked' ? { key } : facts, { docked: where === undefined, parked: where === 'parked' }, mount));
  const panel: Panel = { host, frame, base, mount, want: first, given: first, loaded: false, layout: [] };
  frame.src = `${base}#${first}`;
  // Every load: a browser without Element.moveBefore reloads the frame when it is moved, from its
  // first URL; it is given the facts again.
  frame.addEventListener(
    'load',
    () => {
      panel.loaded = true;
      panel.given = hashOf(frame.src);
      sendFacts(panel);
    },
    { signal },
  );
  followFrameHeight(frame, signal, { max: 1200 });
  shadow.append(style, frame);
  placePanel(panel, key, facts, where);
  guardHost(panel.mount, host, frame, signal);
  return panel;
}

/** Replaces the layout properties the previous placement set on the host with those of `css`. */
function setLayout(panel: Panel, css: string): void {
  for (const name of panel.layout) panel.host.style.removeProperty(name);
  const parsed = document.createElement('div').style;
  parsed.cssText = css;
  panel.layout = Array.from({ length: parsed.length }, (_, i) => parsed.item(i));
  for (const name of panel.layout) panel.host.style.setProperty(name, parsed.getPropertyValue(name), parsed.getPropertyPriority(name));
}

/**
 * The origin our frame's page has: Chrome loads a `use_dynamic_url` resource from a per-session id
 * (runtime.getURL's) and commits it under the extension's own id; other browsers keep getURL's.
 */
function frameOrigin(base: string): string {
  const url = new URL(base);
  return url.protocol === 'chrome-extension:' ? `chrome-extension://${browser.runtime.id}` : url.origin;
}

const hashOf = (url: string): string => url.slice(url.indexOf('#') + 1);

/**
 * Gives a loaded frame the hash it should have, by message (shared-ext/panel-facts.ts): a new hash
 * on an extension frame would reload it. Before it has loaded, the load event sends it.
 */
function sendFacts(panel: Panel): void {
  if (!panel.loaded || panel.want === panel.given || !panel.frame.contentWindow) return;
  const message: PanelFactsMessage = { type: PANEL_FACTS_MESSAGE, hash: panel.want };
  panel.frame.contentWindow.postMessage(message, frameOrigin(panel.base));
  panel.given = panel.want;
}

/** Inserts or moves `node` before `before` in `parent`; a move keeps a loaded frame loaded where the browser can. */
function putBefore(parent: Element, node: Element, before: Node | null): void {
  if (before === node || (node.parentNode === parent && node.nextSibling === before)) return;
  if (node.isConnected && parent.isConnected && canMoveFrames()) {
    try {
      (parent as Movable).moveBefore!(node, before);
      return;
    } catch {
      // e.g. a parent in another document: an ordinary insert (the frame reloads)
    }
  }
  parent.insertBefore(node, before);
}

/**
 * Puts the panel `where` it goes and tells its page what the vendor page said (by message, see
 * sendFacts). Placing a parked panel moves it; its frame keeps what it has painted.
 */
function placePanel(panel: Panel, key: string, facts: PageFacts, where: Where): void {
  panel.want = hashOf(panelFrameUrl(panel.base, key, where === 'parked' ? { key } : facts, { docked: where === undefined, parked: where === 'parked' }, panel.mount));
  sendFacts(panel);
  panel.host.dataset.placement = where === 'parked' ? 'parked' : (where?.kind ?? 'docked');
  setLayout(panel, where === 'parked' ? PARKED_STYLE : where === undefined ? DOCKED_STYLE : '');
  if (where === 'parked' || where === undefined) putBefore(document.documentElement, panel.host, null);
  else putBefore(where.parent, panel.host, where.after ? where.after.nextSibling : where.parent.firstChild);
}

/** False when the page does not render `el` (where layout is known; test DOMs without layout count as rendered). */
function rendered(el: Element): boolean {
  return typeof el.checkVisibility !== 'function' || el.checkVisibility();
}

/** What decides a mount: re-mount when any of it changes. */
const signature = (facts: PageFacts, slot: PanelSlot | undefined) => JSON.stringify([facts.product, facts.siteUrl, facts.title, facts.account, slot?.kind ?? 'docked']);

export const ticketPanel: Feature = {
  id: 'ticket-panel',
  include: [isSupportTicket],
  async init(signal) {
    const key = ticketKeyFromUrl(new URL(location.href))!;
    // Each mount has its own signal, ended when the page drops its host or the feature stops: its
    // listeners go with it instead of piling up on the feature's signal until navigation.
    let panel: Panel | undefined;
    let unmount: AbortController | undefined;
    const open = (facts: PageFacts, where: Where): Panel => {
      unmount?.abort();
      unmount = new AbortController();
      const mount = AbortSignal.any([signal, unmount.signal]);
      const opened = createPanel(key, facts, where, mount);
      mount.addEventListener('abort', () => opened.host.remove(), { once: true });
      return opened;
    };
    // Start loading the panel now, out of sight, so that it has painted the cached answer by the
    // time the page shows where it goes; it then moves there without reloading. Browsers that
    // cannot move a frame without reloading it get the frame once its place is known.
    if (canMoveFrames() && extensionAlive()) panel = open({ key }, 'parked');
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
      return r.slot && (r.facts.key || r.facts.product || r.facts.siteUrl || r.facts.missing) ? r : undefined;
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
    try {
      while (!signal.aborted) {
        if (!extensionAlive()) return; // the extension-context watcher shows the update notice
        // A host the page dropped (it re-rendered its sidebar) took its frame with it: a new mount.
        if (panel?.host.isConnected) placePanel(panel, key, current.facts, current.slot);
        else panel = open(current.facts, current.slot);
        const { host } = panel;
        const mounted = signature(current.facts, current.slot);
        // Re-place when the page re-renders its sidebar, a docked panel finds its place, or what
        // the page says about the ticket changes.
        current = await waitFor(
          () => {
            const now = read();
            if (!host.isConnected) return now;
            if (now.facts.key === undefined && now.slot === undefined && current.slot !== undefined) return undefined; // mid re-render
            return signature(now.facts, now.slot) !== mounted && (now.slot || now.facts.product || now.facts.siteUrl) ? now : undefined;
          },
          AbortSignal.any([signal, unmount!.signal]),
        );
      }
    } finally {
      unmount?.abort();
    }
  },
};
