// A Guard admin who is also an admin of the product may grant, but never decide their own grant:
// the panel names no one they could ask but "another Guard admin", and the console's Guard page
// turns Approve / Deny off on that row with the reason in plain sight, naming granters by name.
// A script's click on Approve is parked, not done.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, openTicket, shoot, signInThroughOptions, startTicketWorld, text, type TicketWorld } from './ticket-helpers';
import { consoleFrame } from './console-helpers';
import { clickArmed, screenshot } from './harness';
import { ROUTES } from '../../src/api/contract';

let w: TicketWorld;

describe('Guard admin who granted', () => {
  beforeAll(async () => {
    // Gus decides for Guard and also administers Jira on the Guard-restricted acme-eu.
    w = await startTicketWorld({ world: (world) => world.roles.push({ user: 'gus', role: 'product_admin', site: 'acme-eu', product: 'jira' }) });
    await signInThroughOptions(w, 'gus-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('panel: my own grant waits on another Guard admin, not on me', async () => {
    const { page, panel } = await openTicket(w, 'PS-102');
    await clickArmed(panel, panel.getByRole('button', { name: 'Grant access' }));
    await expect.poll(() => text(panel, '[data-state]'), { timeout: 15_000 }).toMatch(/^Waiting on Guard: Waiting on another Guard admin \(not you: you made this grant\)/);
    expect(await text(panel, '[data-state]')).not.toMatch(/Gus Romero/);
    await shoot(page, 'ticket-guard-own-grant');
    await page.close();
  });

  test('console: own grant cannot be decided and says why; others are named and decided; a script click is parked', async () => {
    const own = (await apiCall(w.api, 'gus-token', ROUTES.ticketGrants, { key: 'PS-102' })).body.grants.find((g: { state: string }) => g.state === 'pending_guard_approval');
    const alices = await apiCall(w.api, 'alice-token', ROUTES.grant, { key: 'PS-108' });
    expect(alices.body.state).toBe('pending_guard_approval');

    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('security/support-access-requests'));
    const frame = await consoleFrame(page);
    const ownRow = frame.locator(`tr[data-grant="${own.id}"]`);
    const otherRow = frame.locator(`tr[data-grant="${alices.body.id}"]`);
    await otherRow.waitFor();
    await expect.poll(() => ownRow.textContent()).toMatch(/You made this grant, so you can't decide it/);
    expect(await ownRow.getByRole('button', { name: 'Approve' }).isDisabled()).toBe(true);
    expect(await ownRow.getByRole('button', { name: 'Deny' }).isDisabled()).toBe(true);
    expect(await ownRow.getByText(/You made this grant/).isVisible()).toBe(true);
    // The granter by name, not by id.
    expect(await otherRow.locator('td').nth(3).textContent()).toMatch(/^Alice Ng/);
    expect(await otherRow.getByRole('button', { name: 'Approve' }).isEnabled()).toBe(true);
    await page.waitForTimeout(300); // let the frame's height settle before the picture
    await screenshot(page, 'console-guard-approvals-own');

    // A click made by a script in the frame is parked for the popup; the grant still waits.
    await otherRow.getByRole('button', { name: 'Approve' }).evaluate((b: HTMLButtonElement) => b.click());
    await expect.poll(() => frame.getByRole('status').filter({ hasText: 'PS-108' }).first().textContent()).toMatch(/Not done yet: The click did not come from you.*toolbar popup/);
    const waiting = await apiCall(w.api, 'alice-token', ROUTES.ticketGrants, { key: 'PS-108' });
    expect(waiting.body.grants.find((g: { id: string }) => g.id === alices.body.id).state).toBe('pending_guard_approval');

    // The admin's own click decides it.
    await clickArmed(frame, otherRow.getByRole('button', { name: 'Approve' }));
    await expect.poll(() => frame.getByRole('status').filter({ hasText: 'PS-108' }).first().textContent()).toMatch(/approved/);
    const decided = await apiCall(w.api, 'alice-token', ROUTES.ticketGrants, { key: 'PS-108' });
    expect(decided.body.grants.find((g: { id: string }) => g.id === alices.body.id).state).toBe('active');
    await page.close();
  });
});
