// An admin who can't grant: the causes with their fixes, who can, and "ask" landing in that admin's
// inbox. A title with HTML stays text; a page that disagrees with the API gets a warning.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, openTicket, shoot, signInThroughOptions, startTicketWorld, text, type TicketWorld } from './ticket-helpers';
import { ROUTES } from '../../src/api/contract';

describe('ticket panel: an admin of the wrong product', () => {
  let w: TicketWorld;
  beforeAll(async () => {
    w = await startTicketWorld();
    await signInThroughOptions(w, 'bob-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('causes and fix shown, qualified admins listed; ask lands in their inbox', async () => {
    const { page, panel } = await openTicket(w, 'PS-101');
    expect(await text(panel, '.decision')).toMatch(/^You can't grant Support access/);
    expect(await panel.locator('[data-cause]').evaluateAll((els) => els.map((e) => e.getAttribute('data-cause')))).toEqual(['wrong_product']);
    expect(await text(panel, '[data-cause="wrong_product"] .fix')).toMatch(/^Fix: .*admin/i);
    const admins = await panel.locator('[data-admin]').evaluateAll((els) => els.map((e) => e.getAttribute('data-admin')));
    expect(admins).toEqual(expect.arrayContaining(['alice', 'priya', 'dev']));
    expect(admins).not.toContain('hana'); // SCIM role not synced yet: not qualified
    expect(await panel.getByRole('button', { name: 'Grant access' }).count()).toBe(0);
    await shoot(page, 'ticket-wrong-product');

    const before = await apiCall(w.api, 'priya-token', ROUTES.inbox);
    expect(before.body.items.filter((i: { kind: string }) => i.kind === 'ask')).toHaveLength(0);
    await panel.getByRole('button', { name: 'Ask Priya Raman to grant' }).click();
    await expect.poll(() => text(panel, '[data-admin="priya"]')).toMatch(/Asked/);
    const inbox = await apiCall(w.api, 'priya-token', ROUTES.inbox);
    expect(inbox.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'ask', ticket: 'PS-101' })]));
    await shoot(page, 'ticket-wrong-product-asked');
    await page.close();
  });

  test('a ticket title containing HTML renders as text', async () => {
    // The title and requested conversations come with the ticket record, which Bob (admin of
    // another product, not the reporter) has no stake in: read it as an org admin.
    await signInThroughOptions(w, 'alice-token');
    const { page, panel } = await openTicket(w, 'PS-105');
    expect(await text(panel, '.title')).toBe('<img src=x onerror=alert(1)> Export fails');
    expect(await panel.locator('img[src="x"], .title img').count()).toBe(0);
    // The conversations by title and owner where the ticket's record knows them, else by id (issue 23).
    expect(await panel.locator('ul.conversations li').allTextContents()).toEqual([
      "Why does the nightly export stop at 2 AM?Tomás Ferreira's conversation · rovo-conv-8812",
      'Title not knownrovo-conv-8813',
    ]);
    await shoot(page, 'ticket-html-title');
    await page.close();
  });
});

describe('ticket panel: the page disagrees with the API', () => {
  let w: TicketWorld;
  beforeAll(async () => {
    w = await startTicketWorld({
      pageWorld: (world) => {
        const t = world.tickets.find((x: { key: string }) => x.key === 'PS-101');
        t.product = 'jira';
        t.site = 'acme-eu';
      },
    });
    await signInThroughOptions(w, 'alice-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('warns, naming both, and follows the API', async () => {
    const { page, panel } = await openTicket(w, 'PS-101');
    const warning = await text(panel, '.mismatch');
    expect(warning).toMatch(/page says Jira, the Access API says Confluence/);
    expect(warning).toMatch(/page says acme-eu\.atlassian\.net, the Access API says acme\.atlassian\.net/);
    expect(await text(panel, '.ticket')).toMatch(/Confluence · acme\.atlassian\.net/);
    await shoot(page, 'ticket-mismatch');
    await page.close();
  });
});
