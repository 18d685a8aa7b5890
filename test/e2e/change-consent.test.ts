// Support changes nothing without consent, in real Chromium (issue 24): Support asks to update a
// workflow; the admin sees the request in the popup's inbox and as its own card in the ticket
// panel, approves it with a guarded click; Support's update is allowed once, a second and a delete
// are refused; a permission change under the grant shows in the panel live, without a reload.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { screenshot } from './harness';
import { clickArmed } from './harness';
import { apiCall, openTicket, shoot, signInThroughOptions, startTicketWorld, text, type TicketWorld } from './ticket-helpers';
import { ROUTES } from '../../src/api/contract';

let w: TicketWorld;
const BUG = { type: 'workflow', id: 'Bug', project: 'PS' };
const check = (body: Record<string, unknown>) => apiCall(w.api, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-107', ...body });

describe('change consent in the ticket panel', () => {
  beforeAll(async () => {
    w = await startTicketWorld();
    await signInThroughOptions(w, 'bob-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('ask → card and inbox item → approve → update allowed once; second update and delete refused; permission change shown live', async () => {
    expect((await apiCall(w.api, 'bob-token', ROUTES.grant, { key: 'PS-107' }, {})).status).toBe(201);
    const asked = await apiCall(
      w.api,
      'sam-token',
      ROUTES.createChangeRequest,
      { key: 'PS-107' },
      {
        action: 'update',
        resource: BUG,
        reason: 'The Done transition is missing from the Bug workflow; restoring it fixes the 500.',
        duration: 'PT2H',
      },
    );
    expect(asked.status).toBe(201);
    expect((await check({ resource: BUG, action: 'update' })).body.allowed).toBe(false);

    // The inbox item, in the popup.
    const popup = await w.browser.context.newPage();
    await popup.setViewportSize({ width: 400, height: 640 });
    await popup.goto(`chrome-extension://${w.browser.extensionId}/src/popup/index.html`);
    const item = popup.getByRole('list', { name: 'Waiting on you' }).locator(`li[data-item="change_request:${asked.body.id}"]`);
    await expect.poll(() => item.textContent().catch(() => ''), { timeout: 20_000 }).toMatch(/Support asks to update workflow 'Bug' in project PS \(PS-107\)/);
    // Its kind in words, never the API's raw name.
    expect(await item.textContent()).toContain('Change to approve');
    expect(await item.textContent()).not.toContain('change_request');
    await screenshot(popup, 'change-request-inbox');
    await popup.close();

    // The card, in the ticket panel.
    const { page, panel } = await openTicket(w, 'PS-107');
    const card = panel.locator(`[data-change-request="${asked.body.id}"]`);
    await expect
      .poll(
        () =>
          card
            .locator('h3')
            .textContent()
            .catch(() => ''),
        { timeout: 20_000 },
      )
      .toBe("Support asks to update workflow 'Bug' in project PS");
    const facts = (await card.locator('dl').innerText()).replace(/\s+/g, ' ');
    expect(facts).toMatch(/Where Jira on acme\.atlassian\.net/);
    expect(facts).toMatch(/Why The Done transition is missing/);
    expect(facts).toMatch(/For how long Once, for 2 hours from approval/);
    expect(facts).toMatch(/Asked by Sam Ortiz \(Support\)/);
    expect(await card.getAttribute('data-state')).toBe('pending');
    await card.scrollIntoViewIfNeeded();
    await shoot(page, 'change-request-card');
    // The card is usable by keyboard and screen reader: axe finds nothing in it, and Approve is reachable by Tab.
    await panel.evaluate(readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));
    const axe = await panel.evaluate(async () => {
      const r = await (window as unknown as { axe: { run: (ctx: unknown) => Promise<{ violations: { id: string }[] }> } }).axe.run({ include: [['.changes']] });
      return r.violations.map((v) => v.id);
    });
    expect(axe).toEqual([]);
    const approve = panel.getByRole('button', { name: "Approve change: update workflow 'Bug' in project PS" });
    await approve.focus();
    expect(await approve.evaluate((b) => b === document.activeElement && b.tabIndex === 0)).toBe(true);

    await clickArmed(panel, panel.getByRole('button', { name: "Approve change: update workflow 'Bug' in project PS" }));
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 15_000 }).toBe('approved');
    expect(await text(panel, `[data-change-request="${asked.body.id}"] .state`)).toMatch(/^Approved by you .*allowed once until/);

    const first = await check({ resource: BUG, action: 'update' });
    expect(first.body).toMatchObject({ allowed: true, consentId: asked.body.id });
    expect((await check({ resource: BUG, action: 'update' })).body.allowed).toBe(false);
    expect((await check({ resource: BUG, action: 'delete' })).body.allowed).toBe(false);
    // The change made shows in the panel without a reload, and the card says the consent is used.
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 20_000 }).toBe('used');
    const made = panel.getByRole('region', { name: 'Changes Support made' });
    await expect
      .poll(() => made.locator('li').allTextContents(), { timeout: 20_000 })
      .toEqual([expect.stringMatching(/^Support made a change with your consent: update workflow 'Bug' in project PS/)]);

    // A permission change needed for access: allowed under the grant, shown live.
    const perm = await check({ resource: { type: 'project', id: 'PS' }, action: 'change_permissions', change: 'added sam to project PS viewers' });
    expect(perm.body.allowed).toBe(true);
    await expect
      .poll(() => made.locator('li').allTextContents(), { timeout: 20_000 })
      .toEqual([expect.stringMatching(/^Support changed permissions: added sam to project PS viewers/), expect.stringMatching(/^Support made a change with your consent/)]);
    await shoot(page, 'change-request-after');

    // Closing the ticket keeps the list of what Support changed.
    expect((await apiCall(w.api, 'sam-token', ROUTES.closeTicket, { key: 'PS-107' }, {})).status).toBe(200);
    await expect.poll(() => panel.getByRole('heading', { name: 'Changes Support made on this ticket' }).count(), { timeout: 20_000 }).toBe(1);
    expect(await made.locator('li').count()).toBe(2);
    await page.close();
  });

  test('the demo org starts with a pending change request on PS-109, waiting for a grant first', async () => {
    const { page, panel } = await openTicket(w, 'PS-109');
    const card = panel.locator('[data-change-request="cr_demo-bug-workflow"]');
    await expect
      .poll(
        () =>
          card
            .locator('h3')
            .textContent()
            .catch(() => ''),
        { timeout: 20_000 },
      )
      .toBe("Support asks to update workflow 'Bug' in project PS");
    // Approve is not offered before a grant: the API would refuse it.
    expect(await card.getByRole('button', { name: /^Approve/ }).count()).toBe(0);
    expect(await text(panel, '[data-change-request="cr_demo-bug-workflow"] .no-grant')).toMatch(/Grant Support access first/);
    await shoot(page, 'change-request-demo');
    await page.close();
  });
});
