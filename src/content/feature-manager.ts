// Runs page features and re-runs them when the page navigates in place (pushState, popstate):
// each run gets a fresh AbortSignal; the previous run's listeners, observers and UI go with it.
import type { PageMatcher } from './matchers';

export interface Feature {
  id: string;
  include: PageMatcher[];
  init(signal: AbortSignal): void | Promise<void>;
}

type NavigationLike = EventTarget;

export function startFeatures(features: Feature[], signal: AbortSignal, win: Window = window): void {
  let run: AbortController | undefined;
  let href = '';

  const rerun = () => {
    if (win.location.href === href) return;
    href = win.location.href;
    run?.abort();
    run = new AbortController();
    const url = new URL(href);
    for (const feature of features) {
      if (!feature.include.some((matches) => matches(url))) continue;
      Promise.resolve()
        .then(() => feature.init(run!.signal))
        .catch((error: unknown) => {
          if (!(error instanceof DOMException && error.name === 'AbortError')) console.error(`[Access Companion] ${feature.id}:`, error);
        });
    }
  };

  signal.addEventListener('abort', () => run?.abort(), { once: true });
  // The Navigation API reports same-document navigations, including the page's own pushState.
  const navigation = (win as Window & { navigation?: NavigationLike }).navigation;
  navigation?.addEventListener('currententrychange', rerun, { signal });
  win.addEventListener('popstate', rerun, { signal });
  // Without the Navigation API, an SPA still re-renders after changing its URL: check on mutations.
  if (!navigation) {
    const observer = new MutationObserver(rerun);
    observer.observe(win.document.documentElement, { childList: true, subtree: true });
    signal.addEventListener('abort', () => observer.disconnect(), { once: true });
  }
  rerun();
}

/** Resolves with `find()`'s first defined result, re-checking on DOM mutations; rejects on abort. */
export function waitFor<T>(find: () => T | undefined, signal: AbortSignal, root: Node = document): Promise<T> {
  return new Promise((resolve, reject) => {
    const found = find();
    if (found !== undefined) return resolve(found);
    if (signal.aborted) return reject(signal.reason);
    // Once settled, nothing of this wait stays on the signal: a long-lived signal sees many waits.
    const onAbort = () => {
      observer.disconnect();
      reject(signal.reason);
    };
    const observer = new MutationObserver(() => {
      const value = find();
      if (value === undefined) return;
      observer.disconnect();
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    });
    observer.observe(root, { childList: true, subtree: true, characterData: true });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
