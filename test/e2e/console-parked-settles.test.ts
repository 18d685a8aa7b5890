// A console action parked for the popup (a click the frame cannot vouch for) and settled there: the
// page that parked it says what happened instead of "Not done yet". Pinned on the two pages that
// did not catch up (a single access-request card, an API key's delete): confirmed, and dismissed.
// The bulk grant, the bulk decision, Guard decisions and the Roles page are pinned elsewhere.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, consoleFrame, settleInPopup, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { seriousViolations } from './axe-helpers';
import { screenshot } from './harness';
import { ROUTES } from '../../src/api/contract';

let w: ConsoleWorld;
const squash = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

describe('a parked console action settled in the popup: the page catches up', () => {
  beforeAll(async () => {
    w = await startConsoleWorld('alice-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test("access request card: dismissed, then confirmed: the page says so, never 'Not done yet'", async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('access-requests'));
    const frame = await consoleFrame(page);
    const card = frame.locator('section[data-request="ar_demo-frank-confluence"]');
    await card.waitFor({ timeout: 15_000 });
    const approve = card.getByRole('button', { name: "Approve Frank Moreau's Confluence request" });

    // Dismissed in the popup: the card stays (still pending) and says nothing was decided.
    await approve.evaluate((b: HTMLButtonElement) => b.click());
    await expect.poll(async () => squash(await card.locator('.parked').textContent())).toMatch(/^Not done yet/);
    await settleInPopup(w.browser, /Frank Moreau/, 'Dismiss');
    await expect.poll(async () => squash(await card.textContent()), { timeout: 15_000 }).toMatch(/Dismissed in the toolbar popup: nothing was decided\./);
    expect(squash(await card.textContent())).not.toMatch(/Not done yet/);
    expect((await apiCall(w.api, 'alice-token', ROUTES.accessRequest, { id: 'ar_demo-frank-confluence' })).body.state).toBe('pending');
    await screenshot(page, 'console-access-request-parked-dismissed');
    expect(await seriousViolations(frame)).toEqual([]);

    // Confirmed in the popup: the page says what was done (the card leaves the pending list).
    await approve.evaluate((b: HTMLButtonElement) => b.click());
    await expect.poll(async () => squash(await card.locator('.parked').textContent())).toMatch(/^Not done yet/);
    await settleInPopup(w.browser, /Frank Moreau/, 'Confirm', /Done|[Aa]pproved/);
    const said = frame.locator('p.result[data-request="ar_demo-frank-confluence"]');
    await expect.poll(async () => squash(await said.textContent().catch(() => '')), { timeout: 15_000 }).toBe('Frank Moreau · Confluence: Approved in the toolbar popup.');
    expect(squash(await frame.locator('body').textContent())).not.toMatch(/Not done yet/);
    expect((await apiCall(w.api, 'alice-token', ROUTES.accessRequest, { id: 'ar_demo-frank-confluence' })).body.state).toBe('approved');
    await screenshot(page, 'console-access-request-parked-confirmed');
    expect(await seriousViolations(frame)).toEqual([]);
    await page.close();
  });

  test("API key delete: dismissed, then confirmed: the page says so, never 'Not done yet'", async () => {
    const made = await apiCall(w.api, 'alice-token', ROUTES.createApiKey, { name: 'SIEM export', scopes: ['audit_read'] });
    expect(made.status).toBe(201);
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('settings/api-keys'));
    const frame = await consoleFrame(page);
    const result = frame.locator('p.result');
    const deleteParked = async () => {
      if ((await frame.getByRole('button', { name: 'Delete key' }).count()) === 0) await frame.getByRole('button', { name: 'Delete SIEM export…' }).click();
      await frame.getByRole('button', { name: 'Delete key' }).evaluate((b: HTMLButtonElement) => b.click());
      await expect.poll(async () => squash(await result.textContent())).toMatch(/^“SIEM export”: Not done yet/);
    };

    await deleteParked();
    await settleInPopup(w.browser, /SIEM export/, 'Dismiss');
    await expect.poll(async () => squash(await result.textContent()), { timeout: 15_000 }).toBe('“SIEM export”: dismissed in the toolbar popup, nothing was deleted.');
    expect((await apiCall(w.api, made.body.secret, ROUTES.audit)).status).toBe(200);

    await deleteParked();
    await settleInPopup(w.browser, /SIEM export/, 'Confirm', /Done/);
    await expect.poll(async () => squash(await result.textContent()), { timeout: 15_000 }).toBe('Deleted “SIEM export”: whatever used it is refused from its next request.');
    await expect.poll(() => frame.getByText('No API keys yet.').count(), { timeout: 15_000 }).toBe(1);
    expect((await apiCall(w.api, made.body.secret, ROUTES.audit)).status).toBe(401);
    await screenshot(page, 'console-api-key-parked-confirmed');
    expect(await seriousViolations(frame)).toEqual([]);
    await page.close();
  });
});
