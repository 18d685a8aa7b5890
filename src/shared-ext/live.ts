// Live updates for an open extension page: a 'live' port to the background, which says when to
// reload. The port dies with the service worker (Chrome stops an idle worker, or updates it), so we
// reconnect with backoff for as long as the page lives (its AbortSignal), and reload once on every
// reconnect: changes made while nobody was listening were never announced.
import { browser, type Runtime } from './browser';
import type { SettledAction } from './messages';
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;
/** A connection that lasted this long was healthy: the next failure starts the backoff over. */
const HEALTHY_MS = 10_000;

/** 'changed': the background saw a change (and has synced); 'reconnected': anything may have changed. */
export type ChangeReason = 'changed' | 'reconnected';

/**
 * Calls `onChange` on every change the background announces and on every reconnect; `settled`
 * comes with a change that settled a parked action in the popup (see SettledAction).
 */
export function followChanges(onChange: (why: ChangeReason, settled?: SettledAction) => void, signal: AbortSignal): void {
  let delay = FIRST_RETRY_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let port: Runtime.Port | undefined;

  const retryLater = () => {
    if (signal.aborted) return;
    timer = setTimeout(() => connect(true), delay);
    delay = Math.min(delay * 2, MAX_RETRY_MS);
  };

  function connect(reconnecting: boolean) {
    if (signal.aborted) return;
    const openedAt = Date.now();
    try {
      port = browser.runtime.connect({ name: 'live' });
    } catch {
      return retryLater(); // the extension is being reloaded; this page goes with it or comes back
    }
    port.onMessage.addListener((message: unknown) => onChange('changed', settledOf(message)));
    port.onDisconnect.addListener(() => {
      void browser.runtime.lastError; // read, so Chrome does not report it as unchecked
      port = undefined;
      if (Date.now() - openedAt >= HEALTHY_MS) delay = FIRST_RETRY_MS;
      retryLater();
    });
    if (reconnecting) onChange('reconnected');
  }

  signal.addEventListener(
    'abort',
    () => {
      clearTimeout(timer);
      port?.disconnect();
      port = undefined;
    },
    { once: true },
  );
  connect(false);
}

/** The settled action a port message carries, if it is well formed (the background is its only sender). */
function settledOf(message: unknown): SettledAction | undefined {
  const settled = (message as { settled?: SettledAction } | null)?.settled;
  return settled && typeof settled.pendingId === 'string' && typeof settled.result?.outcome === 'string' ? settled : undefined;
}
