// API stopped: the cached view is shown, marked stale with its age, and actions are disabled with
// the reason; API back: fresh again, actions on.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openTicket, shoot, signInThroughOptions, startTicketWorld, text, type TicketWorld } from './ticket-helpers';

let w: TicketWorld;

describe('ticket panel: API down', () => {
  beforeAll(async () => {
    w = await startTicketWorld();
    await signInThroughOptions(w, 'alice-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('stale cache with actions disabled, then fresh when the API is back', async () => {
    const first = await openTicket(w, 'PS-107');
    await expect.poll(() => text(first.panel, '.status')).toMatch(/^Up to date/);
    await first.page.close();

    await w.api.stop();
    const { page, panel } = await openTicket(w, 'PS-107');
    await expect.poll(() => text(panel, '.status'), { timeout: 15_000 }).toMatch(/^Stale, from (just now|[1-5]0 s ago): .*Can't reach the Access API at http:\/\/localhost:\d+/);
    expect(await text(panel, '.decision')).toMatch(/You can grant Support access as Organization admin/);
    const grant = panel.getByRole('button', { name: 'Grant access' });
    expect(await grant.isDisabled()).toBe(true);
    expect(await text(panel, '.grant .disabled-reason')).toMatch(/Actions are off: the Access API can't be reached/);
    expect(await panel.getByRole('button', { name: 'Ask Dev Patel to grant' }).count()).toBe(0); // allowed: no ask buttons
    await shoot(page, 'ticket-offline-stale');

    // The popup, open through the outage, says so, and comes back by itself with the event stream.
    const popup = await w.browser.context.newPage();
    await popup.goto(`chrome-extension://${w.browser.extensionId}/src/popup/index.html`);
    await expect.poll(() => popup.getByRole('status').first().textContent(), { timeout: 15_000 }).toMatch(/^Offline: can't reach/);

    await w.api.start();
    await expect.poll(() => text(panel, '.status'), { timeout: 20_000 }).toMatch(/^Up to date/);
    expect(await grant.isDisabled()).toBe(false);
    await shoot(page, 'ticket-offline-back');
    await expect.poll(() => popup.getByRole('status').first().textContent(), { timeout: 20_000 }).toMatch(/^Up to date/);
    await popup.close();
    await page.close();
  });
});
