// Issue 19 on the admin console: the decoy-field trick approved a Guard hold (gus, PS-102) when the
// Guard admin typed into the page's survey. Typing into the page must approve nothing; a Guard
// admin who means it approves from the keyboard through the code confirmation. A bulk grant ticked
// and pressed from the keyboard goes through its confirmation too, which names every ticket.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, consoleFrame, signIn, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { screenshot } from './harness';
import { honestClick } from './clickjack-helpers';
import { seriousViolations } from './axe-helpers';
import { expectConfirmationStyled, keyConfirmation, shownCode, surveyField, typeLastNameAndSend, typeLikeAPerson } from './keyboard-consent-helpers';
import { ROUTES } from '../../src/api/contract';

let w: ConsoleWorld;
const TAG = 'access-companion-console';
const grantState = async (key: string, id: string) => (await apiCall(w.api, 'alice-token', ROUTES.ticketGrants, { key })).body.grants.find((g: { id: string }) => g.id === id)?.state;

describe('console: typing into the page never decides', () => {
  beforeAll(async () => {
    w = await startConsoleWorld('gus-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('Guard approvals: "Jane", Tab, "Doe Smith", Enter from a decoy field approves nothing; the code from the keyboard approves', async () => {
    // Alice grants PS-102 on the Guard-restricted site: held for a Guard admin (gus).
    const held = await apiCall(w.api, 'alice-token', ROUTES.grant, { key: 'PS-102' });
    expect(held.body.state).toBe('pending_guard_approval');
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('security/support-access-requests'));
    const frame = await consoleFrame(page);
    const row = frame.locator(`tr[data-grant="${held.body.id}"]`);
    await row.getByRole('button', { name: 'Approve' }).waitFor();
    await expect.poll(() => row.getByRole('button', { name: 'Approve' }).isEnabled()).toBe(true);

    await surveyField(page, TAG, 'before-host');
    await page.locator('#survey').click();
    await typeLikeAPerson(page, 'Jane');
    // The row's first stops are the ticket link and what Support will see: the survey asks for
    // more fields, so the person tabs on until the next one is (they think) the last name, which
    // the page has put on Approve.
    const approveFocused = () => frame.evaluate(() => document.activeElement?.textContent === 'Approve');
    for (let i = 0; i < 8 && !(await approveFocused()); i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Shift+Tab');
    await typeLastNameAndSend(page);
    const confirmation = keyConfirmation(frame, /^Confirm: Approve Support's access to PS-102 \(.+\), granted by Alice Ng$/);
    await expect.poll(async () => ((await confirmation.count()) > 0 ? 'confirming' : `grant ${await grantState('PS-102', held.body.id)}`), { timeout: 15_000 }).toBe('confirming');
    expect(await grantState('PS-102', held.body.id)).toBe('pending_guard_approval');
    expect(await frame.locator('.result').count()).toBe(0);
    await page.waitForTimeout(300); // the frame's height settles before the picture
    await screenshot(page, 'keyboard-consent-console-guard');
    await expectConfirmationStyled(frame);
    expect(await seriousViolations(frame)).toEqual([]);

    // The Guard admin, meaning it: the code the confirmation shows, then Enter.
    await page.locator('#survey').evaluate((el) => el.parentElement!.remove());
    await confirmation.and(frame.locator('[data-armed="true"]')).waitFor();
    await frame.getByRole('textbox', { name: 'Confirmation code' }).focus();
    await typeLikeAPerson(page, await shownCode(frame));
    await page.keyboard.press('Enter');
    await expect.poll(() => frame.getByRole('status').filter({ hasText: 'PS-102' }).first().textContent(), { timeout: 15_000 }).toMatch(/PS-102: approved \(active\)/);
    expect(await grantState('PS-102', held.body.id)).toBe('active');
    await page.close();
  });

  test('bulk grant from the keyboard: ticks and the button confirm with the code, naming every ticket; a mouse press over keyboard ticks is parked', async () => {
    await signIn(w, 'alice-token');
    const live = async () => (await apiCall(w.api, 'alice-token', ROUTES.grants, { query: { state: 'active,pending_guard_approval' } })).body.grants.map((g: { ticket: string }) => g.ticket);
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('settings/support-access'));
    const frame = await consoleFrame(page);
    await frame.getByRole('table', { name: 'Outstanding Support requests' }).waitFor();
    for (const key of ['PS-101', 'PS-107']) {
      await frame.getByRole('checkbox', { name: `Select ${key}` }).focus();
      await page.keyboard.press('Space');
    }
    const bulk = frame.getByRole('button', { name: /Grant data access to selected \(2\)/ });
    await bulk.focus();
    await page.keyboard.press('Enter');
    const confirmation = keyConfirmation(frame, /^Confirm: Grant Support access to PS-101, PS-107$/);
    await confirmation.and(frame.locator('[data-armed="true"]')).waitFor();
    expect(await live()).not.toContain('PS-101');
    await typeLikeAPerson(page, await shownCode(frame));
    await page.keyboard.press('Enter');
    await expect.poll(live, { timeout: 15_000 }).toEqual(expect.arrayContaining(['PS-101', 'PS-107']));
    expect(await frame.locator('.parked').count()).toBe(0);

    // A keyboard tick is not vouched for by itself: pressing the button with the mouse over it is parked.
    const tick = frame.getByRole('checkbox', { name: 'Select PS-105' });
    await tick.focus();
    await page.keyboard.press('Space');
    await honestClick(page, frame, frame.getByRole('button', { name: /Grant data access to selected \(1\)/ }));
    await expect.poll(() => frame.locator('.parked').textContent(), { timeout: 15_000 }).toMatch(/Some of the selected rows were ticked by a click Access Companion could not vouch for/);
    expect(await live()).not.toContain('PS-105');
    await page.close();
  });
});
