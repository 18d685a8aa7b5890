// Outside review 2026-12-01 (issue 15): the panel frame now takes page facts by postMessage, gated
// by the frame's key and a mount id that must stay secret from the vendor page. A hostile page
// script looks for the mount id everywhere it can reach (resource timing, the frames' windows, the
// host element, its closed shadow root) and posts forged facts to every frame it can address.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signInThroughOptions, startTicketWorld, ticketPanel, type TicketWorld } from './ticket-helpers';

let w: TicketWorld;

describe('panel facts: a hostile page cannot reach the mount id or forge facts', () => {
  beforeAll(async () => {
    w = await startTicketWorld();
    await signInThroughOptions(w, 'alice-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('no mount id is visible to page script, and forged facts are ignored', async () => {
    const page = await w.browser.context.newPage();
    // The page keeps the window of every frame that messages it: the panel posts its height to its
    // parent, so this is how page script can address the panel frame (window.frames does not list
    // a frame inside a shadow root).
    await page.addInitScript(() => {
      const sources = new Set<MessageEventSource>();
      (window as unknown as { __sources: Set<MessageEventSource> }).__sources = sources;
      addEventListener('message', (e) => {
        if (e.source && e.source !== window) sources.add(e.source);
      });
    });
    await page.goto(w.demo.ticketUrl('PS-107'));
    const panel = await ticketPanel(page, 'PS-107');
    const mount = new URLSearchParams(new URL(panel.url()).hash.slice(1)).get('mount');
    expect(mount).toBeTruthy();
    const seen = await page.evaluate(() => {
      const out: string[] = [];
      for (const e of performance.getEntries()) out.push(`${e.entryType} ${e.name}`);
      const targets = [...Array.from({ length: window.length }, (_, i) => window[i]!), ...(window as unknown as { __sources: Set<Window> }).__sources];
      for (const [i, target] of targets.entries()) {
        try {
          out.push(`frame ${i} ${target.location.href}`);
        } catch {
          out.push(`frame ${i} cross-origin`);
        }
        // Forged facts with every mount a page could guess, to every frame it can address.
        for (const m of ['', 'x', 'null', 'undefined']) target.postMessage({ type: 'access-companion:panel-facts', hash: `key=PS-107&title=FORGED&product=forged&mount=${m}` }, '*');
      }
      const host = document.querySelector('access-companion-panel') as HTMLElement | null;
      out.push(`host ${host?.outerHTML ?? 'none'} shadow ${String(host?.shadowRoot)}`);
      out.push(document.documentElement.outerHTML);
      return out.join('\n');
    });
    expect(seen).not.toContain(mount!);
    await page.waitForTimeout(300);
    expect(await panel.evaluate(() => location.hash)).not.toContain('FORGED');
    // The page can address the panel's window (the source of its height messages), so the mount id
    // is the whole gate: with it, page script would set the frame's facts (not its key).
    expect(seen).toMatch(/frame \d+ cross-origin/);
    await page.evaluate((m) => {
      for (const target of (window as unknown as { __sources: Set<Window> }).__sources)
        target.postMessage({ type: 'access-companion:panel-facts', hash: `key=PS-107&title=KNOWN-MOUNT&mount=${m}` }, '*');
    }, mount!);
    await expect.poll(() => panel.evaluate(() => location.hash)).toContain('KNOWN-MOUNT');
    await page.close();
  });
});
