// The one door to the extension APIs: Mozilla's webextension-polyfill, promise-based `browser.*`
// in Chrome (which it wraps) and Firefox (where it is the browser's own object). Everything in src/
// imports `browser` from here; nothing calls `chrome.*` (test/unit/browser-api.test.ts checks).
import browser from 'webextension-polyfill';
import type { Runtime } from 'webextension-polyfill';

export { browser };
export type { Runtime, Storage, Tabs } from 'webextension-polyfill';

/**
 * Who sent a message or opened a port. `origin` is the sending document's origin: Chrome gives it;
 * where a browser does not, `senderOrigin` falls back to the origin of `url`.
 */
export type MessageSender = Runtime.MessageSender & { origin?: string };

/** The sending document's origin, or undefined when the sender has neither origin nor a URL. */
export function senderOrigin(sender: MessageSender): string | undefined {
  if (typeof sender.origin === 'string') return sender.origin;
  if (typeof sender.url !== 'string') return undefined;
  try {
    return new URL(sender.url).origin;
  } catch {
    return undefined;
  }
}
