// The popup counts what it shows (issue 23): the header said "4 active grants" over five rows, one of
// them waiting on Guard; and inbox items said "Nina Kowalski requests Confluence" without for whom.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { screenshot } from './harness';
import { ROUTES } from '../../src/api/contract';

let w: ConsoleWorld;
const text = async (p: Promise<string | null>) => ((await p) ?? '').replace(/\s+/g, ' ').trim();

describe('popup: honest counts and for whom', () => {
  beforeAll(async () => {
    w = await startConsoleWorld('alice-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('"2 active · 1 waiting on Guard" over three rows; each access request says for whom', async () => {
    for (const ticket of ['PS-101', 'PS-102', 'PS-107']) expect((await apiCall(w.api, 'alice-token', ROUTES.grant, { key: ticket })).status).toBe(201);
    const self = await apiCall(w.api, 'nina-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence' });
    const forNina = await apiCall(w.api, 'bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence', for: { userId: 'nina' } });
    expect([self.status, forNina.status]).toEqual([201, 201]);

    const popup = await w.browser.context.newPage();
    await popup.setViewportSize({ width: 400, height: 640 });
    await popup.goto(`chrome-extension://${w.browser.extensionId}/src/popup/index.html`);
    const rows = popup.getByRole('list', { name: 'Grants', exact: true }).locator('li');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(3);
    const waiting = popup.getByRole('list', { name: 'Waiting on you' });
    await expect.poll(() => waiting.locator(`li[data-item="access_request:${forNina.body.id}"]`).count(), { timeout: 15_000 }).toBe(1);
    await screenshot(popup, 'popup-counts');

    const counts = await text(popup.locator('p.counts').textContent());
    expect(counts).toMatch(/· 2 active · 1 waiting on Guard$/);
    expect(await text(waiting.locator(`li[data-item="access_request:${self.body.id}"] a`).textContent())).toBe('Nina Kowalski requests Confluence on acme.atlassian.net for themself');
    expect(await text(waiting.locator(`li[data-item="access_request:${forNina.body.id}"] a`).textContent())).toBe('Bob Okafor requests Confluence on acme.atlassian.net for Nina Kowalski');
    await popup.close();
  });
});
