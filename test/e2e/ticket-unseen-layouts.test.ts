// Ticket pages built unlike our portal, served by the demo pages server (`?layout=`): the panel
// still appears with the Access API's decision, placed after the details, or docked with a note
// when the page can't be read; a page that disagrees with the API gets the warning.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { shoot, signInThroughOptions, startTicketWorld, text, ticketPanel, type TicketWorld } from './ticket-helpers';

let w: TicketWorld;

async function openLayout(layout: string, key = 'PS-101') {
  const page = await w.browser.context.newPage();
  await page.goto(`${w.demo.ticketUrl(key)}?layout=${layout}`);
  const panel = await ticketPanel(page, key);
  const placement = await page.locator('access-companion-panel').getAttribute('data-placement');
  return { page, panel, placement };
}

describe('ticket panel on unseen layouts', () => {
  beforeAll(async () => {
    // The page (not the API) says PS-102 is on acme-main (the API: acme-eu): the warning must come from page facts.
    w = await startTicketWorld({
      pageWorld: (world) => {
        world.tickets.find((t: { key: string }) => t.key === 'PS-102').site = 'acme-main';
      },
    });
    await signInThroughOptions(w, 'alice-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('details table with punctuated labels: placed after the details box, no warning', async () => {
    const { page, panel, placement } = await openLayout('punctuated-table');
    expect(placement).toBe('after-details');
    expect(await text(panel, '.ticket')).toMatch(/PS-101 · Confluence · acme\.atlassian\.net/);
    expect(await panel.locator('.decision').count()).toBe(1);
    expect(await panel.locator('.mismatch').count()).toBe(0);
    expect(await panel.locator('.unreadable').count()).toBe(0);
    // The panel sits in the right-hand column, right after the box holding the table.
    expect(await page.locator('access-companion-panel').evaluate((h) => h.previousElementSibling?.querySelector('table') !== null)).toBe(true);
    await shoot(page, 'layout-punctuated-table');
    await page.close();
  });

  test('no main or aside landmarks: placed after the details block', async () => {
    const { page, panel, placement } = await openLayout('no-landmarks');
    expect(placement).toBe('after-details');
    expect(await panel.locator('.decision').count()).toBe(1);
    expect(await panel.locator('.mismatch').count()).toBe(0);
    await shoot(page, 'layout-no-landmarks');
    await page.close();
  });

  test('"Label: value" text only: placed after it, and a page that disagrees with the API is flagged', async () => {
    const ok = await openLayout('inline-text');
    expect(ok.placement).toBe('after-details');
    expect(await ok.panel.locator('.mismatch').count()).toBe(0);
    await ok.page.close();
    const { page, panel } = await openLayout('inline-text', 'PS-102');
    await panel.locator('.mismatch').waitFor();
    expect(await text(panel, '.mismatch')).toMatch(/the page says acme\.atlassian\.net/);
    await shoot(page, 'layout-inline-text-mismatch');
    await page.close();
  });

  test('a page that cannot be read: the panel docks in a corner and says it could not read the page', async () => {
    const { page, panel, placement } = await openLayout('unreadable');
    expect(placement).toBe('docked');
    expect(await page.locator('access-companion-panel').evaluate((h) => getComputedStyle(h).position)).toBe('fixed');
    expect(await text(panel, '.unreadable')).toMatch(/couldn't read this page's ticket details/);
    // The key from the URL is enough for the API's decision.
    expect(await text(panel, '.ticket')).toMatch(/PS-101 · Confluence · acme\.atlassian\.net/);
    expect(await panel.locator('.decision').count()).toBe(1);
    await shoot(page, 'layout-unreadable-docked');
    await page.close();
  });

  test('details in a collapsed section: read, but the panel docks rather than hide with them', async () => {
    const { page, panel, placement } = await openLayout('collapsed-details');
    expect(placement).toBe('docked');
    expect(await page.locator('access-companion-panel').isVisible()).toBe(true);
    expect(await panel.locator('.unreadable').count()).toBe(0);
    expect(await panel.locator('.mismatch').count()).toBe(0);
    await page.close();
  });
});
