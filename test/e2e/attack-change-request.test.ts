// Outside attack on the change-request card (issue 24's src/panel/change-requests.tsx), as a hostile
// vendor page: does "Approve change" follow the same guard as "Grant access"? The pointer tricks
// that park a grant (a 2-pixel sliver, a faded slot) must park an approval too; typing and Enter
// held down must not complete its code confirmation; and the page must learn nothing of the code
// from what our frame tells it: the only thing the panel posts to the page is its height
// (access-companion:height, to '*'), so that height must not depend on the code's digits.
import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { centre, fade, slowPress, sliver } from './clickjack-helpers';
import { holdEnter, keyConfirmation, shownCode, typeLikeAPerson } from './keyboard-consent-helpers';
import { apiCall, openTicket, signInThroughOptions, startTicketWorld, text, type TicketWorld } from './ticket-helpers';
import { ROUTES } from '../../src/api/contract';

let w: TicketWorld;
const TAG = 'access-companion-panel';
let n = 0;

/** Support asks to update a fresh workflow on PS-107 (granted); the panel shows its card with Approve. */
async function askedAndShown(): Promise<{ id: string; page: Page; panel: Frame; approve: ReturnType<Frame['getByRole']> }> {
  const workflow = `Attack${++n}`;
  const asked = await apiCall(
    w.api,
    'sam-token',
    ROUTES.createChangeRequest,
    { key: 'PS-107' },
    {
      action: 'update',
      resource: { type: 'workflow', id: workflow, project: 'PS' },
      reason: 'Restore the Done transition.',
      duration: 'PT2H',
    },
  );
  expect(asked.status).toBe(201);
  const { page, panel } = await openTicket(w, 'PS-107');
  const approve = panel.getByRole('button', { name: `Approve change: update workflow '${workflow}' in project PS` });
  await approve.waitFor({ timeout: 20_000 });
  return { id: asked.body.id, page, panel, approve };
}
const stateOf = async (id: string) => (await apiCall(w.api, 'bob-token', ROUTES.changeRequest, { id })).body.state as string;

async function expectParked(panel: Frame, id: string, reason: RegExp): Promise<void> {
  await expect.poll(() => text(panel, `[data-change-request="${id}"] .parked`), { timeout: 30_000 }).toMatch(reason);
  expect(await stateOf(id)).toBe('pending');
}

describe('attack: the change-request card', () => {
  beforeAll(async () => {
    w = await startTicketWorld();
    await signInThroughOptions(w, 'bob-token');
    expect((await apiCall(w.api, 'bob-token', ROUTES.grant, { key: 'PS-107' }, {})).status).toBe(201);
  });
  afterAll(async () => {
    await w?.close();
  });

  test('sliver: the slot cut to a 2-pixel strip over Approve change, pressed slowly, parks', async () => {
    const { id, page, panel, approve } = await askedAndShown();
    await slowPress(page, await sliver(page, TAG, approve));
    await expectParked(panel, id, /Not done yet: The (panel was covered, hidden or faded|page cut the panel down)/);
    await page.close();
  });

  test('opacity: the slot at 0.01 over Approve change, pressed slowly, parks', async () => {
    const { id, page, panel, approve } = await askedAndShown();
    await fade(page, TAG, 'slot', { opacity: '0.01' });
    await slowPress(page, await centre(approve));
    await expectParked(panel, id, /Not done yet: The (panel was covered, hidden or faded|page distorted the panel)/);
    await page.close();
  });

  test('keyboard: typing, Enter held down and a pasted guess complete nothing; the height the page is told never depends on the code', async () => {
    const { id, page, panel, approve } = await askedAndShown();
    // The page listens to everything our frame posts it.
    await page.evaluate(() => {
      const seen: unknown[] = [];
      (window as unknown as { seen: unknown[] }).seen = seen;
      addEventListener('message', (e) => seen.push(e.data));
    });
    const posted = () => page.evaluate(() => (window as unknown as { seen: unknown[] }).seen.slice());

    await approve.focus();
    await page.keyboard.press('Space');
    const confirmation = keyConfirmation(panel, /^Confirm: Approve the change Support asked for on PS-107: update workflow 'Attack\d+' in project PS$/);
    await confirmation.waitFor();
    await typeLikeAPerson(page, 'Doe Smith');
    await page.keyboard.press('Enter');
    await holdEnter(page);
    // A fresh confirmation for the guess (three wrong codes close one with nothing done, key-confirm.tsx).
    await page.keyboard.press('Escape');
    await confirmation.waitFor({ state: 'detached' });
    await page.keyboard.press('Space');
    await confirmation.and(panel.locator('[data-armed="true"]')).waitFor();
    // A paste of a guess (the page can fill the clipboard, the person presses Ctrl+V), then Enter.
    const code = await shownCode(panel);
    const wrong = String((Number(code) + 1) % 1000).padStart(3, '0');
    await panel.getByRole('textbox', { name: 'Confirmation code' }).evaluate((el, v) => {
      const data = new DataTransfer();
      data.setData('text/plain', v);
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
    }, wrong);
    await page.keyboard.insertText(wrong);
    await page.keyboard.press('Enter');
    await expect.poll(() => confirmation.textContent()).toMatch(/That was not the code/);
    expect(await stateOf(id)).toBe('pending');

    // The heights posted while different codes show: Escape, Space again (a fresh code), a few times.
    const heights = new Set<number>();
    const codes = new Set<string>();
    for (let round = 0; round < 6; round++) {
      await page.keyboard.press('Escape');
      await confirmation.waitFor({ state: 'detached' });
      await page.keyboard.press('Space');
      await confirmation.and(panel.locator('[data-armed="true"]')).waitFor();
      await page.waitForTimeout(200); // the ResizeObserver's report has reached the page
      codes.add(await shownCode(panel));
      const last = (await posted()).filter((m) => (m as { type?: string })?.type === 'access-companion:height').at(-1) as { height: number };
      heights.add(last.height);
    }
    expect(codes.size).toBeGreaterThan(1);
    // Every post the page received is a bare height: nothing else leaves the frame.
    for (const m of await posted()) if ((m as { type?: string })?.type?.startsWith('access-companion')) expect(Object.keys(m as object).sort()).toEqual(['height', 'type']);
    expect([...heights]).toHaveLength(1);
    expect(await stateOf(id)).toBe('pending');

    // The admin who means it types the code shown: approved.
    await typeLikeAPerson(page, await shownCode(panel));
    await page.keyboard.press('Enter');
    await expect.poll(() => stateOf(id), { timeout: 15_000 }).toBe('approved');
    await page.close();
  });
});
