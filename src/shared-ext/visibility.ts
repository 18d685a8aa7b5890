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
//
// Typing is not consent. The page decides where keyboard focus goes: a field placed just before our
// frame in tab order, a script focusing our host element, an `accesskey` on it, autofocus after a
// navigation, all bring a person's Tab and then their next space or Enter onto our control while
// they believe they are typing into the page ("Jane", Tab, "Doe Smith": the space pressed Grant).
// And whatever key we might ask for next, the page can ask for too ("press Enter to submit"). So a
// keyboard activation (a trusted click with `detail` 0: Enter, space, an access key, a screen
// reader's default action) never acts and never counts as pressed deliberately. It opens a
// confirmation inside the frame (key-confirm.tsx) that takes focus, is announced (aria-live), names
// the action, and shows a fresh random code (KEY_CONFIRM_DIGITS digits, crypto.getRandomValues).
// The action goes ahead only when that code is typed into the confirmation's field and confirmed
// with a fresh, trusted Enter (or the Confirm button), and the confirmation has been seen for
// MIN_VISIBLE_MS. The page cannot read our frame, so it cannot make anyone type the code without
// their reading what it confirms: the rest of "Doe Smith", a later Enter, or Enter held down
// (`repeat` keydowns are ignored, and a keydown that began before the confirmation opened cannot
// land in a field that did not exist) go into the code field and complete nothing. A wrong code
// draws a new one. Escape or Cancel closes it and puts focus back on the control. Keyboard ticks
// of a selection (GuardedCheckbox) are not vouched for either; a bulk action confirmed this way
// names every selected row, so its confirmation vouches for the selection it shows.
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
/** The last trusted pointer press (pointerdown) in this document. */
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
}

/**
 * Is `event` (a click) a keyboard activation: Enter or space on a focused control, an access key, or
 * an assistive technology's default action (`detail` 0)? Those never act by themselves (see the
 * header): the control opens its code confirmation instead. A click a script made (untrusted) is
 * not one: it goes to the background, which parks it.
 */
export const isKeyboardActivation = (event: MouseEvent): boolean => event.isTrusted && event.detail === 0;

/** Was `event` (a click) a pointer's: pressed on `el` itself (pointerdown), by a pointer that had been in the frame long enough? A keyboard activation never is. */
function pressedDeliberately(el: Element, event: MouseEvent): boolean {
  const press = lastPress;
  if (event.detail === 0 || !press || !(press.target instanceof Node) || !el.contains(press.target)) return false;
  return pointerIn!.held(press.at);
}

/**
 * Has `ref`'s element (a whole control, or a confirmation) been visible and unobstructed, in a
 * visible frame, without a break for MIN_VISIBLE_MS? `seen(at)` answers for an event's timeStamp
 * (performance.now() clock, ms); `ready` re-renders when that changes. Shared by useClickGuard and
 * the keyboard confirmation (key-confirm.tsx).
 */
export function useSeen<T extends Element>() {
  const ref = useRef<T>(null);
  const control = useRef(new Stretch(MIN_VISIBLE_MS));
  const [ready, setReady] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    startDocumentWatch();
    const c = control.current;
    const update = () => setReady(c.held(performance.now()) && frameVisible!.held(performance.now()));
    const unsubscribe = [c.subscribe(update), frameVisible!.subscribe(update)];
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
  const seen = (at: number): boolean => Boolean(ref.current) && control.current.held(at) && Boolean(frameVisible?.held(at));
  return { ref, ready, seen };
}

/**
 * The guard every consequential control uses (buttons, and checkboxes whose selection feeds an
 * action). Attach `ref` to the control; call `evidence(event)` in its click handler and send the
 * result with the action as `click`. `armed` is true while a pointer press would count (shown as
 * `data-armed`, which the e2e tests wait on). A keyboard activation (isKeyboardActivation) gets
 * `pointer: false`: buttons open their code confirmation instead (key-confirm.tsx). See
 * GuardedButton for the ready-made button.
 */
export function useClickGuard<T extends Element>() {
  const { ref, ready, seen } = useSeen<T>();
  const [dwelt, setDwelt] = useState(false);
  useEffect(() => {
    if (!ref.current) return;
    startDocumentWatch();
    const update = () => setDwelt(pointerIn!.held(performance.now()));
    update();
    return pointerIn!.subscribe(update);
  }, []);
  const evidence = (event: MouseEvent): ClickEvidence => {
    const el = ref.current;
    return {
      isTrusted: event.isTrusted,
      visible: seen(event.timeStamp),
      pointer: Boolean(el) && pressedDeliberately(el!, event),
      ...(CAN_SEE_OCCLUSION ? {} : { visibilityUnknown: true }),
    };
  };
  return { ref, armed: ready && dwelt, evidence };
}
