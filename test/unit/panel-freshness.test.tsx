// @vitest-environment happy-dom
// Offline, the panel's age label ticks (issue 23: it said "from just now" 30 s after the API died),
// and a stale panel tries the API again at most 5 s apart however long it has been away (it took
// ~25 s to come back). A controlled clock, no waiting.
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { Freshness } from '../../src/panel/freshness';
import { RECONNECT_CAP_MS, reconnectDelay, staleRetryDelay } from '../../src/shared-ext/backoff';
import type { TicketView } from '../../src/shared-ext/ticket-view';

afterEach(() => {
  vi.useRealTimers();
});

describe('panel freshness', () => {
  test('a stale view\'s age goes from "just now" to "30 s ago" to "1 min ago" on its own', () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-07T07:00:00.000Z'), toFake: ['Date', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    const view = {
      key: 'PS-107',
      stale: true,
      fetchedAt: Date.now(),
      problem: { kind: 'offline', message: "Can't reach the Access API at http://localhost:4400." },
      grants: [],
      activity: [],
      names: {},
      guardAdmins: [],
    } as unknown as TicketView;
    const root = document.createElement('div');
    void act(() => render(<Freshness view={view} refreshing={false} />, root));
    expect(root.textContent).toBe("Stale, from just now: Can't reach the Access API at http://localhost:4400.");
    void act(() => {
      vi.advanceTimersByTime(30_000);
    });
    expect(root.textContent).toMatch(/^Stale, from 30 s ago:/);
    void act(() => {
      vi.advanceTimersByTime(30_000);
    });
    expect(root.textContent).toMatch(/^Stale, from 1 min ago:/);
    void act(() => render(null, root));
  });
});

describe('retrying while the API is away', () => {
  test('a stale panel retries 3–5 s apart, however many failures', () => {
    for (const failures of [1, 2, 5, 10, 100]) {
      for (const r of [0, 0.5, 1]) {
        const d = staleRetryDelay(failures, () => r);
        expect(d).toBeGreaterThanOrEqual(3_000);
        expect(d).toBeLessThanOrEqual(5_000);
      }
    }
  });

  test('the event stream reconnects at most 5 s apart, still jittered', () => {
    for (const failures of [1, 3, 10, 1000]) expect(reconnectDelay(failures, () => 1)).toBeLessThanOrEqual(RECONNECT_CAP_MS);
    expect(RECONNECT_CAP_MS).toBe(5_000);
    expect(new Set(Array.from({ length: 50 }, () => reconnectDelay(10))).size).toBeGreaterThan(10);
  });
});
