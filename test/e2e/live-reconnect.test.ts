// Open pages stay live across a service-worker restart: the popup and a console frame lose their
// 'live' port when Chrome stops the worker, reconnect by themselves, catch up, and then show a
// change made afterwards, all without a reload.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, consoleFrame, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { stopExtensionWorker } from './harness';
import { ROUTES } from '../../src/api/contract';

let w: ConsoleWorld;

describe('live updates after the worker restarts', () => {
  beforeAll(async () => {
    w = await startConsoleWorld('alice-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('popup and console frame reconnect and show a request made after the restart', async () => {
    const popup = await w.browser.context.newPage();
    await popup.goto(`chrome-extension://${w.browser.extensionId}/src/popup/index.html`);
    await expect.poll(() => popup.getByRole('status').first().textContent(), { timeout: 15_000 }).toMatch(/Up to date/);
    const waiting = popup.getByRole('list', { name: 'Waiting on you' }).locator('li');
    const before = await waiting.count();
    const consolePage = await w.browser.context.newPage();
    await consolePage.goto(w.demo.adminPageUrl('access-requests'));
    const frame = await consoleFrame(consolePage);
    await frame.getByRole('heading', { name: 'Pending product access requests' }).waitFor();
    for (const page of [popup, consolePage])
      await page.evaluate(() => {
        (window as unknown as { marker: number }).marker = 1;
      });

    // Chrome stops the worker (as it does when idle): every 'live' port drops.
    const host = await w.browser.context.newPage();
    await host.goto(w.demo.supportUrl);
    const worker = await stopExtensionWorker(w.browser, host);

    // The pages reconnect (which starts the worker again); then a newcomer asks for access.
    await expect.poll(() => worker.status(), { timeout: 15_000 }).toBe('running');
    const req = await apiCall(w.api, 'nina-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence' });
    expect(req.status).toBe(201);
    await expect.poll(() => waiting.count(), { timeout: 20_000 }).toBe(before + 1);
    await expect.poll(() => frame.locator(`section[data-request="${req.body.id}"]`).count(), { timeout: 20_000 }).toBe(1);
    for (const page of [popup, consolePage]) expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
    await host.close();
    await consolePage.close();
    await popup.close();
  });
});
