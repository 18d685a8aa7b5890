// The current time for age labels, re-read every AGE_TICK_MS while the component is mounted, so
// "just now" becomes "10 s ago" and "1 min ago" without anything else changing.
import { useEffect, useState } from 'preact/hooks';
import { AGE_TICK_MS } from './format';

/** ms since epoch, refreshed every `tickMs` (default {@link AGE_TICK_MS}). */
export function useNow(tickMs = AGE_TICK_MS): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), tickMs);
    return () => clearInterval(t);
  }, [tickMs]);
  return now;
}
