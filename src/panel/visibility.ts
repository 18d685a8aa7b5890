// Clickjacking defence: did the person really see the button they clicked? IntersectionObserver v2
// (`trackVisibility`) reports `isVisible: false` when the frame is covered, faded, transformed or
// clipped by the page around it. Without v2 support we assume not visible, so actions go to the popup.
import { useEffect, useRef } from 'preact/hooks';
import type { ClickEvidence } from '../shared-ext/messages';

interface V2Entry extends IntersectionObserverEntry { isVisible?: boolean }

export function useVisibleRef<T extends Element>() {
  const ref = useRef<T>(null);
  const visible = useRef(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries as V2Entry[]) visible.current = entry.isIntersecting && entry.isVisible === true;
    }, { threshold: [0, 1], trackVisibility: true, delay: 100 } as IntersectionObserverInit);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return { ref, evidence: (event: Event): ClickEvidence => ({ isTrusted: event.isTrusted, visible: visible.current }) };
}
