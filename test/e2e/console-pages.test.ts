// Admin console pages with Access Companion's frames, against the real API and built extension.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, consoleFrame, signIn, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { clickArmed, screenshot } from './harness';
import { ROUTES } from '../../src/api/contract';

let w: ConsoleWorld;

describe('admin console frames', () => {
  // dev is user-access admin of acme-main: may grant any product there, nothing on acme-eu.
  beforeAll(async () => {
    w = await startConsoleWorld('dev-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('Settings → Support access: bulk grant of two; the row on a site I cannot grant for cannot be ticked', async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('settings/support-access'));
    const frame = await consoleFrame(page);
    const rows = frame.getByRole('table', { name: 'Outstanding Support requests' });
    await rows.waitFor();
    // Eligibility per row, decided by the API: PS-102 is on acme-eu.
    await expect.poll(() => frame.locator('tr[data-ticket="PS-102"]').textContent()).toMatch(/can't grant/i);
    expect(await frame.locator('tr[data-ticket="PS-101"]').textContent()).toMatch(/You can grant/);
    // People by name, never a bare id ("Support: sam").
    expect(await frame.locator('tr[data-ticket="PS-101"]').textContent()).toMatch(/Sam Ortiz \(Support\) · asked/);
    // Ticks are consent too: each one an honest pointer click (a tick the guard cannot vouch for parks the grant).
    for (const key of ['PS-101', 'PS-107']) {
      const box = frame.getByRole('checkbox', { name: `Select ${key}` });
      await clickArmed(frame, box);
      await expect.poll(() => box.isChecked()).toBe(true);
    }
    // The row the API would refuse is not offered: its box is disabled, not tickable.
    expect(await frame.getByRole('checkbox', { name: 'Select PS-102' }).count()).toBe(0);
    const cannot = frame.getByRole('checkbox', { name: "PS-102: you can't grant it" });
    expect(await cannot.isDisabled()).toBe(true);
    await clickArmed(frame, frame.getByRole('button', { name: /Grant data access to selected \(2\)/ }));
    await expect.poll(() => frame.locator('[data-ticket="PS-101"] .result, p.result[data-ticket="PS-101"]').first().textContent(), { timeout: 10_000 }).toMatch(/Granted/);
    expect(await frame.locator('[data-ticket="PS-107"] .result, p.result[data-ticket="PS-107"]').first().textContent()).toMatch(/Granted/);
    // The API agrees: two active grants, none for PS-102.
    const active = await apiCall(w.api, 'dev-token', ROUTES.grants, { query: { state: 'active' } });
    expect(active.body.grants.map((g: { ticket: string }) => g.ticket).sort()).toEqual(expect.arrayContaining(['PS-101', 'PS-107']));
    expect(active.body.grants.some((g: { ticket: string }) => g.ticket === 'PS-102')).toBe(false);
    // Active grants list with revoke.
    const grants = frame.getByRole('table', { name: 'Active grants' });
    await expect.poll(() => grants.locator('tr').count()).toBeGreaterThanOrEqual(3);
    // The vendor's own list stays on the page, below our frame.
    const vendorTable = page.locator('main table').filter({ hasText: 'Approve data access' });
    expect(await vendorTable.isVisible()).toBe(true);
    const frameBox = await page.locator('access-companion-console').boundingBox();
    const tableBox = await vendorTable.boundingBox();
    expect(tableBox!.y).toBeGreaterThanOrEqual(frameBox!.y + frameBox!.height);
    await screenshot(page, 'console-support-access');
    const ps107 = grants.locator('tr', { hasText: 'PS-107' });
    await clickArmed(frame, ps107.getByRole('button', { name: 'Revoke' }));
    await expect.poll(() => grants.locator('tr', { hasText: 'PS-107' }).count()).toBe(0);
    await page.close();
  });

  test('Security → Support access requests: a Guard admin approves a grant waiting on Guard', async () => {
    // PS-102 is on Guard-restricted acme-eu: ivan grants it, gus (Guard admin) decides.
    const made = await apiCall(w.api, 'ivan-token', ROUTES.grant, { key: 'PS-102' });
    expect(made.body.state).toBe('pending_guard_approval');
    await signIn(w, 'gus-token');
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('security/support-access-requests'));
    const frame = await consoleFrame(page);
    const row = frame.locator(`tr[data-grant="${made.body.id}"]`);
    await row.waitFor();
    await screenshot(page, 'console-guard-approvals');
    await clickArmed(frame, row.getByRole('button', { name: 'Approve' }));
    await expect.poll(() => frame.getByRole('status').filter({ hasText: 'PS-102' }).first().textContent()).toMatch(/approved/);
    await page.close();
    await signIn(w, 'dev-token');
  });

  test("Security → Audit log: one click to Support actors and a ticket's window", async () => {
    // The audit log is for org admins: alice. Sam reads under the grant dev made in the first test.
    await apiCall(w.api, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-101', resource: { type: 'work_item', id: 'CONF-1' } });
    await signIn(w, 'alice-token');
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('security/audit-log'));
    const frame = await consoleFrame(page);
    await frame.getByRole('button', { name: 'Support actors only' }).click();
    await frame.getByLabel('Ticket', { exact: true }).selectOption('PS-101');
    await expect
      .poll(() =>
        frame
          .getByRole('table', { name: 'Audit entries' })
          .textContent()
          .catch(() => ''),
      )
      .toMatch(/sam|Support/i);
    // The vendor page's own search field follows our filter.
    expect(await page.locator('input[type="search"]').inputValue()).toBe('Atlassian Support');
    await screenshot(page, 'console-audit-log');
    await page.close();
    await signIn(w, 'dev-token');
  });
});
