// A Guard admin decides on what they can see: the ticket's summary and page, what Support will and
// won't see (the API's scope, in the panel's words), who granted and when; a denial carries a
// reason, which the API keeps in the audit row and the granter reads on the ticket panel.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, openAdvancedTokenForm, openTicket, shoot, signInThroughOptions, startTicketWorld, text, type TicketWorld } from './ticket-helpers';
import { consoleFrame } from './console-helpers';
import { clickArmed, screenshot } from './harness';
import { ROUTES } from '../../src/api/contract';

let w: TicketWorld;

/** Signs the extension in as someone else, from its options page while signed in. */
async function switchAccount(token: string): Promise<void> {
  const page = await w.browser.context.newPage();
  await page.goto(`chrome-extension://${w.browser.extensionId}/src/options/index.html`);
  await openAdvancedTokenForm(page);
  await page.getByLabel('Personal access token').fill(token);
  await page.getByRole('button', { name: 'Sign in with token' }).click();
  await page.getByRole('status').filter({ hasText: 'Signed in as Alice' }).waitFor({ timeout: 15_000 });
  await page.close();
}

describe('Guard approvals: enough to decide on, and a reason with Deny', () => {
  beforeAll(async () => {
    w = await startTicketWorld();
    await signInThroughOptions(w, 'gus-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('the row shows what is approved; Deny sends the reason; the granter reads it', async () => {
    const granted = await apiCall(w.api, 'alice-token', ROUTES.grant, { key: 'PS-108' });
    expect(granted.body.state).toBe('pending_guard_approval');
    const grant = (await apiCall(w.api, 'alice-token', ROUTES.getGrant, { id: granted.body.id })).body;
    const eligibility = (await apiCall(w.api, 'gus-token', ROUTES.eligibility, { key: 'PS-108' })).body;

    // Gus has seen a ticket on the portal: the console links tickets there.
    const seen = await openTicket(w, 'PS-108');
    await seen.page.close();

    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('security/support-access-requests'));
    const frame = await consoleFrame(page);
    const row = frame.locator(`tr[data-grant="${granted.body.id}"]`);
    await row.waitFor();
    await expect.poll(() => row.locator('.scope .small').first().textContent()).toBe(eligibility.scope.summary);
    expect(await row.locator('.ticket-summary').textContent()).toBe('Space permissions page will not load');
    expect(await row.locator('ul.will li').allTextContents()).toEqual(eligibility.scope.includes);
    expect(await row.locator('ul.wont li').allTextContents()).toEqual(eligibility.scope.excludes);
    expect(await row.getByRole('link', { name: /PS-108/ }).getAttribute('href')).toBe(w.demo.ticketUrl('PS-108'));
    // Who granted, and when, in the one human format (never an ISO string or "x min ago" alone).
    const granter = row.locator('td').nth(3);
    expect(await granter.textContent()).toMatch(/^Alice Ng/);
    expect(await granter.locator('time').getAttribute('datetime')).toBe(grant.grantedAt);
    expect(await granter.locator('time').textContent()).toBe(await frame.evaluate((iso) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }), grant.grantedAt));
    await page.waitForTimeout(300); // let the frame's height settle before the picture
    await screenshot(page, 'console-guard-approvals-detail');

    const reason = 'Patient data on acme-eu: export the logs for Support instead.';
    await row.getByLabel(/Reason for denying/).fill(reason);
    await clickArmed(frame, row.getByRole('button', { name: 'Deny' }));
    await expect.poll(() => frame.getByRole('status').filter({ hasText: 'PS-108' }).first().textContent()).toMatch(/denied/);
    const after = (await apiCall(w.api, 'alice-token', ROUTES.getGrant, { id: granted.body.id })).body;
    expect(after).toMatchObject({ state: 'denied', guardDecidedBy: 'gus', guardMessage: reason });
    const audit = (await apiCall(w.api, 'alice-token', ROUTES.audit, { query: { ticket: 'PS-108' } })).body;
    expect(audit.entries.find((e: { action: string }) => e.action === 'grant.guard_deny').detail).toMatchObject({ message: reason });
    await page.close();

    // The granter sees why on the ticket.
    await switchAccount('alice-token');
    const mine = await openTicket(w, 'PS-108');
    await expect.poll(() => text(mine.panel, '[data-state="denied"]'), { timeout: 15_000 }).toMatch(/^Denied by a Guard admin \(Gus Romero\)/);
    expect(await text(mine.panel, '[data-state="denied"]')).toContain(`Their reason: “${reason}”`);
    await shoot(mine.page, 'ticket-guard-denied-reason');
    await mine.page.close();
  });
});
