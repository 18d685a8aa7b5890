// An update with a ticket tab open: the tab must never show Chrome's raw "Extension context
// invalidated". The updated extension injects its content script into the open tab, which brings
// the panel back without a page reload (and keeps it across in-page navigation); when the
// new version has not taken over, the old script says "Access Companion was updated:
// reload this page" where the panel was.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page, Worker } from 'playwright-core';
import { screenshot } from './harness';
import { signInThroughOptions, startTicketWorld, ticketPanel, type TicketWorld } from './ticket-helpers';

let w: TicketWorld;

const worker = (): Worker | undefined => w.browser.context.serviceWorkers().find((sw) => sw.url().includes(w.browser.extensionId));

async function pageText(page: Page): Promise<string> {
  const texts = await Promise.all(page.frames().map((f) => f.evaluate(() => document.body?.innerText ?? '').catch(() => '')));
  return texts.join('\n');
}

describe('extension update with a ticket tab open', () => {
  beforeAll(async () => {
    w = await startTicketWorld();
    await signInThroughOptions(w, 'alice-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('the new version injected into an open tab (what the update handler does) takes over: one panel, same page', async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.ticketUrl('PS-101'));
    await ticketPanel(page, 'PS-101');
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 7;
    });
    const before = await page.locator('access-companion-panel').getAttribute('data-instance');
    // The same call as src/background/reinject.ts, with the manifest's built content script file.
    const injected = await worker()!.evaluate(async () => {
      await chrome.storage.local.set({ contentScriptEpoch: crypto.randomUUID() });
      const [script] = chrome.runtime.getManifest().content_scripts!;
      const tabs = await chrome.tabs.query({ url: script!.matches! });
      for (const tab of tabs) await chrome.scripting.executeScript({ target: { tabId: tab.id! }, files: script!.js! });
      return tabs.length;
    });
    expect(injected).toBeGreaterThan(0);
    await expect.poll(async () => page.locator('access-companion-panel').getAttribute('data-instance'), { timeout: 20_000 }).not.toBe(before);
    await ticketPanel(page, 'PS-101');
    expect(await page.locator('access-companion-panel').count()).toBe(1);
    expect(await page.locator('access-companion-notice').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(7);
    // In-page navigation: only the new instance answers, once.
    await page.getByRole('link', { name: /^PS-103 · / }).click();
    await ticketPanel(page, 'PS-103');
    expect(await page.locator('access-companion-panel').count()).toBe(1);
    expect(await pageText(page)).not.toMatch(/context invalidated/i);

    // A page forging or replaying the takeover announcement cannot switch off the current panel.
    const current = await page.locator('access-companion-panel').getAttribute('data-instance');
    await page.evaluate(() => document.dispatchEvent(new CustomEvent('access-companion:replaced', { detail: { instance: 'x', epoch: 'forged' } })));
    await page.evaluate(() => document.dispatchEvent(new CustomEvent('access-companion:replaced', { detail: { instance: 'x' } })));
    await page.getByRole('link', { name: /^PS-101 · / }).click();
    await ticketPanel(page, 'PS-101');
    expect(await page.locator('access-companion-panel').getAttribute('data-instance')).toBe(current);
    await page.close();
  });

  // Reloading a command-line-loaded extension in headless Chromium leaves it unloaded, so this is
  // the old script's side of an update: its context is gone and nothing replaced it yet.
  test('after the extension is reloaded, the open tab says to reload instead of failing silently', async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.ticketUrl('PS-101'));
    await ticketPanel(page, 'PS-101');
    await worker()!
      .evaluate(() => chrome.runtime.reload())
      .catch(() => undefined); // the worker goes away mid-call
    const notice = page.locator('access-companion-notice');
    await notice.waitFor({ timeout: 20_000 });
    // In the panel's place: in the sidebar, right after the details card, not docked.
    expect(await notice.evaluate((n) => [n.parentElement?.tagName, n.previousElementSibling?.querySelector('h2')?.textContent, getComputedStyle(n).position])).toEqual(['ASIDE', 'Details', 'static']);
    expect(await page.locator('access-companion-panel').count()).toBe(0);
    expect(await notice.locator('p').textContent()).toContain('Access Companion was updated: reload this page');
    await screenshot(page, 'extension-updated-notice');
    await notice.screenshot({ path: 'test-results/extension-updated-notice-crop.png' });
    // In-page navigation after that: the notice stays, no raw error, no panel.
    await page.getByRole('link', { name: /^PS-103 · / }).click();
    await page.waitForURL(/PS-103/);
    await page.locator('access-companion-notice').first().waitFor();
    expect(await pageText(page)).not.toMatch(/context invalidated/i);
    await page.close();
  });
});
