// Clickjacking defence for our framed pages (ticket panel, console frames): did the person really
// see the button they clicked, long enough to read it? IntersectionObserver v2 (`trackVisibility`)
// reports `isVisible: false` while the frame is covered, faded, transformed or clipped by the page
// around it. Knowing only the last report is not enough: a page could uncover the frame a moment
// before the click it tricks the person into. So a click counts as seen only after the button has
// been visible without a break for MIN_VISIBLE_MS. Without v2 support nothing counts as seen, and
// actions go to the popup for confirmation.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ClickEvidence } from './messages';

export const MIN_VISIBLE_MS = 500;

interface V2Entry extends IntersectionObserverEntry { isVisible?: boolean }

export function useVisibleRef<T extends Element>() {
  const ref = useRef<T>(null);
  /** When the current unbroken stretch of visibility began (performance.now() clock); undefined while not visible. */
  const visibleSince = useRef<number | undefined>(undefined);
  // For display only (and tests): the decision uses visibleSince at the moment of the click.
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const observer = new IntersectionObserver((entries) => {
      const entry = entries.at(-1) as V2Entry | undefined;
      if (!entry) return;
      clearTimeout(timer);
      if (!(entry.isIntersecting && entry.isVisible === true)) {
        visibleSince.current = undefined;
        setArmed(false);
        return;
      }
      visibleSince.current ??= entry.time;
      timer = setTimeout(() => setArmed(true), Math.max(0, visibleSince.current + MIN_VISIBLE_MS - performance.now()));
    }, { threshold: [0, 1], trackVisibility: true, delay: 100 } as IntersectionObserverInit);
    observer.observe(el);
    return () => { clearTimeout(timer); observer.disconnect(); };
  }, []);
  const evidence = (event: Event): ClickEvidence => {
    const since = visibleSince.current;
    return { isTrusted: event.isTrusted, visible: since !== undefined && performance.now() - since >= MIN_VISIBLE_MS };
  };
  return { ref, armed, evidence };
}
