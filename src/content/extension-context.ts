// When the extension is updated or reloaded, content scripts already in open tabs lose their
// extension context: extension API calls throw "Extension context invalidated" and the frames we
// placed go blank. This module notices that (a property read, no messages to wake the worker),
// stops the old script's features, and puts a plain notice where its frames were. The background
// injects the new version into open tabs on update; a newer instance announces itself so the old
// one stands down without a notice.
import { browser } from '../shared-ext/browser';
export const HOST_TAG = 'access-companion-panel';
const CONSOLE_TAG = 'access-companion-console';
const NOTICE_TAG = 'access-companion-notice';
const REPLACED_EVENT = 'access-companion:replaced';
export const UPDATED_TEXT = 'Access Companion was updated: reload this page';

/** This content script instance; hosts carry it so a newer instance can tell its own from stale ones. */
const INSTANCE = crypto.randomUUID();

/** True while this content script can still talk to its extension. */
export function extensionAlive(): boolean {
  try {
    return typeof browser.runtime?.id === 'string';
  } catch {
    return false;
  }
}

/** A host element for one of our frames, tagged with this instance. */
export function newHost(tag: string = HOST_TAG): HTMLElement {
  const host = document.createElement(tag);
  host.style.setProperty('display', 'block', 'important');
  host.dataset.instance = INSTANCE;
  return host;
}

const hostSelector = `${HOST_TAG}, ${CONSOLE_TAG}, ${NOTICE_TAG}`;

function notice(docked: boolean): HTMLElement {
  const host = newHost(NOTICE_TAG);
  if (docked) host.style.cssText += 'position: fixed !important; right: 16px !important; bottom: 16px !important; z-index: 2147483646 !important; max-width: 360px !important;';
  // Open, unlike our frames' hosts: it holds no data, and assistive tech and tests can read it.
  const shadow = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = `:host { all: initial; display: block !important; }
    p { margin: 8px 0; padding: 10px 12px; font: 13px/1.4 -apple-system, "Segoe UI", Roboto, sans-serif; color: #533f04;
        background: #fff7d6; border: 1px solid #f5cd47; border-left: 3px solid #b38600; border-radius: 3px; }
    button { font: inherit; margin-left: 8px; border: 0; border-radius: 3px; padding: 3px 10px; background: #0c66e4; color: #fff; cursor: pointer; }`;
  const p = document.createElement('p');
  p.setAttribute('role', 'status');
  const reload = document.createElement('button');
  reload.type = 'button';
  reload.textContent = 'Reload';
  reload.addEventListener('click', () => location.reload());
  p.append(UPDATED_TEXT, reload);
  shadow.append(style, p);
  return host;
}

/**
 * Replaces this instance's frames with the update notice, and keeps one notice on the page (docked
 * when the page re-renders the inline ones away) until a newer instance takes over.
 */
function showUpdatedNotice(replaced: AbortSignal): void {
  const mine = [...document.querySelectorAll<HTMLElement>(`${HOST_TAG}, ${CONSOLE_TAG}`)].filter((h) => h.dataset.instance === INSTANCE);
  for (const host of mine) {
    host.before(notice(false));
    host.remove();
  }
  const ensure = () => {
    if (replaced.aborted) return;
    if (!document.querySelector(NOTICE_TAG)) document.documentElement.append(notice(true));
  };
  ensure();
  const observer = new MutationObserver(ensure);
  observer.observe(document.documentElement, { childList: true, subtree: true });
  replaced.addEventListener('abort', () => observer.disconnect(), { once: true });
}

const CHECK_MS = 1_000;

/**
 * Starts this instance: frames and notices of older instances go; when a newer instance starts,
 * `features` is aborted silently; when the extension context goes, `features` is aborted and the
 * update notice shown.
 */
export function watchExtensionContext(features: AbortController): void {
  for (const stale of document.querySelectorAll<HTMLElement>(hostSelector)) if (stale.dataset.instance !== INSTANCE) stale.remove();
  const replaced = new AbortController();
  // The epoch the background set when it last injected content scripts (reinject.ts). A newer
  // instance announces its epoch; an instance that is still connected stands down only for the
  // current epoch when its own is older, so a page replaying or forging the event cannot switch
  // off a current panel. A disconnected instance cannot check and stands down: all a forged event
  // gains there is hiding the update notice, which the page could remove anyway.
  let ownEpoch: string | undefined;
  const standDown = () => {
    replaced.abort();
    stop();
    features.abort();
  };
  document.addEventListener(REPLACED_EVENT, (event) => {
    const detail = (event as CustomEvent<unknown>).detail as { instance?: unknown; epoch?: unknown } | null;
    if (detail?.instance === INSTANCE) return;
    if (!extensionAlive()) return standDown();
    void currentEpoch().then(
      (epoch) => {
        if (epoch && detail?.epoch === epoch && ownEpoch !== epoch) standDown();
      },
      () => undefined,
    );
  });
  void currentEpoch().then(
    (epoch) => {
      ownEpoch = epoch;
      document.dispatchEvent(new CustomEvent(REPLACED_EVENT, { detail: { instance: INSTANCE, epoch } }));
    },
    () => undefined,
  );
  const check = () => {
    if (extensionAlive()) return;
    stop();
    // Notice first: aborting the features removes their frames, and the notice takes their place.
    showUpdatedNotice(replaced.signal);
    features.abort();
  };
  const timer = setInterval(check, CHECK_MS);
  const stop = () => {
    clearInterval(timer);
    document.removeEventListener('visibilitychange', check);
  };
  document.addEventListener('visibilitychange', check);
  features.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  /** Run before any feature work, e.g. on in-page navigation: a dead context shows the notice at once. */
  aliveCheck = () => {
    if (extensionAlive()) return true;
    check();
    return false;
  };
}

/** Storage key of the content-script epoch, written by the background before it injects. */
export const EPOCH_KEY = 'contentScriptEpoch';

async function currentEpoch(): Promise<string | undefined> {
  const got = (await browser.storage.local.get(EPOCH_KEY)) as Record<string, unknown>;
  return typeof got[EPOCH_KEY] === 'string' ? (got[EPOCH_KEY] as string) : undefined;
}

let aliveCheck: () => boolean = extensionAlive;

/** For feature runs: false (and the notice shown) when the extension context is gone. */
export function checkAlive(): boolean {
  return aliveCheck();
}
