// Retry delays for the event stream and for stale panels: exponential with jitter (a random share of the
// exponential step), so many extensions that lost the API together do not come back in lockstep.
export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_CAP_MS = 5 * 60_000;

/** Delay (ms) before retry number `failures` (1 = first retry): between half and all of min(cap, base·2^(n-1)). */
export function backoffDelay(failures: number, random: () => number = Math.random): number {
  const step = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
