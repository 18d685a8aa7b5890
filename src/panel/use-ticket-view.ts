// The ticket view from the background: cached copy at once, then a refresh; refreshed again on
// every change the background's live stream reports (and when that stream comes back after the
// service worker restarted), and retried every few seconds while stale.
import { browser, type Storage } from '../shared-ext/browser';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { followChanges } from '../shared-ext/live';
import { callBackground } from '../shared-ext/messages';
import type { TicketView } from '../shared-ext/ticket-view';
import type { PanelContext } from './context';
import { staleRetryDelay } from '../shared-ext/backoff';

const FRESH_POLL_MS = 20_000;
// Support's activity under a live grant produces no event for admins: look more often.
const ACTIVE_GRANT_POLL_MS = 5_000;

/** The cached view asked for as the panel's script starts, for the first render's effect to take. */
let early: { key: string; cached: Promise<TicketView> } | undefined;

/**
 * Asks the background for `context.key`'s cached view now, before the first render, so that the
 * first paint does not wait for an effect to ask; useTicketView takes this answer instead of asking
 * again. The answer is the cached copy marked stale (with its age), which the refresh replaces.
 */
export function askCachedViewEarly(context: PanelContext): void {
  performance.mark('ac:view-asked');
  const cached = callBackground('getTicketView', { key: context.key, page: { product: context.product, siteUrl: context.siteUrl } });
  cached.catch(() => undefined);
  early = { key: context.key, cached };
}

export function useTicketView(context: PanelContext | undefined) {
  const [view, setView] = useState<TicketView | undefined>();
  const [refreshing, setRefreshing] = useState(false);
  const key = context?.key;

  const refresh = useCallback(async () => {
    if (!key) return;
    setRefreshing(true);
    try {
      const fresh = await callBackground('getTicketView', { key, page: { product: context.product, siteUrl: context.siteUrl }, fresh: true });
      setView((v) => (v && v.key !== key ? v : fresh));
    } catch (error) {
      setView((v) => ({ ...(v ?? { key, grants: [], activity: [], names: {}, guardAdmins: [] }), stale: true, problem: { kind: 'api_error', message: (error as Error).message } }));
    } finally {
      setRefreshing(false);
    }
  }, [key]);

  // A layout effect: it runs right after the first render, not after the first paint, so the cached
  // answer (asked for early) is taken as soon as it arrives.
  useLayoutEffect(() => {
    if (!key || !context) return;
    let alive = true;
    setView(undefined);
    const cachedView = early?.key === key ? early.cached : callBackground('getTicketView', { key, page: { product: context.product, siteUrl: context.siteUrl } });
    early = undefined;
    void cachedView
      .then((cached) => {
        performance.mark('ac:view-cached'); // bench/ux.ts's stage split
        if (alive) setView((v) => v ?? (cached.fetchedAt ? cached : undefined));
      })
      .catch(() => undefined);
    void refresh();
    const mounted = new AbortController();
    followChanges(() => void refresh(), mounted.signal);
    // Signing in or out on the options page changes whose view this is.
    const onStorage = (changes: Record<string, Storage.StorageChange>, area: string) => {
      if (area === 'local' && (changes.signedInAt || changes.apiBaseUrl)) void refresh();
    };
    browser.storage.onChanged.addListener(onStorage);
    return () => {
      alive = false;
      mounted.abort();
      browser.storage.onChanged.removeListener(onStorage);
    };
  }, [key, refresh]);

  // While stale, try again every 3–5 s (jittered), so the panel is fresh within seconds of the API
  // coming back without open panels retrying in lockstep; signed out, wait for a sign-in (storage change).
  // While fresh, a slow poll in case the live stream is down.
  const stale = view?.stale ?? false;
  const signedOut = view?.problem?.kind === 'signed_out';
  const activeGrant = view?.grants.some((g) => g.state === 'active') ?? false;
  const failures = useRef(0);
  useEffect(() => {
    if (!key || signedOut) return;
    failures.current = stale ? failures.current + 1 : 0;
    const delay = stale ? staleRetryDelay(failures.current) : activeGrant ? ACTIVE_GRANT_POLL_MS : FRESH_POLL_MS;
    const timer = setTimeout(() => void refresh(), delay);
    return () => clearTimeout(timer);
  }, [key, view, stale, signedOut, activeGrant, refresh]);

  return { view, refreshing, refresh };
}
