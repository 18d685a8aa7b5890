// Security → Audit log, a ticket's window with more than one page of Support activity: the frame
// says how many rows there are and pages through all of them, down to Support's first access
// (before, it showed the newest 100 and nothing said more existed).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { screenshot } from './harness';
import { apiCall, consoleFrame, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { ROUTES } from '../../src/api/contract';

let w: ConsoleWorld;
const ROWS = 230;

describe('console audit log: paging a ticket window', () => {
  beforeAll(async () => {
    w = await startConsoleWorld('alice-token');
    expect((await apiCall(w.api, 'alice-token', ROUTES.grant, { key: 'PS-101' }, {})).status).toBe(201);
    for (let i = 0; i < ROWS; i++) {
      const r = await apiCall(w.api, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-101', resource: { type: 'work_item', id: `CONF-${i}` } });
      expect(r.body.allowed).toBe(true);
    }
  });
  afterAll(async () => {
    await w?.close();
  });

  test("shows a count and pages to the oldest row, Support's first access", async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('security/audit-log'));
    const frame = await consoleFrame(page);
    await frame.getByRole('button', { name: 'Support actors only' }).click();
    await frame.getByLabel('Ticket', { exact: true }).selectOption('PS-101');
    const pager = frame.getByRole('navigation', { name: 'Audit pages' });
    const rows = frame.getByRole('table', { name: 'Audit entries' }).locator('tbody tr');
    await expect.poll(() => pager.getByRole('status').textContent()).toBe(`Showing 1–100 of ${ROWS}`);
    expect(await rows.count()).toBe(100);
    expect(await rows.first().textContent()).toContain(`CONF-${ROWS - 1}`);
    await screenshot(page, 'console-audit-paging-first');

    await pager.getByRole('button', { name: 'Older' }).click();
    await expect.poll(() => pager.getByRole('status').textContent()).toBe(`Showing 101–200 of ${ROWS}`);
    await pager.getByRole('button', { name: 'Older' }).click();
    await expect.poll(() => pager.getByRole('status').textContent()).toBe(`Showing 201–${ROWS} of ${ROWS}`);
    expect(await rows.count()).toBe(ROWS - 200);
    expect(await rows.last().textContent()).toMatch(/CONF-0(?!\d)/);
    expect(await pager.getByRole('button', { name: 'Older' }).isDisabled()).toBe(true);
    await screenshot(page, 'console-audit-paging-last');

    await pager.getByRole('button', { name: 'Newer' }).click();
    await expect.poll(() => pager.getByRole('status').textContent()).toBe(`Showing 101–200 of ${ROWS}`);
    await page.close();
  });
});
