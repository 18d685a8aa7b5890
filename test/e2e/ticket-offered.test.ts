// The ticket panel offers exactly what the API's view answer allows this admin. Bob reported PS-101
// (Confluence) but administers Jira: before a grant he may ask the admins who can grant; once Priya
// has granted, he sees her grant with neither Revoke (the API would refuse it) nor Ask to grant
// (there is nothing left to ask for).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, openTicket, shoot, signInThroughOptions, startTicketWorld, text, type TicketWorld } from './ticket-helpers';
import { ROUTES } from '../../src/api/contract';

let w: TicketWorld;

describe("ticket panel: Bob on Priya's grant", () => {
  beforeAll(async () => {
    w = await startTicketWorld();
    await signInThroughOptions(w, 'bob-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('Ask to grant before the grant; no Revoke and no Ask once Priya granted', async () => {
    const { page, panel } = await openTicket(w, 'PS-101');
    expect(await text(panel, '.decision')).toMatch(/You can't grant Support access/);
    await expect.poll(() => panel.getByRole('button', { name: /^Ask .* to grant$/ }).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const granted = await apiCall(w.api, 'priya-token', ROUTES.grant, { key: 'PS-101' }, {});
    expect(granted.status).toBe(201);
    // The panel follows the change live: Priya's grant, and nothing offered that the API would refuse.
    await expect.poll(() => text(panel, '.grant [data-state]'), { timeout: 20_000 }).toMatch(/^Active: Support has access · granted by Priya/);
    expect(await panel.getByRole('button', { name: /Revoke|Withdraw/ }).count()).toBe(0);
    expect(await panel.getByRole('button', { name: /^Ask .* to grant$/ }).count()).toBe(0);
    expect(await text(panel, '.not-yours')).toMatch(/Only the admin who granted it or an admin who can grant for this ticket can revoke it/);
    expect(await text(panel, '.granted-already')).toMatch(/nothing to ask for/);
    // The API agrees: Bob's revoke is refused.
    expect((await apiCall(w.api, 'bob-token', ROUTES.revoke, { id: granted.body.id }, {})).status).toBe(403);
    await shoot(page, 'ticket-bob-on-priyas-grant');
    await page.close();
  });
});
