// The AI-conversation grant in the ticket panel (issue 23, "Enough to decide on"): conversations by
// title and owner where the API knows them, picked one by one (nothing until ticked), by pointer or
// by keyboard alone; the grant covers exactly the picked ones, the rest say "Not approved", and the
// audit log's revoke names them.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { clickArmed } from './harness';
import { keyConfirmation, shownCode, typeLikeAPerson } from './keyboard-consent-helpers';
import { apiCall, openTicket, shoot, signInThroughOptions, startTicketWorld, text, type TicketWorld } from './ticket-helpers';
import { ROUTES } from '../../src/api/contract';

let w: TicketWorld;
const aiCheck = (conversation: string) => apiCall(w.api, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-105', resource: { type: 'ai_conversation', conversation } });
const liveAiGrants = async () =>
  ((await apiCall(w.api, 'alice-token', ROUTES.ticketGrants, { key: 'PS-105' })).body.grants as { kind: string; state: string; id: string; conversations: string[] }[]).filter(
    (g) => g.kind === 'ai_conversations' && g.state === 'active',
  );

describe('ticket panel: picking AI conversations', () => {
  beforeAll(async () => {
    w = await startTicketWorld();
    await signInThroughOptions(w, 'alice-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('titles and owners; nothing ticked, nothing to approve; a pointer picks one and only it is granted', async () => {
    const { page, panel } = await openTicket(w, 'PS-105');
    const ai = panel.getByRole('region', { name: 'AI conversations' });
    const group = ai.getByRole('group', { name: 'Conversations Support may read' });
    await group.waitFor({ timeout: 15_000 });
    const boxes = group.getByRole('checkbox');
    expect(await boxes.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))).toEqual([
      'Let Support read “Why does the nightly export stop at 2 AM?” (Tomás Ferreira), rovo-conv-8812',
      'Let Support read rovo-conv-8813',
    ]);
    expect(await text(panel, '[data-conversation="rovo-conv-8812"]')).toBe("Why does the nightly export stop at 2 AM?Tomás Ferreira's conversation · rovo-conv-8812");
    expect(await text(panel, '[data-conversation="rovo-conv-8813"]')).toBe('Title not knownrovo-conv-8813');
    const approveNone = ai.getByRole('button', { name: 'Approve AI conversations' });
    expect(await approveNone.isDisabled()).toBe(true);
    expect(await text(panel, '.ai .disabled-reason')).toBe('Tick the conversations Support may read.');
    await shoot(page, 'ticket-ai-pick');

    await clickArmed(panel, boxes.first());
    const approve = ai.getByRole('button', { name: 'Approve 1 AI conversation' });
    await shoot(page, 'ticket-ai-picked-one');
    await clickArmed(panel, approve);
    await expect.poll(() => ai.locator('[data-state]').first().textContent(), { timeout: 15_000 }).toMatch(/^Active/);
    expect((await liveAiGrants()).map((g) => g.conversations)).toEqual([['rovo-conv-8812']]);
    expect((await aiCheck('rovo-conv-8812')).body.allowed).toBe(true);
    expect((await aiCheck('rovo-conv-8813')).body.allowed).toBe(false);
    // What was not picked says so, with how to add it.
    expect(await text(panel, '.ai .not-granted')).toBe('Not approved: rovo-conv-8813. To add it, revoke this grant and approve again with it ticked.');
    await shoot(page, 'ticket-ai-one-approved');

    await clickArmed(panel, ai.getByRole('button', { name: 'Revoke AI conversations' }));
    await expect.poll(() => ai.locator('[data-state]').first().textContent(), { timeout: 15_000 }).toMatch(/^Revoked/);
    expect((await aiCheck('rovo-conv-8812')).body.allowed).toBe(false);
    // The audit log says which conversations the revoke ended.
    const audit = await apiCall(w.api, 'alice-token', ROUTES.audit, { query: { ticket: 'PS-105' } });
    const revoke = audit.body.entries.find((e: { action: string; resource: { kind?: string } }) => e.action === 'grant.revoke' && e.resource.kind === 'ai_conversations');
    expect(revoke.resourceName).toBe('AI conversations “Why does the nightly export stop at 2 AM?” (Tomás Ferreira) on PS-105');
    await page.close();
  });

  test('by keyboard alone: Space ticks, Enter opens the confirmation naming the picked conversations, the code grants them', async () => {
    const { page, panel } = await openTicket(w, 'PS-105');
    const ai = panel.getByRole('region', { name: 'AI conversations' });
    const boxes = ai.getByRole('group', { name: 'Conversations Support may read' }).getByRole('checkbox');
    await boxes.first().waitFor({ timeout: 15_000 });
    await boxes.first().focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    expect(await boxes.evaluateAll((els) => els.map((e) => (e as HTMLInputElement).checked))).toEqual([true, true]);
    // Tab reaches the approve button next, and Enter opens its code confirmation.
    await page.keyboard.press('Tab');
    expect(await panel.evaluate(() => document.activeElement?.textContent)).toBe('Approve 2 AI conversations');
    await page.keyboard.press('Enter');
    const confirmation = keyConfirmation(panel, /^Confirm: Let Support read 2 AI conversations “Why does the nightly export stop at 2 AM\?” \(Tomás Ferreira\), rovo-conv-8813 on PS-105/);
    await confirmation.and(panel.locator('[data-armed="true"]')).waitFor({ timeout: 15_000 });
    await expect.poll(() => panel.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Confirmation code');
    await shoot(page, 'ticket-ai-keyboard-confirm');
    // The screenshot resized the window under the confirmation: Escape, and a fresh one from Enter.
    await page.keyboard.press('Escape');
    await expect.poll(() => confirmation.count()).toBe(0);
    expect(await panel.evaluate(() => document.activeElement?.textContent)).toBe('Approve 2 AI conversations');
    await page.keyboard.press('Enter');
    await confirmation.and(panel.locator('[data-armed="true"]')).waitFor({ timeout: 15_000 });
    await typeLikeAPerson(page, await shownCode(panel));
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await liveAiGrants()).map((g) => g.conversations), { timeout: 15_000 }).toEqual([['rovo-conv-8812', 'rovo-conv-8813']]);
    expect((await aiCheck('rovo-conv-8813')).body.allowed).toBe(true);
    await expect.poll(() => ai.locator('[data-state]').first().textContent(), { timeout: 15_000 }).toMatch(/^Active/);
    expect(await panel.locator('.ai .not-granted').count()).toBe(0);
    await page.close();
  });
});
