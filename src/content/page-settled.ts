// When to stop waiting for a page to show what we look for: once it has loaded and its DOM has been
// quiet for a moment (an SPA still rendering keeps mutating), or after a ceiling. Used only to fall
// back (dock the panel), never to delay showing it where the page does have a place.
const QUIET_MS = 1_500;
const CEILING_MS = 8_000;

/** Resolves once the page has settled; rejects with the signal's reason on abort. */
export function pageSettled(signal: AbortSignal, doc: Document = document): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    let quiet: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      cleanup();
      resolve();
    };
    const ceiling = setTimeout(done, CEILING_MS);
    const arm = () => {
      clearTimeout(quiet);
      if (doc.readyState === 'complete') quiet = setTimeout(done, QUIET_MS);
    };
    const observer = new MutationObserver(arm);
    observer.observe(doc.documentElement, { childList: true, subtree: true, characterData: true });
    const onAbort = () => {
      cleanup();
      reject(signal.reason);
    };
    const onLoad = () => arm();
    function cleanup() {
      clearTimeout(quiet);
      clearTimeout(ceiling);
      observer.disconnect();
      signal.removeEventListener('abort', onAbort);
      doc.defaultView?.removeEventListener('load', onLoad);
    }
    signal.addEventListener('abort', onAbort, { once: true });
    doc.defaultView?.addEventListener('load', onLoad, { once: true });
    arm();
  });
}
