// @vitest-environment happy-dom
// The request-access feature on the vendor's no-access page: one frame, below the vendor's Request
// access button, re-mounted when the page re-renders it away, gone with the feature's signal.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { requestAccess } from '../../src/content/features/request-access';

function showPage(name: string): void {
  const html = readFileSync(join(import.meta.dirname, 'fixtures', `${name}.html`), 'utf8');
  const parsed = new DOMParser().parseFromString(html, 'text/html');
  document.body.replaceChildren(...[...parsed.body.childNodes].map((n) => document.importNode(n, true)));
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const hosts = () => document.querySelectorAll('access-companion-request');

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('request-access feature', () => {
  test("mounts once after the vendor's button row, re-mounts after a re-render, and leaves with its signal", async () => {
    (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL('http://acme.localhost:4403/wiki?as=oscar');
    vi.stubGlobal('chrome', { runtime: { id: 'x', getURL: (p: string) => `chrome-extension://x/${p}`, onMessage: { addListener: () => undefined } } });
    showPage('product-no-access');
    const feature = new AbortController();
    const ended = Promise.resolve(requestAccess.init(feature.signal)).catch((e: unknown) => (e as Error).name);
    await vi.waitFor(() => expect(hosts()).toHaveLength(1));
    const host = hosts()[0]!;
    expect(host.previousElementSibling?.className).toBe('actions');
    // Closed shadow root: the page cannot reach the frame.
    expect(host.shadowRoot).toBeNull();

    host.remove(); // the page re-renders its card
    await vi.waitFor(() => expect(hosts()).toHaveLength(1));
    await tick();
    expect(hosts()).toHaveLength(1);

    feature.abort();
    await ended;
    expect(hosts()).toHaveLength(0);
  });
});
