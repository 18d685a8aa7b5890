// Grants made by someone who can no longer grant (issue 21, "What happens to what already exists"):
// Bob grants Support access as Jira's product admin, then loses that role. His grants stand (the
// org's consent), and an org admin sees them flagged: listed on Directory → Roles with one guarded
// Revoke, and said in the ticket panel's grant state line, with the panel's Revoke beside it.
import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, consoleFrame, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { seriousViolations } from './axe-helpers';
import { clickArmed, panelFrame, screenshot } from './harness';
import { ROUTES } from '../../src/api/contract';

let w: ConsoleWorld;
const squash = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();
const grantIds = new Map<string, string>();

async function rolesPage(): Promise<{ page: Page; frame: Frame }> {
  const page = await w.browser.context.newPage();
  await page.goto(w.demo.adminPageUrl('directory/roles'));
  return { page, frame: await consoleFrame(page) };
}

describe('admin console and panel: grants by people who can no longer grant', () => {
  beforeAll(async () => {
    w = await startConsoleWorld('alice-token');
    // Bob, Jira's product admin on acme-main, grants two tickets, then his role is removed.
    for (const ticket of ['PS-107', 'PS-109']) {
      const g = await apiCall(w.api, 'bob-token', ROUTES.grant, { key: ticket });
      expect(g.status, JSON.stringify(g.body)).toBe(201);
      grantIds.set(ticket, g.body.id);
    }
    const [own] = (await apiCall(w.api, 'alice-token', ROUTES.roleAssignments, { query: { user: 'bob' } })).body.assignments;
    expect((await apiCall(w.api, 'alice-token', ROUTES.deleteRoleAssignment, { id: own.id })).status).toBe(204);
  });
  afterAll(async () => {
    await w?.close();
  });

  test('the panel says who granted it and that they can no longer, with Revoke', async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.ticketUrl('PS-107'));
    const panel = await panelFrame(page, 20_000);
    const flag = panel.locator('[data-flag="granted-by-no-longer-can"]');
    await flag.waitFor({ timeout: 15_000 });
    expect(squash(await flag.textContent())).toMatch(/^Granted by Bob Okafor, who can no longer grant\./);
    // In the accessible text too: a screen reader reads the same words.
    const grantSection = panel.getByRole('region', { name: 'Support data access' });
    expect(squash(await grantSection.innerText())).toContain('Granted by Bob Okafor, who can no longer grant.');
    await panel.getByRole('button', { name: 'Revoke access' }).waitFor();
    await screenshot(page, 'panel-flagged-grant');
    await page.close();
  });

  test("the popup says it on each flagged grant's row, in the panel's words, and only there", async () => {
    // One grant of Alice's own (she can still grant), unflagged, beside Bob's two.
    const own = await apiCall(w.api, 'alice-token', ROUTES.grant, { key: 'PS-101' });
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    const popup = await w.browser.context.newPage();
    await popup.setViewportSize({ width: 400, height: 720 });
    await popup.goto(`chrome-extension://${w.browser.extensionId}/src/popup/index.html`);
    const row = (id: string) => popup.locator(`li[data-grant="${id}"]`);
    for (const ticket of ['PS-107', 'PS-109']) {
      const flag = row(grantIds.get(ticket)!).locator('[data-flag="granted-by-no-longer-can"]');
      await expect
        .poll(async () => squash(await flag.textContent().catch(() => '')), { timeout: 15_000 })
        .toBe('Granted by Bob Okafor, who can no longer grant. The grant stands until someone revokes it.');
    }
    await row(own.body.id).waitFor({ timeout: 15_000 });
    expect(await row(own.body.id).locator('[data-flag]').count()).toBe(0);
    // Said in text, so a screen reader reads it with the row (not a colour alone).
    expect(squash(await popup.getByRole('list', { name: 'Grants' }).innerText())).toContain('PS-107');
    expect(squash(await row(grantIds.get('PS-107')!).innerText())).toContain('who can no longer grant');
    await screenshot(popup, 'popup-flagged-grant');
    expect(await seriousViolations(popup.mainFrame())).toEqual([]);
    expect((await apiCall(w.api, 'alice-token', ROUTES.revoke, { id: own.body.id })).status).toBe(200);
    await popup.close();
  });

  test('Roles lists the flagged grants; a real press revokes (the API agrees), a script-made one is parked for the popup, and the list empties', async () => {
    const { page, frame } = await rolesPage();
    const table = frame.getByRole('table', { name: 'Grants by people who can no longer grant' });
    await table.waitFor({ timeout: 15_000 });
    const row = (ticket: string) => frame.locator(`tr[data-grant="${grantIds.get(ticket)}"]`);
    const grant = async (ticket: string) => (await apiCall(w.api, 'alice-token', ROUTES.getGrant, { id: grantIds.get(ticket)! })).body;
    for (const ticket of ['PS-107', 'PS-109']) {
      expect(squash(await row(ticket).innerText())).toMatch(new RegExp(`^${ticket} .*Jira acme\\.atlassian\\.net Bob Okafor Can no longer grant .+ Revoke$`));
    }
    await screenshot(page, 'console-roles-flagged-grants');

    // A press the frame can vouch for revokes at once.
    await clickArmed(frame, frame.getByRole('button', { name: 'Revoke PS-107, granted by Bob Okafor' }));
    await expect.poll(() => row('PS-107').count(), { timeout: 15_000 }).toBe(0);
    expect(await grant('PS-107')).toMatchObject({ state: 'revoked', revokedBy: 'alice' });
    expect(await row('PS-109').count()).toBe(1);

    // A click a script made is parked for the popup: nothing revoked until confirmed there.
    await frame.getByRole('button', { name: 'Revoke PS-109, granted by Bob Okafor' }).evaluate((b: HTMLButtonElement) => b.click());
    const parked = () =>
      row('PS-109')
        .locator('.parked')
        .textContent()
        .catch(() => '');
    await expect.poll(parked, { timeout: 10_000 }).toMatch(/Not done yet: The click did not come from you.*toolbar popup/);
    expect(await grant('PS-109')).toMatchObject({ state: 'active', grantedByNoLongerCan: true });
    await screenshot(page, 'console-roles-flagged-revoke-parked');
    const popup = await w.browser.context.newPage();
    await popup.setViewportSize({ width: 400, height: 640 });
    await popup.goto(`chrome-extension://${w.browser.extensionId}/src/popup/index.html`);
    const pending = popup.getByRole('region', { name: 'Confirm pending action' });
    await expect.poll(() => pending.textContent().catch(() => ''), { timeout: 10_000 }).toMatch(/PS-109/);
    await pending.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(async () => (await grant('PS-109')).state, { timeout: 10_000 }).toBe('revoked');
    await popup.close();
    expect(await grant('PS-109')).toMatchObject({ revokedBy: 'alice' });
    for (const ticket of ['PS-107', 'PS-109']) expect((await grant(ticket)).grantedByNoLongerCan).toBeUndefined();

    // The page follows the change: the list empties.
    await frame.getByText('No live grants were made by someone who can no longer grant.').waitFor({ timeout: 15_000 });
    expect((await apiCall(w.api, 'alice-token', ROUTES.flaggedGrants)).body.grants).toEqual([]);
    await screenshot(page, 'console-roles-flagged-grants-empty');

    // A role removed on this page flags its holder's grants here at once, without a reload.
    const g = await apiCall(w.api, 'dev-token', ROUTES.grant, { key: 'PS-109' });
    expect(g.status, JSON.stringify(g.body)).toBe(201);
    grantIds.set('PS-109', g.body.id);
    await frame.getByRole('button', { name: "Remove Dev Patel's role…" }).click();
    const question = frame.getByRole('group', { name: /^Remove Dev Patel's User access admin role/ });
    await clickArmed(frame, question.getByRole('button', { name: 'Remove role' }));
    await expect.poll(() => row('PS-109').count(), { timeout: 15_000 }).toBe(1);
    expect(squash(await row('PS-109').innerText())).toMatch(/^PS-109 .*Dev Patel Can no longer grant .+ Revoke$/);
    await page.close();
  });
});
