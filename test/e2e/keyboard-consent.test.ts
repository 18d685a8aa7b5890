// Issue 19, "a click is consent, and typing is not", on the ticket panel: a hostile portal brings
// the admin's typing onto Grant access (a decoy field before the panel in tab order, a script that
// focuses our host, an access key on it, autofocus after navigation, Enter held down). Each trick
// ends with keys landing on our control; none may grant: a keyboard press opens the in-frame code
// confirmation, which the rest of the typing cannot complete. A keyboard user who means it still
// grants, by typing the code the confirmation shows (and hears it announced).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Frame, Page } from 'playwright-core';
import { apiCall, openTicket, shoot, signInThroughOptions, startTicketWorld, text, type TicketWorld } from './ticket-helpers';
import { seriousViolations } from './axe-helpers';
import {
  accessKeyOnHost,
  focusHostOnTab,
  holdEnter,
  expectConfirmationStyled,
  keyConfirmation,
  pressAccessKey,
  shownCode,
  surveyField,
  typeLastNameAndSend,
  typeLikeAPerson,
} from './keyboard-consent-helpers';
import { KEY_CONFIRM_MAX_MISSES } from '../../src/shared-ext/key-confirm';
import { ROUTES } from '../../src/api/contract';

let w: TicketWorld;
const TAG = 'access-companion-panel';
/** Every data grant PS-107 has ever had, in any state (Support's request among them): a grant made and revoked again still shows. */
const dataGrants = async () => (await apiCall(w.api, 'alice-token', ROUTES.ticketGrants, { key: 'PS-107' })).body.grants.filter((g: { kind: string }) => g.kind === 'data');
const LIVE = ['active', 'pending_guard_approval'];
const liveGrants = async () => (await dataGrants()).filter((g: { state: string }) => LIVE.includes(g.state));
const CONFIRM_GRANT = /^Confirm: Grant Support access to PS-107/;

/** How many data grants PS-107 had when the trick began. */
let grantsBefore = 0;

/** PS-107 open with no live grant (one an earlier case left is revoked first); the Grant button on screen. */
async function freshPanel(): Promise<{ page: Page; panel: Frame }> {
  for (const g of await liveGrants()) await apiCall(w.api, 'alice-token', ROUTES.revoke, { id: g.id });
  grantsBefore = (await dataGrants()).length;
  const opened = await openTicket(w, 'PS-107');
  await opened.panel.getByRole('button', { name: 'Grant access' }).waitFor();
  return opened;
}

/**
 * After a trick: the keys reached our control (the confirmation opened; on code without it, the
 * grant went through instead), nothing is live, no grant was added in any state, and nothing parked.
 */
async function expectNothingGranted(panel: Frame): Promise<void> {
  await expect
    .poll(
      async () => ((await keyConfirmation(panel, CONFIRM_GRANT).count()) > 0 ? 'confirming' : `${(await dataGrants()).length - grantsBefore} new grants; panel: ${await text(panel, '[data-state]')}`),
      { timeout: 15_000 },
    )
    .toBe('confirming');
  expect(await liveGrants()).toEqual([]);
  expect((await dataGrants()).length).toBe(grantsBefore);
  expect(await panel.locator('.parked').count()).toBe(0);
  expect(await text(panel, '[data-state]')).not.toMatch(/^(Active|Waiting on Guard)/);
}

describe('ticket panel: typing into the page never grants', () => {
  beforeAll(async () => {
    w = await startTicketWorld();
    await signInThroughOptions(w, 'alice-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('1. a decoy field just before the panel in tab order: "Jane", Tab, "Doe Smith", Enter grants nothing', async () => {
    const { page, panel } = await freshPanel();
    await surveyField(page, TAG, 'before-host');
    await page.locator('#survey').click();
    await typeLikeAPerson(page, 'Jane');
    await typeLastNameAndSend(page);
    await expectNothingGranted(panel);
    // The rest of the typing went into the code field, and its Enter drew a new code instead of confirming.
    await expect.poll(() => text(panel, '.key-confirm-how')).toMatch(/^That was not the code\. Type the code \d \d \d, then press Enter/);
    await shoot(page, 'keyboard-consent-decoy');
    await expectConfirmationStyled(panel);
    expect(await seriousViolations(panel)).toEqual([]);
    await page.close();
  });

  test('2. a page script focuses our host element as the person tabs: nothing granted', async () => {
    const { page, panel } = await freshPanel();
    // The survey sits at the end of the page: after the panel in tab order, so only the script brings Tab to us.
    await surveyField(page, TAG, 'end');
    await focusHostOnTab(page, TAG);
    await page.locator('#survey').click();
    await typeLikeAPerson(page, 'Jane');
    await typeLastNameAndSend(page);
    await expectNothingGranted(panel);
    await page.close();
  });

  test('3. an access key the page put on our host, then Tab and typing: nothing granted', async () => {
    const { page, panel } = await freshPanel();
    await accessKeyOnHost(page, TAG, 'k');
    await pressAccessKey(page, 'k');
    expect(await page.evaluate((tag) => document.activeElement?.tagName.toLowerCase() === tag, TAG)).toBe(true);
    await typeLastNameAndSend(page);
    await expectNothingGranted(panel);
    await page.close();
  });

  test('4. autofocus on a field before the panel after the page loads: typing straight on grants nothing', async () => {
    const { page, panel } = await freshPanel();
    await surveyField(page, TAG, 'before-host', { autofocus: true });
    // Nobody clicked anything: the page's autofocus put the cursor in its field.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('survey');
    await typeLikeAPerson(page, 'Jane');
    await typeLastNameAndSend(page);
    await expectNothingGranted(panel);
    await page.close();
  });

  test('5. Enter held down as focus reaches Grant: the repeats never confirm', async () => {
    const { page, panel } = await freshPanel();
    await surveyField(page, TAG, 'before-host');
    await page.locator('#survey').click();
    await typeLikeAPerson(page, 'Jane');
    await page.keyboard.press('Tab');
    await holdEnter(page);
    await expectNothingGranted(panel);
    // Held-down Enter is not even an attempt: the first code still stands.
    expect(await text(panel, '.key-confirm-how')).toMatch(/^Type the code/);
    await page.close();
  });

  test('a keyboard user who means it grants: Enter opens the confirmation, announced; a wrong code grants nothing; the shown code grants', async () => {
    const { page, panel } = await freshPanel();
    const grant = panel.getByRole('button', { name: 'Grant access' });
    await grant.focus();
    await page.keyboard.press('Enter');
    const confirmation = keyConfirmation(panel, CONFIRM_GRANT);
    await confirmation.waitFor();
    // Announced: an assertive live region says what it confirms and the code, and focus is in the code field.
    const live = panel.locator('[aria-live="assertive"]');
    await expect.poll(() => live.textContent()).toMatch(/^Confirm: Grant Support access to PS-107\. Type the code \d \d \d, then press Enter\. Escape cancels\.$/);
    expect(await live.getAttribute('aria-atomic')).toBe('true');
    // Focus moves into the code field once the confirmation has rendered (an effect): wait for it.
    await expect.poll(() => panel.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Confirmation code');
    await confirmation.and(panel.locator('[data-armed="true"]')).waitFor();
    await shoot(page, 'keyboard-consent-confirm');

    // A wrong code: nothing granted, a new code, and the miss is announced.
    const first = await shownCode(panel);
    const wrong = first === '000' ? '111' : '000';
    await typeLikeAPerson(page, wrong);
    await page.keyboard.press('Enter');
    await expect.poll(() => live.textContent()).toMatch(/^That was not the code\. Confirm: Grant Support access to PS-107/);
    expect(await liveGrants()).toEqual([]);

    // Escape cancels and gives focus back to the control; Enter there opens a fresh confirmation.
    await page.keyboard.press('Escape');
    await expect.poll(() => confirmation.count()).toBe(0);
    expect(await panel.evaluate(() => document.activeElement?.textContent)).toBe('Grant access');
    await page.keyboard.press('Enter');
    await confirmation.and(panel.locator('[data-armed="true"]')).waitFor();

    // Guessing is capped: after KEY_CONFIRM_MAX_MISSES wrong codes the confirmation closes with
    // nothing done, says so, and gives focus back to the control (a page cannot keep a person
    // typing digits into one confirmation).
    for (let miss = 0; miss < KEY_CONFIRM_MAX_MISSES; miss++) {
      const shown = await shownCode(panel);
      await typeLikeAPerson(page, shown === '000' ? '111' : '000');
      await page.keyboard.press('Enter');
    }
    await expect.poll(() => confirmation.count()).toBe(0);
    await expect.poll(() => live.textContent()).toBe(`${KEY_CONFIRM_MAX_MISSES} wrong codes: nothing was done. Press the button again to start over.`);
    expect(await panel.evaluate(() => document.activeElement?.textContent)).toBe('Grant access');
    expect(await liveGrants()).toEqual([]);
    await page.keyboard.press('Enter');
    await confirmation.and(panel.locator('[data-armed="true"]')).waitFor();

    await typeLikeAPerson(page, await shownCode(panel));
    await page.keyboard.press('Enter');
    await expect.poll(() => text(panel, '[data-state]'), { timeout: 15_000 }).toMatch(/^Active: Support has access · granted by you/);
    const granted = await liveGrants();
    expect(granted).toHaveLength(1);
    expect(granted[0]).toMatchObject({ state: 'active', grantedBy: 'alice' });
    expect(await panel.locator('.parked').count()).toBe(0);
    expect(await confirmation.count()).toBe(0);
    // Revoke from the keyboard asks the same way rather than revoking.
    await panel.getByRole('button', { name: 'Revoke access' }).focus();
    await page.keyboard.press('Enter');
    await keyConfirmation(panel, /^Confirm: Revoke Support's access to PS-107/).waitFor();
    expect(await liveGrants()).toHaveLength(1);
    await page.close();
  });
});
