// The ticket panel for an admin who may grant: the role is shown; grant → active and the engineer's
// access check is allowed; revoke → refused; the panel shows each state.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, openTicket, shoot, signInThroughOptions, startTicketWorld, text, type TicketWorld } from './ticket-helpers';
import { clickArmed } from './harness';
import { ROUTES } from '../../src/api/contract';

let w: TicketWorld;
const check = () => apiCall(w.api, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-101', resource: { type: 'page', id: 'export-settings' } });

describe('ticket panel: an admin who can grant', () => {
  beforeAll(async () => {
    w = await startTicketWorld();
    await signInThroughOptions(w, 'priya-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('role shown; grant → active, Support allowed; revoke → refused', async () => {
    const { page, panel } = await openTicket(w, 'PS-101');
    expect(await text(panel, '.decision')).toMatch(/You can grant Support access as Product admin/);
    expect(await text(panel, '[data-state]')).toMatch(/No grant yet|Requested/);
    expect(await panel.locator('.wont li').first().isVisible()).toBe(true); // open before deciding
    expect(await text(panel, '.scope .summary')).toMatch(/Confluence on acme\.atlassian\.net/);
    expect(await panel.locator('.wont li').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/other sites|AI/i)]));
    await shoot(page, 'ticket-allowed-before-grant');
    expect((await check()).body.allowed).toBe(false);

    await clickArmed(panel, panel.getByRole('button', { name: 'Grant access' }));
    await expect.poll(() => text(panel, '[data-state]'), { timeout: 15_000 }).toMatch(/^Active: Support has access · granted by you/);
    expect((await check()).body.allowed).toBe(true);
    // Newest first: the allowed read above the refused one from before the grant.
    await expect
      .poll(() => panel.locator('.activity li').allTextContents(), { timeout: 15_000 })
      .toEqual([expect.stringMatching(/^Sam Ortiz · Opened page export-settings(?! \(refused\))/), expect.stringMatching(/^Sam Ortiz · Opened page export-settings \(refused\)/)]);
    await shoot(page, 'ticket-allowed-active');

    await clickArmed(panel, panel.getByRole('button', { name: 'Revoke access' }));
    await expect.poll(() => text(panel, '[data-state]'), { timeout: 15_000 }).toMatch(/^Revoked by you/);
    const after = await check();
    expect(after.body.allowed).toBe(false);
    expect(await panel.getByRole('button', { name: 'Grant access' }).isVisible()).toBe(true);
    await shoot(page, 'ticket-allowed-revoked');
    await page.close();
  });

  test('the AI-conversation grant lists the exact conversations and is approved and revoked on its own', async () => {
    const { page, panel } = await openTicket(w, 'PS-106');
    const ai = panel.getByRole('region', { name: 'AI conversations' });
    expect(await ai.locator('.conversations li').allTextContents()).toEqual(["Which space does the onboarding guide live in?Priya Raman's conversation · rovo-conv-9001"]);
    const aiCheck = (conversation: string) => apiCall(w.api, 'lee-token', ROUTES.checkAccess, { ticket: 'PS-106', resource: { type: 'ai_conversation', conversation } });
    expect((await aiCheck('rovo-conv-9001')).body.allowed).toBe(false);

    // A person scrolls, looks, then clicks: the click counts once the button has been on screen a while.
    // Nothing is approved until the admin ticks what Support may read (issue 23).
    expect(await panel.getByRole('button', { name: 'Approve AI conversations' }).isDisabled()).toBe(true);
    await clickArmed(panel, ai.getByRole('checkbox', { name: /Which space does the onboarding guide live in/ }));
    await clickArmed(panel, panel.getByRole('button', { name: 'Approve 1 AI conversation' }));
    await expect.poll(() => ai.locator('[data-state]').textContent(), { timeout: 15_000 }).toMatch(/^Active/);
    expect((await aiCheck('rovo-conv-9001')).body.allowed).toBe(true);
    expect((await aiCheck('rovo-conv-9002')).body.allowed).toBe(false);
    // The narrower grant gives no data access, and the data grant is untouched.
    const page1 = await apiCall(w.api, 'lee-token', ROUTES.checkAccess, { ticket: 'PS-106', resource: { type: 'page', id: 'x' } });
    expect(page1.body.allowed).toBe(false);
    expect(await text(panel, '.grant [data-state]')).toMatch(/^No grant yet/);
    await shoot(page, 'ticket-ai-approved');

    await clickArmed(panel, panel.getByRole('button', { name: 'Revoke AI conversations' }));
    await expect.poll(() => ai.locator('[data-state]').textContent(), { timeout: 15_000 }).toMatch(/^Revoked/);
    expect((await aiCheck('rovo-conv-9001')).body.allowed).toBe(false);
    await page.close();
  });
});
