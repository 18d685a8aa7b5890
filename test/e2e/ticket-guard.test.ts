// A Guard-restricted site: grant → waiting on a Guard admin; a Guard admin approving elsewhere
// turns the panel active without a reload.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, openTicket, shoot, signInThroughOptions, startTicketWorld, text, type TicketWorld } from './ticket-helpers';
import { clickArmed } from './harness';
import { ROUTES } from '../../src/api/contract';

let w: TicketWorld;

describe('ticket panel: Guard-restricted site', () => {
  beforeAll(async () => {
    w = await startTicketWorld();
    await signInThroughOptions(w, 'ivan-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('grant waits on Guard; approval elsewhere shows active without reload', async () => {
    const { page, panel } = await openTicket(w, 'PS-102');
    expect(await text(panel, '.decision')).toMatch(/You can grant Support access as Product admin/);
    expect(await text(panel, '.grant')).toMatch(/Guard restrictions: a Guard admin must approve/);
    await clickArmed(panel, panel.getByRole('button', { name: 'Grant access' }));
    // Named: the Guard admin who can decide it (Gus), never the granter (Ivan).
    await expect.poll(() => text(panel, '[data-state]'), { timeout: 15_000 }).toMatch(/^Waiting on Guard: Waiting on a Guard admin \(Gus Romero\) to approve/);
    expect(await text(panel, '[data-state]')).not.toMatch(/Ivan/);
    await shoot(page, 'ticket-guard-waiting');
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 42;
    });

    const grants = await apiCall(w.api, 'gus-token', ROUTES.ticketGrants, { key: 'PS-102' });
    const pending = grants.body.grants.find((g: { state: string }) => g.state === 'pending_guard_approval');
    expect((await apiCall(w.api, 'gus-token', ROUTES.guardDecision, { id: pending.id }, { decision: 'approve' })).status).toBe(200);

    await expect.poll(() => text(panel, '[data-state]'), { timeout: 15_000 }).toMatch(/^Active: Support has access · granted by you.* approved by Gus Romero/);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await shoot(page, 'ticket-guard-approved');
    await page.close();
  });
});
