// After an update (or a reload in development), content scripts in tabs that were already open
// belong to the old version and can no longer reach us. Inject the new one into every open tab our
// content script matches; it replaces the old one's frames (see content/extension-context.ts).
// Needs the `scripting` permission; the hosts are the content script's own matches.
import { browser } from '../shared-ext/browser';

/** Injects the current content script into open tabs it matches; returns how many tabs took it. */
export async function injectIntoOpenTabs(): Promise<number> {
  // Feature-detected: without the scripting API (an older browser) open tabs keep their notice.
  if (typeof browser.scripting?.executeScript !== 'function') return 0;
  // A new epoch: instances from before this injection stand down when the new ones announce it.
  await browser.storage.local.set({ contentScriptEpoch: crypto.randomUUID() });
  const scripts = browser.runtime.getManifest().content_scripts ?? [];
  let injected = 0;
  for (const script of scripts) {
    if (!script.js?.length || !script.matches?.length) continue;
    const tabs = await browser.tabs.query({ url: script.matches });
    for (const tab of tabs) {
      if (tab.id === undefined || tab.discarded) continue;
      try {
        await browser.scripting.executeScript({ target: { tabId: tab.id }, files: script.js });
        injected++;
      } catch (error) {
        // A tab that is closing or on an error page: it gets the new script when it loads again.
        console.warn('[Access Companion] could not update an open tab:', (error as Error).message);
      }
    }
  }
  return injected;
}
