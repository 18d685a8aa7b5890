// Issue 19 on the requester's frame (the vendor's "You don't have access" page): "Request access"
// is a guarded button too, so typing into the page's fields must not send a request; a person who
// means it sends it from the keyboard with the code the confirmation shows.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Frame, Page } from 'playwright-core';
import { apiCall, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { screenshot } from './harness';
import { seriousViolations } from './axe-helpers';
import { expectConfirmationStyled, keyConfirmation, shownCode, surveyField, typeLastNameAndSend, typeLikeAPerson } from './keyboard-consent-helpers';
import { ROUTES } from '../../src/api/contract';

let w: ConsoleWorld;
const SITE = 'https://acme.atlassian.net';
const myRequests = async () => (await apiCall(w.api, 'oscar-token', ROUTES.myAccessRequests)).body.requests as unknown[];

async function requestFrame(page: Page, timeout = 20_000): Promise<Frame> {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const frame of page.frames()) {
      if (!frame.url().includes('/src/request/index.html') || frame.isDetached()) continue;
      if (
        (await frame
          .getByRole('button', { name: /Request access/ })
          .count()
          .catch(() => 0)) > 0
      )
        return frame;
    }
    if (Date.now() > deadline) throw new Error(`no request-access button on ${page.url()}`);
    await page.waitForTimeout(100);
  }
}

describe('request access: typing into the page never sends a request', () => {
  beforeAll(async () => {
    w = await startConsoleWorld('oscar-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('"Jane", Tab, "Doe Smith", Enter from a decoy field before the frame sends nothing; the shown code sends it', async () => {
    const before = (await myRequests()).length;
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.productPageUrl(SITE, 'wiki', 'oscar'));
    const frame = await requestFrame(page);
    await surveyField(page, 'access-companion-request', 'before-host');
    await page.locator('#survey').click();
    await typeLikeAPerson(page, 'Jane');
    await typeLastNameAndSend(page);
    const confirmation = keyConfirmation(frame, /^Confirm: Request access to Confluence on acme\.atlassian\.net for yourself$/);
    await expect.poll(async () => ((await confirmation.count()) > 0 ? 'confirming' : `${(await myRequests()).length - before} new requests`), { timeout: 15_000 }).toBe('confirming');
    expect(await myRequests()).toHaveLength(before);
    await page.waitForTimeout(300); // the frame's height settles before the picture
    await screenshot(page, 'keyboard-consent-request');
    await expectConfirmationStyled(frame);
    expect(await seriousViolations(frame)).toEqual([]);

    await confirmation.and(frame.locator('[data-armed="true"]')).waitFor();
    await frame.getByRole('textbox', { name: 'Confirmation code' }).focus();
    await typeLikeAPerson(page, await shownCode(frame));
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await myRequests()).length, { timeout: 15_000 }).toBe(before + 1);
    await page.close();
  });
});
