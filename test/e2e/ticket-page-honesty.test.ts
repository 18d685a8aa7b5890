// The ticket panel says what the page is: a portal signed in as someone other than the extension's
// account gets the same notice the product-access page gives, and the portal's "We can't find that
// request" page gets a plain inline note that there is no ticket here, not a docked panel claiming
// it could not read the ticket's details.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Frame, Page } from 'playwright-core';
import { parkedFrame } from './harness';
import { shoot, signInThroughOptions, startTicketWorld, text, ticketPanel, type TicketWorld } from './ticket-helpers';

let w: TicketWorld;

/** The panel frame placed on the page (not the one loading out of sight), whatever it shows. */
async function placedPanel(page: Page): Promise<Frame> {
  for (let i = 0; i < 200; i++) {
    const frame = page.frames().find((f) => f.url().includes('/src/panel/') && !f.isDetached() && !parkedFrame(f));
    if (
      frame &&
      (await frame
        .locator('.panel')
        .count()
        .catch(() => 0)) > 0
    )
      return frame;
    await page.waitForTimeout(100);
  }
  throw new Error(`no panel on ${page.url()}`);
}

describe('ticket panel: whose page, and whether it shows a ticket', () => {
  beforeAll(async () => {
    w = await startTicketWorld();
    await signInThroughOptions(w, 'alice-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('portal signed in as bob, extension as alice: the panel says so and whose grant a click makes', async () => {
    const page = await w.browser.context.newPage();
    await page.goto(`${w.demo.ticketUrl('PS-101')}?as=bob`);
    const panel = await ticketPanel(page, 'PS-101');
    await expect
      .poll(() => text(panel, '.other-account'), { timeout: 15_000 })
      .toBe('This page is logged in as bob@acme.test, but Access Companion is signed in as Alice Ng (alice@acme.test). Grants and revokes here are made as Alice Ng.');
    expect(await panel.getByRole('alert').filter({ hasText: 'logged in as bob@acme.test' }).count()).toBe(1);
    await shoot(page, 'ticket-other-portal-account');
    await page.close();
  });

  test('portal signed in as the same person: no notice', async () => {
    const page = await w.browser.context.newPage();
    await page.goto(`${w.demo.ticketUrl('PS-101')}?as=alice`);
    const panel = await ticketPanel(page, 'PS-101');
    await expect.poll(() => panel.locator('[data-state]').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await panel.locator('.other-account').count()).toBe(0);
    await page.close();
  });

  test('"We can\'t find that request": an inline note that the page shows no ticket, not a docked panel', async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.ticketUrl('PS-999'));
    await page.getByRole('heading', { name: 'We can’t find that request' }).waitFor();
    const panel = await placedPanel(page);
    await expect.poll(() => text(panel, '.missing'), { timeout: 15_000 }).toMatch(/^This page shows no ticket: the portal can't find PS-999/);
    expect(await page.locator('access-companion-panel').getAttribute('data-placement')).toBe('after-notice');
    expect(await panel.locator('.unreadable').count()).toBe(0);
    expect(await panel.locator('.decision, [data-state]').count()).toBe(0);
    // Inline, right after the portal's own sentence.
    expect(await page.locator('access-companion-panel').evaluate((h) => h.previousElementSibling?.textContent)).toMatch(/PS-999 doesn’t exist or you don’t have access/);
    await shoot(page, 'ticket-not-found');
    await page.close();
  });
});
