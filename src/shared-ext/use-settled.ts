// A page that parked an action (the click could not be vouched for) learns when the popup settles
// it: confirmed, with what was done, or dismissed. Without this the page kept saying "Not done yet"
// after the popup had done it.
import { useEffect, useRef } from 'preact/hooks';
import { followChanges } from './live';
import type { SettledAction } from './messages';

/** Calls `onSettled` once the parked action `pendingId` is settled in the popup; nothing while `pendingId` is undefined or empty. */
export function useSettledAction(pendingId: string | undefined, onSettled: (settled: SettledAction) => void): void {
  const latest = useRef(onSettled);
  latest.current = onSettled;
  useEffect(() => {
    if (!pendingId) return;
    const listening = new AbortController();
    followChanges((_why, settled) => {
      if (settled?.pendingId === pendingId) latest.current(settled);
    }, listening.signal);
    return () => listening.abort();
  }, [pendingId]);
}
