// Clickjacking defence, frame side, for our framed pages (ticket panel, console frames): did the
// person see the control they pressed, long enough to read it, and did they bring the pointer to
// it themselves? A hostile page can fade, cover, clip (a 2-pixel slot) or move our frame under a
// pointer that was aimed at a decoy, so a press counts only when, without a break for
// MIN_VISIBLE_MS, the whole control and the frame were visible and unobstructed
// (IntersectionObserver v2: `isVisible` is false while anything is drawn over the target or it is
// faded, filtered or transformed; `intersectionRatio` < 1 while it is clipped or off screen), and
// the pointer had been inside this frame, with the frame not moving under it, for
// MIN_POINTER_DWELL_MS before a trusted press on the control. The page around the frame is watched too, by the content script that owns the host
// element (src/content/host-guard.ts: position unchanged, not clipped, not faded); the background
// asks it at decision time. Without IntersectionObserver v2 (Firefox, Safari) nothing counts as
// seen and every action goes to the popup for confirmation, which says why (`visibilityUnknown`).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ClickEvidence } from './messages';
import { MIN_VISIBLE_MS } from './host-evidence';

export { MIN_VISIBLE_MS };
/** How long (ms) the pointer must have been inside the frame before the press: longer than a double-click's gap, so a frame slid under the pointer between two clicks of a decoy does not count. */
export const MIN_POINTER_DWELL_MS = 500;
/** Whole control on screen: IntersectionObserver ratios are floats, so allow a hair under 1. */
const WHOLE = 0.99;

interface V2Entry extends IntersectionObserverEntry {
  isVisible?: boolean;
}

/**
 * Can this browser tell whether something is drawn over our frame (IntersectionObserver v2's
 * `isVisible`)? Chrome can; Firefox cannot, and there no in-page click is vouched for.
 */
export const CAN_SEE_OCCLUSION = typeof IntersectionObserverEntry !== 'undefined' && 'isVisible' in IntersectionObserverEntry.prototype;
type Listener = () => void;

/** One stretch of unbroken good state: when it began (performance.now() clock), undefined while broken. */
class Stretch {
  since: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<Listener>();
  constructor(private readonly minMs: number) {}
  set(good: boolean, at: number): void {
    clearTimeout(this.timer);
    if (!good) this.since = undefined;
    else {
      this.since ??= at;
      // Rounded up and a millisecond over: a timer may fire a fraction early, and then nothing would tell the listeners again.
      this.timer = setTimeout(() => this.notify(), Math.max(0, Math.ceil(this.since + this.minMs - performance.now()) + 1));
    }
    this.notify();
  }
  /** Long enough at `at` (an event's timeStamp). */
  held(at: number): boolean {
    return this.since !== undefined && at - this.since >= this.minMs;
  }
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  private notify(): void {
    for (const l of this.listeners) l();
  }
}

// Per document, shared by every guarded control: is the frame itself visible, and since when has the
// pointer been in it. Started on first use, so pages that never guard anything pay nothing.
let frameVisible: Stretch | undefined;
let pointerIn: Stretch | undefined;
/** The last trusted press (pointerdown or activation key) in this document. */
let lastPress: { target: EventTarget | null; at: number } | undefined;

function startDocumentWatch(): void {
  if (frameVisible) return;
  frameVisible = new Stretch(MIN_VISIBLE_MS);
  pointerIn = new Stretch(MIN_POINTER_DWELL_MS);
  const fv = frameVisible;
  const pi = pointerIn;
  new IntersectionObserver(
    (entries) => {
      const entry = entries.at(-1) as V2Entry | undefined;
      if (entry) fv.set(entry.isIntersecting && entry.isVisible === true, entry.time);
    },
    { threshold: [0, 1], trackVisibility: true, delay: 100 } as IntersectionObserverInit,
  ).observe(document.documentElement);
  // Only trusted events: a page cannot dispatch into our frame, but nothing here relies on that.
  // screen - client is where this frame sits on screen: if that changed between two events, the
  // frame moved (scrolled, or slid by the page) under the pointer, and the pointer's stay restarts.
  let offset: string | undefined;
  const seen = (e: PointerEvent) => {
    if (!e.isTrusted) return;
    const now = `${Math.round(e.screenX - e.clientX)},${Math.round(e.screenY - e.clientY)}`;
    if (offset !== undefined && now !== offset) pi.set(false, e.timeStamp);
    offset = now;
    if (pi.since === undefined) pi.set(true, e.timeStamp);
  };
  addEventListener('pointerover', seen, true);
  addEventListener('pointermove', seen, true);
  // Leaving the document (relatedTarget null) ends the stretch; so does the frame losing its window.
  addEventListener(
    'pointerout',
    (e) => {
      if (e.relatedTarget === null) {
        pi.set(false, e.timeStamp);
        offset = undefined;
      }
    },
    true,
  );
  addEventListener('pointercancel', (e) => pi.set(false, e.timeStamp), true);
  addEventListener(
    'pointerdown',
    (e) => {
      seen(e);
      if (e.isTrusted) lastPress = { target: e.target, at: e.timeStamp };
    },
    true,
  );
  addEventListener(
    'keydown',
    (e) => {
      if (e.isTrusted && (e.key === 'Enter' || e.key === ' ')) lastPress = { target: e.target, at: e.timeStamp };
    },
    true,
  );
}

/** Was `event` (a click) preceded by a trusted press on `el` itself, from a pointer that had been in the frame long enough, or from the keyboard? */
function pressedDeliberately(el: Element, event: MouseEvent): boolean {
  const press = lastPress;
  if (!press || !(press.target instanceof Node) || !el.contains(press.target)) return false;
  // Keyboard activation (click.detail 0): the person tabbed to the control inside our frame, which no page can do for them.
  if (event.detail === 0) return true;
  return pointerIn!.held(press.at);
}

/**
 * The guard every consequential control uses (buttons, and checkboxes whose selection feeds an
 * action). Attach `ref` to the control; call `evidence(event)` in its click handler and send the
 * result with the action as `click`. `armed` is true while a press would count (shown as
 * `data-armed`, which the e2e tests wait on). See GuardedButton for the ready-made button.
 */
export function useClickGuard<T extends Element>() {
  const ref = useRef<T>(null);
  const control = useRef(new Stretch(MIN_VISIBLE_MS));
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    startDocumentWatch();
    const c = control.current;
    const update = () => setArmed(c.held(performance.now()) && frameVisible!.held(performance.now()) && pointerIn!.held(performance.now()));
    const unsubscribe = [c.subscribe(update), frameVisible!.subscribe(update), pointerIn!.subscribe(update)];
    const observer = new IntersectionObserver(
      (entries) => {
        const entry = entries.at(-1) as V2Entry | undefined;
        if (entry) c.set(entry.isIntersecting && entry.isVisible === true && entry.intersectionRatio >= WHOLE, entry.time);
      },
      { threshold: [0, WHOLE, 1], trackVisibility: true, delay: 100 } as IntersectionObserverInit,
    );
    observer.observe(el);
    return () => {
      observer.disconnect();
      c.set(false, performance.now());
      unsubscribe.forEach((u) => u());
    };
  }, []);
  const evidence = (event: MouseEvent): ClickEvidence => {
    const el = ref.current;
    const at = event.timeStamp;
    return {
      isTrusted: event.isTrusted,
      visible: Boolean(el) && control.current.held(at) && Boolean(frameVisible?.held(at)),
      pointer: Boolean(el) && pressedDeliberately(el!, event),
      ...(CAN_SEE_OCCLUSION ? {} : { visibilityUnknown: true }),
    };
  };
  return { ref, armed, evidence };
}
