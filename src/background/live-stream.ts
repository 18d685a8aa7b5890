// The live stream (/v1/events) while any extension page or panel holds a 'live' port: every event
// re-syncs (inbox-sync.ts) and tells the open pages that something changed.
import { browser, type Runtime } from '../shared-ext/browser';
import { reconnectDelay } from '../shared-ext/backoff';
import { tokenRejected } from './auth-state';
import { getMeta as meta, setMeta } from './db';
import { syncNow } from './inbox-sync';
import { freshSettings } from './provider-session';

const ports = new Set<Runtime.Port>();
let stream: AbortController | undefined;

function broadcast(): void {
  for (const port of ports) port.postMessage({ type: 'changed' });
}

export function listenForLivePorts(): void {
  browser.runtime.onConnect.addListener((port) => {
    if (port.name !== 'live' || port.sender?.id !== browser.runtime.id || !port.sender.url?.startsWith(browser.runtime.getURL(''))) return;
    ports.add(port);
    port.onDisconnect.addListener(() => {
      ports.delete(port);
      if (ports.size === 0) {
        stream?.abort();
        stream = undefined;
      }
    });
    ensureStream();
  });
}

/** Follows the event stream while any page listens; after a sign-in, starts it again. */
export function ensureStream(): void {
  if (stream || ports.size === 0) return;
  const mine = new AbortController();
  stream = mine;
  void follow(mine.signal).finally(() => {
    if (stream === mine) stream = undefined;
  });
}

/** Resolves after `ms`, or at once when `signal` aborts. */
const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** A stream that stayed up this long was healthy: the next failure starts the backoff over. */
const HEALTHY_STREAM_MS = 60_000;

/**
 * Reads /v1/events (SSE over fetch: a worker has no EventSource) and re-syncs on every event.
 * Ends when signed out or when the API rejects the token (401 signs the session out); other
 * failures retry with exponential backoff and jitter, at most RECONNECT_CAP_MS apart.
 */
async function follow(signal: AbortSignal): Promise<void> {
  let lastId = (await meta<string>('lastEventId')) ?? '';
  let failures = 0;
  while (!signal.aborted) {
    let openedAt: number | undefined;
    try {
      const settings = await freshSettings();
      if (!settings.token) return;
      const res = await fetch(`${settings.apiBaseUrl}/v1/events`, {
        signal,
        headers: { authorization: `Bearer ${settings.token}`, accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
      });
      if (res.status === 401) {
        await res.body?.cancel();
        await tokenRejected(settings.token);
        broadcast(); // open pages show "signed out" now, not at their next poll
        return;
      }
      if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
      openedAt = Date.now();
      // Back after a failure: what changed meanwhile was never announced (a replay from lastId may
      // bring nothing), so re-sync and tell the open pages, which then stop saying "offline".
      if (failures > 0) {
        await syncNow().catch(() => undefined); // a failed sync records its own problem for the pages
        broadcast();
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: ?(.*)$/m.exec(block)?.[1];
          if (id) {
            lastId = id;
            await setMeta('lastEventId', id);
          }
          if (/^(data|event):/m.test(block)) {
            await syncNow();
            broadcast();
          }
        }
      }
    } catch {
      if (signal.aborted) return;
    }
    failures = openedAt !== undefined && Date.now() - openedAt >= HEALTHY_STREAM_MS ? 1 : failures + 1;
    await pause(reconnectDelay(failures), signal);
  }
}

/** Anything that may change what pages show (an action of ours) re-syncs and tells open pages. */
export async function changed(): Promise<void> {
  await syncNow();
  broadcast();
}
