// The popup: cached at once, then fresh; a request made through the API while it is open appears
// without a reload; revoke in one click.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { screenshot } from './harness';
import { ROUTES } from '../../src/api/contract';

let w: ConsoleWorld;

describe('popup', () => {
  beforeAll(async () => {
    w = await startConsoleWorld('alice-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('lists active grants and what waits on me, and updates live', async () => {
    const grant = await apiCall(w.api, 'alice-token', ROUTES.grant, { key: 'PS-101' });
    expect(grant.status).toBe(201);
    const popup = await w.browser.context.newPage();
    await popup.setViewportSize({ width: 400, height: 640 });
    await popup.goto(`chrome-extension://${w.browser.extensionId}/src/popup/index.html`);
    const grants = popup.getByRole('list', { name: 'Grants', exact: true });
    await expect.poll(() => grants.textContent().catch(() => ''), { timeout: 15_000 }).toMatch(/PS-101.*Confluence|PS-101.*confluence/);
    await expect.poll(() => popup.getByRole('status').first().textContent()).toMatch(/Up to date/);
    const before = await popup.getByRole('list', { name: 'Waiting on you' }).locator('li').count();

    // A newcomer asks for product access while the popup is open: it appears without a reload.
    const req = await apiCall(w.api, 'nina-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence' });
    expect(req.status).toBe(201);
    await popup.evaluate(() => {
      (window as unknown as { marker: number }).marker = 7;
    });
    await expect.poll(() => popup.getByRole('list', { name: 'Waiting on you' }).locator('li').count(), { timeout: 15_000 }).toBe(before + 1);
    expect(await popup.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(7);
    // Each item leads to its page in this org's admin console.
    const link = popup.getByRole('list', { name: 'Waiting on you' }).locator(`li[data-item="access_request:${req.body.id}"] a`);
    expect(await link.getAttribute('href')).toBe(`${w.demo.adminUrl}/o/acme/access-requests?id=${req.body.id}`);
    await screenshot(popup, 'popup');

    // Revoke in one click.
    await grants.locator(`li[data-grant="${grant.body.id}"]`).getByRole('button', { name: 'Revoke PS-101' }).click();
    await expect
      .poll(() =>
        grants
          .locator(`li[data-grant="${grant.body.id}"]`)
          .count()
          .catch(() => 0),
      )
      .toBe(0);
    const after = await apiCall(w.api, 'alice-token', ROUTES.ticketGrants, { key: 'PS-101' });
    expect(after.body.grants.find((g: { id: string }) => g.id === grant.body.id).state).toBe('revoked');
    await popup.close();
  });

  test('offline: shows the cached copy, labelled with its age, and says why', async () => {
    const sw = w.browser.context.serviceWorkers()[0]!;
    await sw.evaluate(() => chrome.storage.local.set({ apiBaseUrl: 'http://localhost:9' }));
    const popup = await w.browser.context.newPage();
    await popup.setViewportSize({ width: 400, height: 640 });
    await popup.goto(`chrome-extension://${w.browser.extensionId}/src/popup/index.html`);
    await expect.poll(() => popup.getByRole('status').first().textContent(), { timeout: 15_000 }).toMatch(/Offline: can't reach .*updated/);
    expect(await popup.getByRole('list', { name: 'Waiting on you' }).locator('li').count()).toBeGreaterThan(0);
    await screenshot(popup, 'popup-offline');
    await sw.evaluate((base) => chrome.storage.local.set({ apiBaseUrl: base }), w.api.base);
    await popup.close();
  });
});
