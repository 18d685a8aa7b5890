import { describe, expect, test } from 'vitest';
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, backoffDelay } from '../../src/shared-ext/backoff';

describe('event stream retry delays', () => {
  test('double per failure from the base, between half and all of each step', () => {
    expect(backoffDelay(1, () => 0)).toBe(BACKOFF_BASE_MS / 2);
    expect(backoffDelay(1, () => 1)).toBe(BACKOFF_BASE_MS);
    expect(backoffDelay(4, () => 1)).toBe(BACKOFF_BASE_MS * 8);
    expect(backoffDelay(4, () => 0)).toBe(BACKOFF_BASE_MS * 4);
  });

  test('never beyond the cap, however many failures', () => {
    for (const n of [10, 50, 1000]) {
      expect(backoffDelay(n, () => 1)).toBe(BACKOFF_CAP_MS);
      expect(backoffDelay(n, () => 0)).toBe(BACKOFF_CAP_MS / 2);
    }
  });

  test('jitter spreads clients that failed together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5)));
    expect(delays.size).toBeGreaterThan(10);
  });
});
