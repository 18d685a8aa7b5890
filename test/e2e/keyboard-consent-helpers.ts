// The tricks a hostile vendor page plays to make a person's typing land on our framed controls
// (issue 19, "a click is consent, and typing is not"), and the person who types. The page cannot
// reach into our frame, but it decides where keyboard focus goes: each trick below ends with focus
// arriving in our frame on the person's own Tab (or the page's doing), while the person believes they
// are filling in the page's survey. Input goes through the browser as a person's does (Playwright's
// keyboard, or the DevTools protocol where a key needs a modifier's character event).
import type { Frame, Page } from 'playwright-core';
import { expect } from 'vitest';

export type HostTag = 'access-companion-panel' | 'access-companion-console' | 'access-companion-request';

/** A person's typing speed (ms between keys): fast enough to run on, slow enough to be a person. */
const KEY_GAP_MS = 90;
/** The pause before a person presses Enter to send a form they have filled in. */
const BEFORE_SUBMIT_MS = 1500;

/** Types `text` key by key, as a person does. */
export const typeLikeAPerson = (page: Page, text: string) => page.keyboard.type(text, { delay: KEY_GAP_MS });

/**
 * The survey's fields, as the page's decoy: a fixed, out-of-flow input in the corner with a visible
 * label. `where`: 'before-host' puts it just before our host in the DOM (so Tab from it goes into our
 * frame); 'end' puts it at the end of the body (after our frame in tab order).
 */
export async function surveyField(page: Page, tag: HostTag, where: 'before-host' | 'end', attrs: { autofocus?: boolean } = {}): Promise<void> {
  await page.evaluate(
    ([tag, where, autofocus]) => {
      const host = document.querySelector(tag)!;
      const box = document.createElement('div');
      Object.assign(box.style, {
        position: 'fixed',
        left: '16px',
        bottom: '16px',
        width: '320px',
        padding: '12px',
        background: '#fffbe6',
        border: '1px solid #e2b203',
        zIndex: '5',
        font: '14px sans-serif',
      });
      const label = document.createElement('label');
      label.htmlFor = 'survey';
      label.textContent = 'Satisfaction survey — first name';
      const input = document.createElement('input');
      input.id = 'survey';
      input.autofocus = autofocus;
      Object.assign(input.style, { display: 'block', width: '100%', marginTop: '4px' });
      box.append(label, input);
      if (where === 'before-host') host.before(box);
      else document.body.append(box);
    },
    [tag, where, attrs.autofocus ?? false] as const,
  );
}

/** Trick 2: when the person presses Tab in the survey, the page's script focuses our host element, so the Tab's own move carries on from there into our frame. */
export async function focusHostOnTab(page: Page, tag: HostTag): Promise<void> {
  await page.evaluate((tag) => {
    const host = document.querySelector(tag) as HTMLElement;
    document.getElementById('survey')!.addEventListener('keydown', (e) => {
      if (e.key !== 'Tab') return;
      host.tabIndex = -1;
      host.focus();
    });
  }, tag);
}

/** Trick 3: the page gives our host an access key ("Alt+K opens the survey, then Tab to the first question"). */
export async function accessKeyOnHost(page: Page, tag: HostTag, key: string): Promise<void> {
  await page.evaluate(
    ([tag, key]) => {
      const host = document.querySelector(tag) as HTMLElement;
      host.accessKey = key;
      host.tabIndex = -1;
    },
    [tag, key] as const,
  );
}

/**
 * Presses Alt+`key` so that access keys fire: Chromium looks them up on the character event, which
 * Playwright's keyboard does not send with Alt held, so the keys go through the DevTools protocol.
 */
export async function pressAccessKey(page: Page, key: string): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const code = `Key${key.toUpperCase()}`;
  const vk = key.toUpperCase().charCodeAt(0);
  const ALT = 1;
  try {
    await cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', modifiers: ALT, key, code, windowsVirtualKeyCode: vk });
    await cdp.send('Input.dispatchKeyEvent', { type: 'char', modifiers: ALT, key, text: key, unmodifiedText: key });
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', modifiers: ALT, key, code, windowsVirtualKeyCode: vk });
  } finally {
    await cdp.detach();
  }
}

/** The rest of the survey as a person fills it in: Tab to the next field, "Doe Smith", a pause, Enter to send. */
export async function typeLastNameAndSend(page: Page): Promise<void> {
  await page.keyboard.press('Tab');
  await typeLikeAPerson(page, 'Doe Smith');
  await page.waitForTimeout(BEFORE_SUBMIT_MS);
  await page.keyboard.press('Enter');
}

/** Enter held down for a while (the browser's key repeat: keydowns with `repeat` set), then let go. */
export async function holdEnter(page: Page, repeats = 20): Promise<void> {
  await page.keyboard.down('Enter');
  for (let i = 0; i < repeats; i++) {
    await page.waitForTimeout(50);
    await page.keyboard.down('Enter'); // already down: Playwright sends it as an auto-repeat
  }
  await page.keyboard.up('Enter');
}

/** The keyboard confirmation inside `frame` (src/shared-ext/key-confirm.tsx) for an action whose words match `what`. */
export const keyConfirmation = (frame: Frame, what: RegExp) => frame.getByRole('group', { name: what });

/** The code the confirmation shows (digits only). */
export async function shownCode(frame: Frame): Promise<string> {
  return ((await frame.locator('.key-confirm-code').textContent()) ?? '').replace(/\s+/g, '');
}

/**
 * The open confirmation in `frame` wears its own styles (src/shared-ext/key-confirm.css, one copy for
 * every page): a blue-framed box, the code in bold monospace, the live region out of sight.
 */
export async function expectConfirmationStyled(frame: Frame): Promise<void> {
  const style = await frame.evaluate(() => {
    const box = getComputedStyle(document.querySelector('.key-confirm')!);
    const code = getComputedStyle(document.querySelector('.key-confirm-code')!);
    const live = (document.querySelector('.key-confirm-live') as HTMLElement).getBoundingClientRect();
    return { border: box.borderTopColor, background: box.backgroundColor, codeWeight: code.fontWeight, codeFont: code.fontFamily, live: [live.width, live.height] };
  });
  expect(style).toMatchObject({ border: 'rgb(12, 102, 228)', background: 'rgb(233, 242, 255)', codeWeight: '700', live: [1, 1] });
  expect(style.codeFont).toMatch(/monospace/);
}
