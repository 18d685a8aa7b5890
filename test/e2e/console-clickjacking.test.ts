// The console frames sit inside the vendor's admin pages, so they get the ticket panel's guard: a
// click a script made (or on a frame that was covered or only just shown) is parked for confirmation
// in the popup and does nothing until then.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, consoleFrame, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { screenshot } from './harness';

let w: ConsoleWorld;
const activeTickets = async () => (await apiCall(w.api, 'dev-token', 'GET', '/v1/grants?state=active,pending_guard_approval')).body.grants.map((g: { ticket: string }) => g.ticket);

describe('console frames: clicks they cannot vouch for', () => {
  beforeAll(async () => {
    w = await startConsoleWorld('dev-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('a script-made click on bulk grant is parked, grants nothing, and is confirmed in the popup', async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('settings/support-access'));
    const frame = await consoleFrame(page);
    await frame.getByRole('table', { name: 'Outstanding Support requests' }).waitFor();
    for (const key of ['PS-101', 'PS-107']) await frame.getByRole('checkbox', { name: `Select ${key}` }).check();
    await frame.getByRole('button', { name: /Grant data access to selected \(2\)/ }).evaluate((b: HTMLButtonElement) => b.click());
    await expect
      .poll(() =>
        frame
          .locator('.parked')
          .textContent()
          .catch(() => ''),
      )
      .toMatch(/Not done yet: The click did not come from you.*toolbar popup/);
    expect(await activeTickets()).not.toContain('PS-101');
    expect(await activeTickets()).not.toContain('PS-107');
    await screenshot(page, 'console-bulk-grant-parked');

    const popup = await w.browser.context.newPage();
    await popup.setViewportSize({ width: 400, height: 640 });
    await popup.goto(`chrome-extension://${w.browser.extensionId}/src/popup/index.html`);
    const pending = popup.getByRole('region', { name: 'Confirm pending action' });
    await expect.poll(() => pending.textContent().catch(() => ''), { timeout: 10_000 }).toMatch(/Grant Support access to PS-101, PS-107/);
    await screenshot(popup, 'popup-pending-bulk-grant');
    await pending.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => pending.textContent()).toMatch(/Done: 2 granted, 0 refused/);
    expect(await activeTickets()).toEqual(expect.arrayContaining(['PS-101', 'PS-107']));
    await popup.close();
    await page.close();
  });
});
