import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { launchWithExtension, panelFrame, panelTicketLine, screenshot, startTestDemoPages, type ExtensionBrowser } from './harness';
import type { DemoPages } from '../../scripts/demo-pages';

let browser: ExtensionBrowser;
let demo: DemoPages;

beforeAll(async () => {
  demo = await startTestDemoPages();
  browser = await launchWithExtension();
});
afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

const ticket = (key: string) => {
  const t = demo.view.tickets.find((x) => x.key === key);
  if (!t) throw new Error(`demo world has no ticket ${key}`);
  return t;
};
const expectedLine = (key: string) => `Ticket ${key} · ${ticket(key).productName} · ${ticket(key).siteHost}`;

async function openTicket(key: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(demo.ticketUrl(key));
  return page;
}

describe('ticket panel on the demo support portal', () => {
  test('the extension loads and its service worker runs', () => {
    expect(browser.extensionId).toMatch(/^[a-p]{32}$/);
  });

  test('mounts in the sidebar of a late-rendering ticket page with the key, product and site', async () => {
    const page = await openTicket('PS-101');
    expect(await panelTicketLine(page)).toBe(expectedLine('PS-101'));
    // The panel sits inside the page's "Request details" sidebar, and the page cannot reach into it.
    const placement = await page.evaluate(() => {
      const host = document.querySelector('aside[aria-label="Request details"] > access-companion-panel');
      return { inSidebar: host !== null, shadowVisibleToPage: host?.shadowRoot != null, frames: document.querySelectorAll('iframe').length };
    });
    expect(placement).toEqual({ inSidebar: true, shadowVisibleToPage: false, frames: 0 });
    await screenshot(page, 'ticket-panel-PS-101');
    await page.close();
  });

  test('follows in-page navigation to another ticket without a reload', async () => {
    const page = await openTicket('PS-101');
    expect(await panelTicketLine(page)).toBe(expectedLine('PS-101'));
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 42;
    });
    const other = demo.view.tickets.find((t) => t.key !== 'PS-101' && t.siteHost !== ticket('PS-101').siteHost)!;
    await page.getByRole('link', { name: new RegExp(`^${other.key} · `) }).click();
    await expect.poll(() => panelTicketLine(page), { timeout: 10_000 }).toBe(expectedLine(other.key));
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    // Exactly one panel: the previous ticket's is gone.
    expect(await page.locator('access-companion-panel').count()).toBe(1);
    // Back button: same-document navigation again.
    await page.goBack();
    await expect.poll(() => panelTicketLine(page), { timeout: 10_000 }).toBe(expectedLine('PS-101'));
    await screenshot(page, 'ticket-panel-after-navigation');
    await page.close();
  });

  test('page-derived text stays text in the panel', async () => {
    const hostile = demo.view.tickets.find((t) => /[<>]/.test(t.title));
    const key = hostile?.key ?? 'PS-101';
    const page = await openTicket(key);
    const frame = await panelFrame(page);
    expect(await panelTicketLine(page)).toBe(expectedLine(key));
    expect(await frame.locator('img[src="x"]').count()).toBe(0);
    await page.close();
  });

  test('no panel on pages that are not tickets', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${demo.supportUrl}/servicedesk/customer/user/requests`);
    await page.getByRole('heading', { name: 'Requests' }).waitFor();
    await page.waitForTimeout(300);
    expect(await page.locator('access-companion-panel').count()).toBe(0);
    await page.close();
  });

  test('admin console pages render their headings', async () => {
    const page = await browser.context.newPage();
    for (const [path, heading] of [
      ['settings/support-access', 'Support access'],
      ['access-requests', 'Access requests'],
      ['security/audit-log', 'Audit log'],
      ['security/support-access-requests', 'Support access requests'],
    ] as const) {
      await page.goto(demo.adminPageUrl(path));
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(heading);
    }
    await screenshot(page, 'admin-support-access-requests');
    await page.close();
  });
});
