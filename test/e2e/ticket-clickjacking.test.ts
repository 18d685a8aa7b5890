// A grant or revoke counts only if the click was trusted and the panel really visible; otherwise it
// is parked and confirmed in the popup.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, openTicket, shoot, signInThroughOptions, startTicketWorld, text, type TicketWorld } from './ticket-helpers';
import { clickArmed, screenshot } from './harness';
import { ROUTES } from '../../src/api/contract';

let w: TicketWorld;
const dataGrants = async () => (await apiCall(w.api, 'alice-token', ROUTES.ticketGrants, { key: 'PS-107' })).body.grants.filter((g: { kind: string }) => g.kind === 'data');

describe('ticket panel: clicks it cannot vouch for', () => {
  beforeAll(async () => {
    w = await startTicketWorld();
    await signInThroughOptions(w, 'alice-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('a click on a faded panel is parked, then confirmed in the popup', async () => {
    const { page, panel } = await openTicket(w, 'PS-107');
    // The page fades our panel's slot (a classic clickjacking set-up; the host's own opacity is ours) and the admin clicks.
    await page.evaluate(() => {
      (document.querySelector('access-companion-panel') as HTMLElement).parentElement!.style.opacity = '0.4';
    });
    await page.waitForTimeout(300);
    await panel.getByRole('button', { name: 'Grant access' }).click();
    await expect.poll(() => text(panel, '.parked')).toMatch(/Not done yet: The panel was covered, hidden or faded.*Confirm it in the Access Companion toolbar popup/);
    expect((await dataGrants()).filter((g: { state: string }) => g.state === 'active')).toHaveLength(0);
    await page.evaluate(() => {
      (document.querySelector('access-companion-panel') as HTMLElement).parentElement!.style.opacity = '';
    });
    await shoot(page, 'ticket-clickjack-parked');

    const popup = await w.browser.context.newPage();
    await popup.setViewportSize({ width: 400, height: 640 });
    await popup.goto(`chrome-extension://${w.browser.extensionId}/src/popup/index.html`);
    const pending = popup.getByRole('region', { name: 'Confirm pending action' });
    await expect.poll(() => pending.textContent().catch(() => ''), { timeout: 10_000 }).toMatch(/Grant Support access to PS-107 \(Jira on acme\.atlassian\.net\)/);
    await screenshot(popup, 'popup-pending-action');
    await pending.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => pending.textContent()).toMatch(/Done: active/);
    expect((await dataGrants()).filter((g: { state: string }) => g.state === 'active')).toHaveLength(1);
    await popup.close();
    await expect.poll(() => text(panel, '[data-state]'), { timeout: 15_000 }).toMatch(/^Active/);
    expect(await panel.locator('.parked').count()).toBe(0);
    await page.close();
  });

  test('a script-made click is parked, and dismissing it leaves the grant alone', async () => {
    const { page, panel } = await openTicket(w, 'PS-107');
    await panel.getByRole('button', { name: 'Revoke access' }).evaluate((b: HTMLButtonElement) => b.click());
    await expect.poll(() => text(panel, '.parked')).toMatch(/Not done yet: The click did not come from you/);
    const popup = await w.browser.context.newPage();
    await popup.goto(`chrome-extension://${w.browser.extensionId}/src/popup/index.html`);
    const pending = popup.getByRole('region', { name: 'Confirm pending action' });
    await expect.poll(() => pending.textContent().catch(() => ''), { timeout: 10_000 }).toMatch(/Revoke Support's access to PS-107/);
    await pending.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => pending.count()).toBe(0);
    expect((await dataGrants()).filter((g: { state: string }) => g.state === 'active')).toHaveLength(1);
    // The panel that parked it catches up: no "Not done yet" left over an action nobody will take.
    await expect.poll(() => text(panel, '.parked'), { timeout: 10_000 }).toBe('Dismissed in the toolbar popup: nothing was done.');
    await shoot(page, 'ticket-parked-dismissed');
    await popup.close();
    await page.close();
  });

  test('a click through an element laid over the panel is parked', async () => {
    const { page, panel } = await openTicket(w, 'PS-107');
    // A nearly transparent decoy over the panel that lets clicks through to it.
    await page.evaluate(() => {
      const r = document.querySelector('access-companion-panel')!.getBoundingClientRect();
      const decoy = document.createElement('div');
      decoy.id = 'decoy';
      Object.assign(decoy.style, {
        position: 'absolute',
        left: `${r.left + scrollX}px`,
        top: `${r.top + scrollY}px`,
        width: `${r.width}px`,
        height: `${r.height}px`,
        background: 'rgba(255,255,255,0.02)',
        pointerEvents: 'none',
        zIndex: '9999',
      });
      document.body.append(decoy);
    });
    await page.waitForTimeout(300);
    await panel.getByRole('button', { name: 'Revoke access' }).click();
    await expect.poll(() => text(panel, '.parked')).toMatch(/Not done yet: The panel was covered, hidden or faded/);
    expect((await dataGrants()).filter((g: { state: string }) => g.state === 'active')).toHaveLength(1);
    await page.evaluate(() => document.getElementById('decoy')!.remove());
    // Uncovered, and on screen long enough to be read, the same click goes straight through.
    await clickArmed(panel, panel.getByRole('button', { name: 'Revoke access' }));
    await expect.poll(() => text(panel, '[data-state]'), { timeout: 15_000 }).toMatch(/^Revoked by you/);
    await page.close();
  });

  test('a panel uncovered a moment before the click is parked: it must have been seen for a while', async () => {
    const { page, panel } = await openTicket(w, 'PS-107');
    const grant = panel.getByRole('button', { name: 'Grant access' });
    await grant.hover();
    await grant.and(panel.locator('[data-armed="true"]')).waitFor();
    // The page hides the panel under an opaque decoy, then whisks it away just as the admin clicks.
    await page.evaluate(() => {
      const r = document.querySelector('access-companion-panel')!.getBoundingClientRect();
      const decoy = document.createElement('div');
      decoy.id = 'decoy';
      Object.assign(decoy.style, {
        position: 'absolute',
        left: `${r.left + scrollX}px`,
        top: `${r.top + scrollY}px`,
        width: `${r.width}px`,
        height: `${r.height}px`,
        background: '#fff',
        pointerEvents: 'none',
        zIndex: '9999',
      });
      document.body.append(decoy);
    });
    await expect.poll(() => grant.getAttribute('data-armed')).toBeNull();
    await page.evaluate(() => document.getElementById('decoy')!.remove());
    await grant.click();
    await expect.poll(() => text(panel, '.parked')).toMatch(/Not done yet: .*only just come into view/);
    expect((await dataGrants()).filter((g: { state: string }) => g.state === 'active')).toHaveLength(0);
    await page.close();
  });
});
