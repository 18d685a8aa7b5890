// The live stream (/v1/events) while any extension page or panel holds a 'live' port: events
// re-sync (inbox-sync.ts) and tell the open pages that something changed, coalesced so a storm of
// events is one refresh a second; a directory change (`directory.changed`) first drops the cached
// role data (who I am, the cached ticket answers).
import { browser, type Runtime } from '../shared-ext/browser';
import { reconnectDelay } from '../shared-ext/backoff';
import { tokenRejected } from './auth-state';
import { problemReason } from './api';
import { getMeta as meta, setMeta } from './db';
import { syncNow } from './inbox-sync';
import { freshSettings } from './provider-session';
import { rolesChanged } from './ticket-views';
import type { SettledAction } from '../shared-ext/messages';

const ports = new Set<Runtime.Port>();
let stream: AbortController | undefined;

function broadcast(settled?: SettledAction): void {
  for (const port of ports) {
    try {
      port.postMessage(settled ? { type: 'changed', settled } : { type: 'changed' });
    } catch {
      // A port already gone (its onDisconnect not yet run): the other pages are told all the same.
    }
  }
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
        const reason = await problemReason(res);
        await res.body?.cancel().catch(() => undefined);
        await tokenRejected(settings.token, reason);
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
        // Every event this read brought is handled at once: one id kept, one refresh asked for.
        let [end, seen, event, roles] = [-1, lastId, false, false];
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          seen = /^id: ?(.*)$/m.exec(block)?.[1] || seen;
          event ||= /^(data|event):/m.test(block);
          // A role given or taken, a membership, a deactivation: the cached role data is stale.
          roles ||= /^event: ?directory\.changed$/m.test(block);
        }
        if (seen !== lastId) await setMeta('lastEventId', (lastId = seen));
        if (event) refresh(roles);
      }
    } catch {
      if (signal.aborted) return;
    }
    failures = openedAt !== undefined && Date.now() - openedAt >= HEALTHY_STREAM_MS ? 1 : failures + 1;
    await pause(reconnectDelay(failures), signal);
  }
}

/** Between two refreshes the live stream asks for back to back (a SCIM import, a bulk change): a storm of events is one refresh a second, not one per event. */
export const REFRESH_GAP_MS = 1_000;
let refreshing = false;
let wanted: { roles: boolean } | undefined;

/**
 * Re-syncs after events (dropping the cached role data first when `roles`: a directory change)
 * and tells the open pages. At most one runs; events that arrive meanwhile are folded into one
 * more, REFRESH_GAP_MS after it, so the pages re-read once per round however many events came.
 */
function refresh(roles: boolean): void {
  wanted = { roles: roles || (wanted?.roles ?? false) };
  if (refreshing) return;
  refreshing = true;
  void (async () => {
    try {
      for (let round = 0; wanted; round++) {
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, REFRESH_GAP_MS));
        const want = wanted;
        wanted = undefined;
        if (want.roles) await rolesChanged().catch(() => undefined);
        await syncNow().catch(() => undefined); // a failed sync records its own problem for the pages
        broadcast();
      }
    } finally {
      // In the same turn as the loop's last look at `wanted`: an event handed on a turn later starts a round of its own.
      refreshing = false;
    }
  })();
}

/**
 * Anything that may change what pages show (an action of ours) re-syncs and tells open pages;
 * `settled`: the action was a parked one the popup confirmed or dismissed, so the page that parked
 * it can show what happened instead of "Not done yet".
 */
export async function changed(settled?: SettledAction): Promise<void> {
  try {
    if (settled?.result.outcome !== 'dismissed') await syncNow();
  } finally {
    // Told even when the sync failed: the pages read the API themselves.
    broadcast(settled);
  }
}
