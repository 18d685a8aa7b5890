// Issue 13's clickjacking tricks on the console's Guard approvals frame (Security → Support access
// requests): each parks the Guard decision for the popup and the grant keeps waiting; an honest,
// unhurried click approves at once. Gus is a Guard admin; Alice's grant on the Guard-restricted
// site waits on him.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Frame, Page } from 'playwright-core';
import { apiCall, signInThroughOptions, startTicketWorld, type TicketWorld } from './ticket-helpers';
import { consoleFrame } from './console-helpers';
import { screenshot } from './harness';
import { centre, decoy, doubleClick, fade, honestClick, humanGap, overlay, slideUnderPointer, slowPress, sliver } from './clickjack-helpers';
import { ROUTES } from '../../src/api/contract';

let w: TicketWorld;
let grantId: string;
const TAG = 'access-companion-console';
const state = async () => (await apiCall(w.api, 'alice-token', ROUTES.ticketGrants, { key: 'PS-102' })).body.grants.find((g: { id: string }) => g.id === grantId).state;

async function guardPage(): Promise<{ page: Page; frame: Frame; approve: ReturnType<Frame['locator']> }> {
  const page = await w.browser.context.newPage();
  await page.goto(w.demo.adminPageUrl('security/support-access-requests'));
  const frame = await consoleFrame(page);
  const approve = frame.locator(`tr[data-grant="${grantId}"]`).getByRole('button', { name: 'Approve' });
  await approve.waitFor();
  return { page, frame, approve };
}

// A panel slid under the pointer is caught by whichever check sees it first: the pointer/move
// check or, on a loaded machine, the visibility observer (the panel has only just come into view).
// Either parks; the test insists the park happened and nothing was granted.
async function expectParked(frame: Frame, reason: RegExp): Promise<void> {
  await expect
    .poll(
      () =>
        frame
          .getByRole('status')
          .filter({ hasText: 'PS-102' })
          .first()
          .textContent()
          .catch(() => ''),
      { timeout: 15_000 },
    )
    .toMatch(reason);
  expect(await state()).toBe('pending_guard_approval');
}
const ANY_REASON = /PS-102: Not done yet: The (panel was covered|page|pointer had only just reached).*toolbar popup/;

describe('Guard approvals frame: every trick parks, an honest click decides', () => {
  beforeAll(async () => {
    w = await startTicketWorld();
    await signInThroughOptions(w, 'gus-token');
    const made = await apiCall(w.api, 'alice-token', ROUTES.grant, { key: 'PS-102' });
    expect(made.body.state).toBe('pending_guard_approval');
    grantId = made.body.id;
  });
  afterAll(async () => {
    await w?.close();
  });

  test('sliver: the slot cut to a 2-pixel strip over Approve parks', async () => {
    const { page, frame, approve } = await guardPage();
    await slowPress(page, await sliver(page, TAG, approve));
    await expectParked(frame, ANY_REASON);
    await page.close();
  });

  test('move under the pointer: Approve slid under a pointer resting in the frame parks', async () => {
    const { page, frame, approve } = await guardPage();
    const heading = await centre(frame.getByRole('heading', { name: 'Waiting on a Guard admin' }));
    await page.mouse.move(heading.x, heading.y, { steps: 8 });
    await page.waitForTimeout(800);
    await decoy(page, TAG, approve, heading, false);
    await slideUnderPointer(page);
    await humanGap(page);
    await page.mouse.down();
    await page.mouse.up();
    await expectParked(
      frame,
      /PS-102: Not done yet: The (pointer had only just reached the panel|page moved the panel just before the click|panel was covered, hidden or faded when it was clicked, or had only just come into view)/,
    );
    await page.close();
  });

  test('decoy double-click: the first click brings Approve under the pointer, the second parks', async () => {
    const { page, frame, approve } = await guardPage();
    const at = { x: 300, y: 500 };
    await decoy(page, TAG, approve, at, true);
    await page.mouse.move(at.x, at.y, { steps: 8 });
    await page.waitForTimeout(800);
    await doubleClick(page);
    await expectParked(frame, ANY_REASON);
    await screenshot(page, 'clickjack-guard-double-click-parked');
    const popup = await w.browser.context.newPage();
    await popup.setViewportSize({ width: 400, height: 640 });
    await popup.goto(`chrome-extension://${w.browser.extensionId}/src/popup/index.html`);
    const pending = popup.getByRole('region', { name: 'Confirm pending action' });
    await expect.poll(() => pending.textContent().catch(() => ''), { timeout: 10_000 }).toMatch(/PS-102.*Held because:/);
    await screenshot(popup, 'clickjack-guard-popup-confirm');
    await pending.getByRole('button', { name: 'Dismiss' }).click();
    expect(await state()).toBe('pending_guard_approval');
    await popup.close();
    await page.close();
  });

  test('opacity: <body> faded to 0.02 parks', async () => {
    const { page, frame, approve } = await guardPage();
    await fade(page, TAG, 'body', { opacity: '0.02' });
    await slowPress(page, await centre(approve));
    await expectParked(frame, /PS-102: Not done yet: The panel was covered, hidden or faded/);
    await page.close();
  });

  test('overlay: a see-through top-layer popover over the frame parks', async () => {
    const { page, frame, approve } = await guardPage();
    await overlay(page, TAG, true);
    await slowPress(page, await centre(approve));
    await expectParked(frame, /PS-102: Not done yet: The panel was covered, hidden or faded/);
    await page.close();
  });

  test('honest: the pointer comes in, rests on Approve, presses: approved at once', async () => {
    const { page, frame, approve } = await guardPage();
    await honestClick(page, frame, approve);
    await expect.poll(() => frame.getByRole('status').filter({ hasText: 'PS-102' }).first().textContent()).toMatch(/PS-102: approved/);
    expect(await state()).toBe('active');
    await page.close();
  });
});
