// Retry delays for the event stream and for stale panels: exponential with jitter (a random share of the
// exponential step), so many extensions that lost the API together do not come back in lockstep.
export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_CAP_MS = 5 * 60_000;
/**
 * The longest wait between two attempts to reach the API again while a page shows what it has (the
 * event stream, a stale panel): people expect a page to be fresh within a few seconds of the API
 * coming back (demo/CASES.md). Only pages that are open retry, so the load stays bounded: one
 * stream per browser and one view per open panel, each at most every 2.5–5 s.
 */
export const RECONNECT_CAP_MS = 5_000;
/** A stale panel never retries sooner than this, so a burst of failures does not become a burst of requests. */
export const STALE_RETRY_MIN_MS = 3_000;

/** Delay (ms) before retry number `failures` (1 = first retry): between half and all of min(cap, base·2^(n-1)). */
export function backoffDelay(failures: number, random: () => number = Math.random, cap = BACKOFF_CAP_MS): number {
  const step = Math.min(cap, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/** Delay (ms) before the event stream's reconnect number `failures`: the backoff, capped at {@link RECONNECT_CAP_MS}. */
export function reconnectDelay(failures: number, random: () => number = Math.random): number {
  return backoffDelay(failures, random, RECONNECT_CAP_MS);
}

/** Delay (ms) before a stale panel's refresh number `failures`: 3–5 s, however long the API has been away. */
export function staleRetryDelay(failures: number, random: () => number = Math.random): number {
  return Math.max(STALE_RETRY_MIN_MS, reconnectDelay(failures, random));
}
