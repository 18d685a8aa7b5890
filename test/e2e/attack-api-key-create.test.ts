// Outside attack on Settings → API keys (issue 22's page, reviewed against issue 19's promise "a
// click is consent, and typing is not"). Deleting a key goes through the click guard and its code
// confirmation; making one did not: "Create key" was a plain submit button, and the background's
// createApiKey asked for no click evidence at all. A hostile admin page that puts a survey field
// just before our frame in tab order (the decoy-field trick) turns a person's ordinary typing
// ("Jane", Tab, "Doe", Tab, Tab, space, Enter: first name, last name, skip a question, tick a box,
// send) into a new org credential that can read the whole audit log, in the admin's name. The
// same plain button was open to every pointer trick (slivers, opacity, a frame slid under the
// pointer), since nothing on it was checked. Now Create key is a GuardedButton, Enter in a field
// sends nothing, and the background makes a key only for a press it can vouch for.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, consoleFrame, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { screenshot } from './harness';
import { keyConfirmation, shownCode, surveyField, typeLastNameAndSend, typeLikeAPerson } from './keyboard-consent-helpers';
import { ROUTES } from '../../src/api/contract';

let w: ConsoleWorld;
const TAG = 'access-companion-console';
const keys = async () => (await apiCall(w.api, 'alice-token', ROUTES.apiKeys)).body.keys as { name: string; scopes: string[] }[];

describe('attack: API key creation by typing into the page', () => {
  beforeAll(async () => {
    w = await startConsoleWorld('alice-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('"Jane", Tab, "Doe", Tab, Tab, space, Enter in a decoy survey makes no API key; Create key from the keyboard asks for its code', async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('settings/api-keys'));
    const frame = await consoleFrame(page);
    await expect.poll(() => frame.getByText('No API keys yet.').count(), { timeout: 15_000 }).toBe(1);
    expect(await keys()).toEqual([]);

    // The page's survey, placed just before our frame in tab order; the person fills it in.
    await surveyField(page, TAG, 'before-host');
    await page.locator('#survey').click();
    await typeLikeAPerson(page, 'Jane');
    await page.keyboard.press('Tab'); // "last name": lands in our frame's Name field
    // A person types once the caret is there; focus crossing into the frame can take a moment on a busy machine.
    await expect.poll(() => frame.getByLabel('Name').evaluate((e) => e === document.activeElement && document.hasFocus()), { timeout: 5_000 }).toBe(true);
    await typeLikeAPerson(page, 'Doe');
    await page.keyboard.press('Tab'); // "a question to skip": our "Access checks" box
    await page.keyboard.press('Tab'); // "Email me the results": our "Read the audit log" box
    await page.keyboard.press('Space');
    await page.waitForTimeout(1500); // a person's pause before sending the survey
    await page.keyboard.press('Enter');
    // The typing did reach our form (the attack got that far)...
    expect(await frame.getByLabel('Name').inputValue()).toBe('Doe');
    expect(await frame.getByRole('checkbox', { name: /Read the audit log/ }).isChecked()).toBe(true);
    // ...and its Enter sends nothing. Before the fix the secret of a key named "Doe" was on screen
    // well within this look at the page.
    await page.waitForTimeout(2000);
    expect(await frame.getByRole('region', { name: /you won't see it again/ }).count()).toBe(0);
    expect(await keys()).toEqual([]);

    // Focus on Create key itself (a page can bring it there too): Enter opens the code confirmation,
    // which names the key and what it can do; the rest of the survey's typing completes nothing.
    await frame.getByRole('button', { name: 'Create key' }).focus();
    await page.keyboard.press('Enter');
    const confirmation = keyConfirmation(frame, /^Confirm: Create the API key “Doe”, which can: Read the audit log and its stream$/);
    await confirmation.waitFor();
    await typeLastNameAndSend(page);
    expect(await keys()).toEqual([]);
    await page.waitForTimeout(300); // the frame's height settles before the picture
    await screenshot(page, 'attack-api-key-create-typing');

    // The admin who means it: the code shown, then Enter.
    await page.locator('#survey').evaluate((el) => el.parentElement!.remove());
    await confirmation.and(frame.locator('[data-armed="true"]')).waitFor();
    await frame.getByRole('textbox', { name: 'Confirmation code' }).focus();
    await typeLikeAPerson(page, await shownCode(frame));
    await page.keyboard.press('Enter');
    await frame.getByRole('region', { name: /you won't see it again/ }).waitFor({ timeout: 15_000 });
    expect((await keys()).map((k) => [k.name, k.scopes])).toEqual([['Doe', ['audit_read']]]);
    await page.close();
  });

  test('a press on Create key by a pointer that has only just arrived (a frame slid under it) makes no key, and says why', async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('settings/api-keys'));
    const frame = await consoleFrame(page);
    await frame.getByLabel('Name').fill('slid');
    await frame.getByRole('checkbox', { name: /SCIM/ }).check();
    const before = (await keys()).length;
    // Playwright's click moves the pointer onto the button and presses at once: no dwell in the frame.
    await frame.getByRole('button', { name: 'Create key' }).click();
    await expect.poll(() => frame.getByRole('alert').textContent(), { timeout: 15_000 }).toMatch(/^Nothing was created\. /);
    expect(await keys()).toHaveLength(before);
    await page.close();
  });
});
