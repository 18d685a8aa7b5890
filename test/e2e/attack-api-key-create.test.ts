// Outside attack on Settings → API keys (issue 22's page, reviewed against issue 19's promise "a
// click is consent, and typing is not"). Deleting a key goes through the click guard and its code
// confirmation; making one did not: "Create key" was a plain submit button, and the background's
// createApiKey asked for no click evidence at all. A hostile admin page that puts a survey field
// just before our frame in tab order (the decoy-field trick) turns a person's ordinary typing
// ("Jane", Tab, "Doe", Tab, Tab, space, Enter: first name, last name, skip a question, tick a box,
// send) into a new org credential that can read the whole audit log, in the admin's name. The
// same plain button is open to every pointer trick (slivers, opacity, a frame slid under the
// pointer), since nothing on it is checked.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, consoleFrame, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { screenshot } from './harness';
import { keyConfirmation, surveyField, typeLikeAPerson } from './keyboard-consent-helpers';

let w: ConsoleWorld;
const TAG = 'access-companion-console';
const keys = async () => (await apiCall(w.api, 'alice-token', 'GET', '/v1/api-keys')).body.keys as { name: string; scopes: string[] }[];

describe('attack: API key creation by typing into the page', () => {
  beforeAll(async () => {
    w = await startConsoleWorld('alice-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  // FAULT (consent by keyboard): "Create key" is a plain submit button and createApiKey takes no
  // click evidence, so the survey's typing makes a key named "Doe" that reads the audit log.
  test.fails('"Jane", Tab, "Doe", Tab, Tab, space, Enter in a decoy survey makes no API key', async () => {
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
    await typeLikeAPerson(page, 'Doe');
    await page.keyboard.press('Tab'); // "a question to skip": our "Access checks" box
    await page.keyboard.press('Tab'); // "Email me the results": our "Read the audit log" box
    await page.keyboard.press('Space');
    await page.waitForTimeout(1500); // a person's pause before sending the survey
    await page.keyboard.press('Enter');

    // Whatever the frame does with that Enter: a key (the fault), a code confirmation (the keyboard's
    // way to consent), or a refusal. Wait until it has done one of them, then ask the API.
    const secret = frame.getByRole('region', { name: /you won't see it again/ });
    const confirming = keyConfirmation(frame, /^Confirm: /);
    const refused = frame.locator('.new-key [role="alert"], .new-key .parked');
    await expect
      .poll(async () => (await secret.count()) + (await confirming.count()) + (await refused.count()), { timeout: 15_000 })
      .toBeGreaterThan(0);
    await page.waitForTimeout(300); // the frame's height settles before the picture
    await screenshot(page, 'attack-api-key-create-typing');
    expect(await keys()).toEqual([]);
    expect(await secret.count()).toBe(0);
    await page.close();
  });
});
