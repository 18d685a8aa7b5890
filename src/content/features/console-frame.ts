// Places an Access Companion frame on an admin console page: an extension page in an iframe inside
// a closed shadow root, so the vendor page can neither read nor script it. The content script
// passes only the page name and org id (from the URL); the frame asks the background for data.
import { browser } from '../../shared-ext/browser';
import { waitFor } from '../feature-manager';
import { findFrameSlot, orgIdFromUrl, type ConsolePage } from '../adapters/admin-console';
import { newHost } from '../extension-context';
import { guardHost } from '../host-guard';
import { followFrameHeight } from '../frame-height';

export const CONSOLE_PAGE = 'src/console/index.html';
const HOST_TAG = 'access-companion-console';

export function consoleFrameUrl(base: string, page: ConsolePage, org: string, extra: Record<string, string> = {}): string {
  return `${base}#${new URLSearchParams({ page, org, ...extra })}`;
}

export interface MountedFrame {
  host: HTMLElement;
  frame: HTMLIFrameElement;
  /** Ends when this mount is replaced or the feature stops: bind the mount's listeners to it. */
  signal: AbortSignal;
}

function mount(page: ConsolePage, org: string, extra: Record<string, string>, signal: AbortSignal): MountedFrame | undefined {
  const slot = findFrameSlot(document, page);
  if (!slot) return undefined;
  const host = newHost(HOST_TAG);
  host.style.setProperty('margin', '16px 0', 'important');
  const shadow = host.attachShadow({ mode: 'closed' });
  const style = document.createElement('style');
  style.textContent = `:host { all: initial; display: block !important; }
    iframe { display: block; width: 100%; height: 160px; border: 0; color-scheme: light; }`;
  const frame = document.createElement('iframe');
  frame.title = 'Access Companion';
  // The mount id lets the background ask about this frame's host (host-guard.ts).
  const mountId = crypto.randomUUID();
  // The API keys page copies a new key's secret; no other frame of ours writes the clipboard.
  if (page === 'api-keys') frame.allow = 'clipboard-write';
  frame.src = consoleFrameUrl(browser.runtime.getURL(CONSOLE_PAGE), page, org, { ...extra, mount: mountId });
  followFrameHeight(frame, signal, { max: 4000 });
  shadow.append(style, frame);
  slot.parent.insertBefore(host, slot.after.nextSibling);
  guardHost(mountId, host, frame, signal);
  return { host, frame, signal };
}

/** Mounts the frame once the page shows its heading; re-mounts if the page re-renders it away. */
export async function runConsoleFrame(
  page: ConsolePage,
  signal: AbortSignal,
  extra: Record<string, string> | (() => Record<string, string>) = {},
  onMounted?: (mounted: MountedFrame) => void,
): Promise<void> {
  const org = orgIdFromUrl(new URL(location.href));
  if (!org) return;
  while (!signal.aborted) {
    const slot = await waitFor(() => findFrameSlot(document, page), signal);
    void slot;
    // Each mount has its own signal (ended when it is replaced or the feature stops), so its
    // listeners do not pile up on the feature's signal across re-mounts.
    const unmount = new AbortController();
    const mountSignal = AbortSignal.any([signal, unmount.signal]);
    // Page-derived context is read when the page has rendered, not when the script starts.
    const mounted = mount(page, org, typeof extra === 'function' ? extra() : extra, mountSignal);
    if (!mounted) return;
    mountSignal.addEventListener('abort', () => mounted.host.remove(), { once: true });
    try {
      onMounted?.(mounted);
      await waitFor(() => (mounted.host.isConnected ? undefined : true), mountSignal);
    } finally {
      unmount.abort();
    }
  }
}
