// @vitest-environment happy-dom
// The panel re-mounts whenever the page re-renders its sidebar; each mount's listeners must go with
// it, not pile up until the next navigation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ticketPanel } from '../../src/content/features/ticket-panel';

function showPage(name: string): void {
  const html = readFileSync(join(import.meta.dirname, 'fixtures', `${name}.html`), 'utf8')
    .replace(/<link\b[^>]*>/g, '')
    .replace(/<script\b[^>]*>\s*<\/script>/g, '');
  const parsed = new DOMParser().parseFromString(html, 'text/html');
  document.body.replaceChildren(...[...parsed.body.childNodes].map((n) => document.importNode(n, true)));
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('ticket panel feature', () => {
  test('re-mounting many times leaves one live set of listeners', async () => {
    (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL('http://support.localhost/servicedesk/customer/portal/1/PS-101');
    vi.stubGlobal('chrome', { runtime: { id: 'x', getURL: (p: string) => `chrome-extension://x/${p}`, onMessage: { addListener: () => undefined } } });
    showPage('portal-ticket-PS-101');
    const messageListeners: AbortSignal[] = [];
    const add = window.addEventListener.bind(window);
    vi.spyOn(window, 'addEventListener').mockImplementation((type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions) => {
      if (type === 'message' && typeof options === 'object' && options.signal) messageListeners.push(options.signal);
      add(type, listener, options);
    });
    const feature = new AbortController();
    // Listeners on the feature's signal, net of those taken off again.
    const onFeatureSignal = new Set<unknown>();
    const addToFeature = feature.signal.addEventListener.bind(feature.signal);
    const removeFromFeature = feature.signal.removeEventListener.bind(feature.signal);
    feature.signal.addEventListener = ((type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions) => {
      onFeatureSignal.add(listener);
      addToFeature(type, listener, options);
    }) as AbortSignal['addEventListener'];
    feature.signal.removeEventListener = ((type: string, listener: EventListenerOrEventListenerObject) => {
      onFeatureSignal.delete(listener);
      removeFromFeature(type, listener);
    }) as AbortSignal['removeEventListener'];

    // Like the feature manager, expect the feature to end by its signal's abort.
    const ended = Promise.resolve(ticketPanel.init(feature.signal)).then(
      () => 'returned',
      (e: unknown) => (e as Error).name,
    );
    const host = () => document.querySelector('access-companion-panel');
    await vi.waitFor(() => expect(host()).not.toBeNull());
    const afterFirstMount = onFeatureSignal.size;
    for (let i = 0; i < 5; i++) {
      const previous = host()!;
      previous.remove(); // the page re-renders its sidebar
      await vi.waitFor(() => expect(host()).not.toBeNull());
      expect(host()).not.toBe(previous);
    }
    expect(messageListeners).toHaveLength(6);
    // Only the current mount's height listener is still bound; the feature's signal gained nothing per mount.
    expect(messageListeners.filter((s) => !s.aborted)).toHaveLength(1);
    expect(onFeatureSignal.size).toBe(afterFirstMount);
    expect(document.querySelectorAll('access-companion-panel')).toHaveLength(1);
    feature.abort();
    await vi.waitFor(() => expect(host()).toBeNull());
    expect(['returned', 'AbortError']).toContain(await ended);
    expect(messageListeners.filter((s) => !s.aborted)).toHaveLength(0);
  });
});
