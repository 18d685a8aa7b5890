// Clickjacking defence, page side. Our frames are safe from the page's scripts, but not from its
// layout: it can fade the host or an ancestor (opacity, even on <html>/<body>), filter or distort
// it, clip it to a sliver through a small overflow:hidden slot, lay something over it, or slide it
// under the pointer between two clicks of a decoy. The password managers whose injected menus were
// clickjacked this way in 2025 answered by checking the host and every ancestor's computed styles
// and what lies on top at the UI's points; we do the same, and add time: every rendered frame
// (requestAnimationFrame) we check, and the frame counts as steady only while the check has passed
// and its position has not changed. The background asks (HOST_EVIDENCE_MESSAGE) when a click arrives;
// the frame's own evidence (src/shared-ext/visibility.ts) is the other half.
import { browser, type MessageSender } from '../shared-ext/browser';
import { HOST_EVIDENCE_MESSAGE, type HostEvidence, type HostProblem } from '../shared-ext/host-evidence';

interface Watch {
  host: HTMLElement;
  frame: HTMLIFrameElement;
  since: number;
  broke?: HostProblem;
  now?: HostProblem;
  place?: string;
  seen: boolean;
}
const watches = new Map<string, Watch>();

// Styles the page's stylesheets cannot override (inline !important wins); a page script still can,
// which the checks below catch.
const FORCED: Record<string, string> = {
  display: 'block',
  opacity: '1',
  filter: 'none',
  transform: 'none',
  visibility: 'visible',
  'clip-path': 'none',
  'mask-image': 'none',
  'mix-blend-mode': 'normal',
  'pointer-events': 'auto',
  zoom: '1',
  'content-visibility': 'visible',
};
function force(host: HTMLElement): void {
  for (const [name, value] of Object.entries(FORCED)) {
    if (host.style.getPropertyValue(name) !== value || host.style.getPropertyPriority(name) !== 'important') host.style.setProperty(name, value, 'important');
  }
}

const parentOf = (el: Element): Element | null => el.parentElement ?? (el.getRootNode() as ShadowRoot).host ?? null;
const isTranslation = (t: string) => t === 'none' || /^matrix\(1, 0, 0, 1, [-\d.e]+, [-\d.e]+\)$/.test(t);
const inside = (a: DOMRect, b: DOMRect) => a.left >= b.left - 1 && a.top >= b.top - 1 && a.right <= b.right + 1 && a.bottom <= b.bottom + 1;

/** What is wrong, right now, with how the page shows `frame` (hosted in `host`); undefined when nothing is. */
export function hostProblem(host: HTMLElement, frame: HTMLIFrameElement): HostProblem | undefined {
  if (!frame.isConnected || !host.isConnected) return 'gone';
  const r = frame.getBoundingClientRect();
  if (r.width < 1 || r.height < 1) return 'hidden';
  if ((frame as { currentCSSZoom?: number }).currentCSSZoom !== undefined && (frame as { currentCSSZoom?: number }).currentCSSZoom !== 1) return 'distorted';
  for (let el: Element | null = frame; el; el = parentOf(el)) {
    const s = getComputedStyle(el);
    if (s.opacity !== '1') return 'faded';
    if (s.visibility !== 'visible' || s.contentVisibility === 'hidden') return 'hidden';
    if (s.filter !== 'none' || s.mixBlendMode !== 'normal' || !isTranslation(s.transform)) return 'distorted';
    if (s.clipPath !== 'none' || (s.maskImage && s.maskImage !== 'none') || (s.getPropertyValue('-webkit-mask-image') || 'none') !== 'none') return 'clipped';
    // An ancestor that clips its content (a 2-pixel slot with overflow:hidden) must hold the whole frame.
    if (el !== frame && (s.overflowX !== 'visible' || s.overflowY !== 'visible' || /paint|strict|content/.test(s.contain)) && !inside(r, el.getBoundingClientRect())) return 'clipped';
  }
  // Whatever the page laid over us at the corners and centre of the frame's on-screen part. (Our
  // iframe sits in a closed shadow root, so a hit on it reads as the host.) Overlays that let the
  // pointer through are not hit-tested; IntersectionObserver v2 (below and in the frame) sees those.
  const left = Math.max(r.left, 0) + 2,
    right = Math.min(r.right, innerWidth) - 2;
  const top = Math.max(r.top, 0) + 2,
    bottom = Math.min(r.bottom, innerHeight) - 2;
  if (right <= left || bottom <= top) return 'hidden';
  for (const [x, y] of [
    [left, top],
    [right, top],
    [left, bottom],
    [right, bottom],
    [(left + right) / 2, (top + bottom) / 2],
  ]) {
    if (document.elementFromPoint(x!, y!) !== host) return 'covered';
  }
  return undefined;
}

/**
 * Watches how the page shows `frame` until `signal` ends, under `mount` (the id in the frame URL's
 * hash, see mountIdOf): forces the host's styles, checks every rendered frame, and answers the
 * background's HOST_EVIDENCE_MESSAGE for this mount.
 */
export function guardHost(mount: string, host: HTMLElement, frame: HTMLIFrameElement, signal: AbortSignal): void {
  listen();
  force(host);
  const watch: Watch = { host, frame, since: performance.now(), broke: 'moved', seen: false };
  watches.set(mount, watch);
  const styleWatch = new MutationObserver(() => force(host));
  styleWatch.observe(host, { attributes: true, attributeFilter: ['style', 'class', 'popover', 'hidden'] });
  // The page's own view of the host: occluded (even by an overlay the pointer passes through), faded or transformed.
  const visibility = new IntersectionObserver(
    (entries) => {
      const e = entries.at(-1) as (IntersectionObserverEntry & { isVisible?: boolean }) | undefined;
      if (e) watch.seen = e.isIntersecting && e.isVisible === true;
    },
    { threshold: [0, 1], trackVisibility: true, delay: 100 } as IntersectionObserverInit,
  );
  visibility.observe(host);
  let raf = 0;
  const tick = (at: number) => {
    const problem = hostProblem(host, frame) ?? (watch.seen ? undefined : 'covered');
    // Height is ours to change (the frame grows with its content); where it starts is the page's.
    const r = frame.getBoundingClientRect();
    const place = `${Math.round(r.left)},${Math.round(r.top)},${Math.round(r.width)}`;
    const moved = watch.place !== undefined && place !== watch.place;
    if (problem || moved) {
      watch.since = at;
      watch.broke = problem ?? 'moved';
    }
    watch.now = problem;
    watch.place = place;
    raf = requestAnimationFrame(tick);
  };
  raf = requestAnimationFrame(tick);
  signal.addEventListener(
    'abort',
    () => {
      cancelAnimationFrame(raf);
      styleWatch.disconnect();
      visibility.disconnect();
      watches.delete(mount);
    },
    { once: true },
  );
}

/** The evidence for one mount at this moment; no watch means the frame is not ours to vouch for. */
export function hostEvidence(mount: string): HostEvidence {
  const watch = watches.get(mount);
  if (!watch) return { steadyMs: 0, problem: 'gone' };
  // Checked once more now, in case the last rendered frame was the one that changed.
  const problem = hostProblem(watch.host, watch.frame) ?? watch.now;
  if (problem) return { steadyMs: 0, problem };
  return { steadyMs: performance.now() - watch.since, problem: watch.broke };
}

let listening = false;
function listen(): void {
  if (listening) return;
  listening = true;
  browser.runtime.onMessage.addListener((raw: unknown, sender: MessageSender) => {
    const message = raw as { type?: unknown; mount?: unknown } | undefined;
    // Only our background asks (it has no tab); pages cannot reach this listener at all.
    // Other messages get no answer from here (undefined), so other listeners may answer them.
    if (message?.type !== HOST_EVIDENCE_MESSAGE || sender.id !== browser.runtime.id || sender.tab) return undefined;
    // Measured now, when the question arrives, not when the reply is sent.
    const evidence: HostEvidence = typeof message.mount === 'string' ? hostEvidence(message.mount) : { steadyMs: 0, problem: 'gone' };
    return Promise.resolve(evidence);
  });
}
