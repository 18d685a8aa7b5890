// The console frames sit inside the vendor's admin pages, so they get the ticket panel's guard: a
// click a script made (or on a frame that was covered or only just shown) is parked for confirmation
// in the popup and does nothing until then.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, consoleFrame, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { screenshot } from './harness';
import { ROUTES } from '../../src/api/contract';

let w: ConsoleWorld;
const activeTickets = async () => (await apiCall(w.api, 'dev-token', ROUTES.grants, { query: { state: 'active,pending_guard_approval' } })).body.grants.map((g: { ticket: string }) => g.ticket);

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
    // The console page catches up: each ticket's result, no "Not done yet", nothing left selected.
    await expect.poll(() => frame.locator('.parked').count(), { timeout: 10_000 }).toBe(0);
    for (const key of ['PS-101', 'PS-107']) await expect.poll(() => frame.locator(`[data-ticket="${key}"] .result, p.result[data-ticket="${key}"]`).first().textContent()).toMatch(/Granted/);
    expect(await frame.getByRole('button', { name: /Grant data access to selected \(0\)/ }).count()).toBe(1);
    await screenshot(page, 'console-bulk-grant-confirmed-in-popup');
    await popup.close();
    await page.close();
  });

  test('a parked bulk grant one ticket of which was granted meanwhile: the popup names it and says why it was refused', async () => {
    // Support asks again on a ticket of its own, so two requests wait after the first test's grants.
    expect((await apiCall(w.api, 'sam-token', ROUTES.requestAccess, { key: 'PS-109' }, {})).status).toBe(201);
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('settings/support-access'));
    const frame = await consoleFrame(page);
    await frame.getByRole('table', { name: 'Outstanding Support requests' }).waitFor();
    await expect.poll(() => frame.getByRole('checkbox', { name: /^Select / }).count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const keys = (await frame.getByRole('checkbox', { name: /^Select / }).evaluateAll((boxes) => boxes.map((b) => b.getAttribute('aria-label')!.slice('Select '.length)))).slice(0, 2);
    expect(keys).toHaveLength(2);
    for (const key of keys) await frame.getByRole('checkbox', { name: `Select ${key}` }).check();
    await frame.getByRole('button', { name: /Grant data access to selected \(2\)/ }).evaluate((b: HTMLButtonElement) => b.click());
    await expect
      .poll(() =>
        frame
          .locator('.parked')
          .textContent()
          .catch(() => ''),
      )
      .toMatch(/Not done yet/);
    // Someone else grants the second ticket before the popup's Confirm.
    expect((await apiCall(w.api, 'alice-token', ROUTES.grant, { key: keys[1]! }, {})).status).toBe(201);
    const popup = await w.browser.context.newPage();
    await popup.setViewportSize({ width: 400, height: 640 });
    await popup.goto(`chrome-extension://${w.browser.extensionId}/src/popup/index.html`);
    const pending = popup.getByRole('region', { name: 'Confirm pending action' });
    await expect.poll(() => pending.textContent().catch(() => ''), { timeout: 10_000 }).toMatch(/Grant Support access to/);
    await pending.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => pending.textContent()).toMatch(/Done: 1 granted, 1 refused/);
    expect(await pending.locator('li.ok').textContent()).toBe(`${keys[0]}: Granted (Active)`);
    expect(await pending.locator('li.error').textContent()).toMatch(new RegExp(`^${keys[1]}: Refused: Ticket ${keys[1]} already has an active grant`));
    await screenshot(popup, 'popup-bulk-grant-result');
    await expect.poll(() => frame.locator('.parked').count(), { timeout: 10_000 }).toBe(0);
    expect(await frame.locator(`[data-ticket="${keys[1]}"] .result, p.result[data-ticket="${keys[1]}"]`).first().textContent()).toMatch(/Refused: .*already has an active grant/);
    await popup.close();
    await page.close();
  });
});
