// In-page navigation to another ticket updates the panel; a page that renders late still gets it.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openTicket, shoot, signInThroughOptions, startTicketWorld, text, ticketPanel, type TicketWorld } from './ticket-helpers';

let w: TicketWorld;

describe('ticket panel: navigation', () => {
  beforeAll(async () => {
    w = await startTicketWorld();
    await signInThroughOptions(w, 'alice-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('moving to another ticket without a reload shows that ticket', async () => {
    const { page, panel } = await openTicket(w, 'PS-101');
    expect(await text(panel, '.ticket')).toMatch(/PS-101 · Confluence/);
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 9;
    });
    await page.getByRole('link', { name: /^PS-103 · / }).click();
    const next = await ticketPanel(page, 'PS-103');
    expect(await text(next, '.ticket')).toMatch(/PS-103 · Jira · acme-legacy\.atlassian\.net/);
    expect(await next.locator('[data-cause]').evaluateAll((els) => els.map((e) => e.getAttribute('data-cause')))).toEqual(['site_deactivated']);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(9);
    expect(await page.locator('access-companion-panel').count()).toBe(1);
    await shoot(page, 'ticket-site-deactivated');

    await page.goBack();
    const back = await ticketPanel(page, 'PS-101');
    expect(await text(back, '.ticket')).toMatch(/PS-101/);
    await page.close();
  });

  test('a page that renders its sidebar late still gets the panel', async () => {
    const page = await w.browser.context.newPage();
    // Hold the portal's data back for 1.5 s, as if its own API were slow.
    await page.route('**/demo-api/world', async (route) => {
      await new Promise((r) => setTimeout(r, 1500));
      await route.continue();
    });
    await page.goto(w.demo.ticketUrl('PS-104'));
    // Nothing shown yet: the panel may already be loading, out of sight (parked), not placed.
    expect(await page.locator('access-companion-panel:not([data-placement="parked"])').count()).toBe(0);
    const panel = await ticketPanel(page, 'PS-104');
    expect(await panel.locator('[data-cause]').evaluateAll((els) => els.map((e) => e.getAttribute('data-cause')))).toEqual(['ticket_closed']);
    await shoot(page, 'ticket-closed');
    await page.close();
  });
});
