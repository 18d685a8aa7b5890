// @vitest-environment happy-dom
import { afterEach, describe, expect, test, vi } from 'vitest';
import { startFeatures, waitFor, type Feature } from '../../src/content/feature-manager';
import type { PageMatcher } from '../../src/content/matchers';

const onTickets = Object.assign((url: URL) => url.pathname.startsWith('/t/'), { examples: [] }) as PageMatcher;
const stop = new AbortController();
afterEach(() => stop.abort());

describe('feature manager', () => {
  test('runs matching features and aborts the run on in-page navigation', async () => {
    history.replaceState({}, '', '/t/1');
    const runs: { path: string; signal: AbortSignal }[] = [];
    const feature: Feature = {
      id: 'probe',
      include: [onTickets],
      init: (signal) => {
        runs.push({ path: location.pathname, signal });
      },
    };
    const controller = new AbortController();
    startFeatures([feature], controller.signal);
    await vi.waitFor(() => expect(runs).toHaveLength(1));

    history.pushState({}, '', '/t/2');
    document.body.append(document.createElement('p')); // the SPA re-renders after changing its URL
    await vi.waitFor(() => expect(runs).toHaveLength(2));
    expect(runs[0]!.signal.aborted).toBe(true);
    expect(runs[1]).toMatchObject({ path: '/t/2' });

    history.pushState({}, '', '/elsewhere');
    document.body.append(document.createElement('p'));
    await vi.waitFor(() => expect(runs[1]!.signal.aborted).toBe(true));
    expect(runs).toHaveLength(2);
    controller.abort();
  });

  test('waitFor resolves once the DOM shows what it waits for, and rejects on abort', async () => {
    const controller = new AbortController();
    const found = waitFor(() => document.querySelector('h1') ?? undefined, controller.signal);
    setTimeout(() => document.body.append(document.createElement('h1')), 10);
    await expect(found).resolves.toBeInstanceOf(HTMLElement);

    const never = waitFor(() => document.querySelector('h6') ?? undefined, controller.signal);
    controller.abort(new DOMException('gone', 'AbortError'));
    await expect(never).rejects.toThrow('gone');
  });
});
