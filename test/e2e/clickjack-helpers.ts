// The tricks a hostile vendor page can play on our framed pages to get a click it should not, run
// for real in Chromium with a real mouse (Playwright's input goes through the browser like a
// person's), and the honest click they must not break. Each trick returns once it is in place.
import type { Frame, Locator, Page } from 'playwright-core';

export type HostTag = 'access-companion-panel' | 'access-companion-console';

/** A person's pause to read what is under the pointer before pressing: longer than every guard's window. */
const READING_PAUSE_MS = 800;

export async function centre(target: Locator): Promise<{ x: number; y: number }> {
  await target.scrollIntoViewIfNeeded();
  const box = (await target.boundingBox())!;
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** A person who moves the pointer to (x, y) at human speed, reads for a moment, then presses. */
export async function slowPress(page: Page, at: { x: number; y: number }): Promise<void> {
  await page.mouse.move(at.x, at.y, { steps: 12 });
  await page.waitForTimeout(READING_PAUSE_MS);
  await page.mouse.down();
  await page.mouse.up();
}

/** The honest admin: pointer brought in from outside the frame at human speed, pressed once the control says a press counts. */
export async function honestClick(page: Page, frame: Frame, control: Locator): Promise<void> {
  const at = await centre(control);
  await page.mouse.move(5, 5);
  await page.mouse.move(at.x, at.y, { steps: 15 });
  await control.and(frame.locator('[data-armed="true"]')).waitFor();
  await page.mouse.down();
  await page.mouse.up();
}

/**
 * The gap between the two presses of a person's double-click (~120 ms). Also what a page that moves
 * our frame needs before a press can reach it: the browser routes a press to a frame by what was
 * last drawn, so a press in the same instant as the move still lands on the page.
 */
export const humanGap = (page: Page) => page.waitForTimeout(120);

/** A person's double-click where the pointer is: press, release, a short gap, press again. */
export async function doubleClick(page: Page): Promise<void> {
  await page.mouse.down();
  await page.mouse.up();
  await humanGap(page);
  await page.mouse.down({ clickCount: 2 });
  await page.mouse.up({ clickCount: 2 });
}

/** Sliver: the host's slot becomes a 2-pixel strip (overflow hidden) lined up on `control`; returns where the strip shows it. */
export async function sliver(page: Page, tag: HostTag, control: Locator): Promise<{ x: number; y: number }> {
  const at = await centre(control);
  return page.evaluate(
    ([tag, x, y]) => {
      const host = document.querySelector(tag) as HTMLElement;
      const slot = host.parentElement!;
      const offset = y - host.getBoundingClientRect().top;
      slot.style.height = '2px';
      slot.style.overflow = 'hidden';
      // Pull the host up so the control's middle sits in the strip, whatever precedes it in the slot.
      const stripY = slot.getBoundingClientRect().top + 1;
      host.style.marginTop = `${stripY - offset - host.getBoundingClientRect().top}px`;
      return { x, y: stripY };
    },
    [tag, at.x, at.y] as const,
  );
}

/** Decoy: a "Double-click to continue" button at `at` (page coordinates). `moveOnFirstPress`: on the first press the page slides the host so `control` lands under the pointer. */
export async function decoy(page: Page, tag: HostTag, control: Locator, at: { x: number; y: number }, moveOnFirstPress: boolean): Promise<void> {
  const c = await centre(control);
  await page.evaluate(
    ([tag, cx, cy, x, y, move]) => {
      const host = document.querySelector(tag) as HTMLElement;
      const r = host.getBoundingClientRect();
      const d = document.createElement('button');
      d.id = 'decoy';
      d.textContent = 'Double-click to continue';
      Object.assign(d.style, { position: 'fixed', left: `${x - 90}px`, top: `${y - 20}px`, width: '180px', height: '40px', zIndex: '5' });
      document.body.append(d);
      (window as unknown as { slideUnderPointer: () => void }).slideUnderPointer = () => {
        // A fixed box is placed by its margin edge: take the host's margins off.
        const m = getComputedStyle(host);
        Object.assign(host.style, {
          position: 'fixed',
          left: `${x - (cx - r.left) - parseFloat(m.marginLeft)}px`,
          top: `${y - (cy - r.top) - parseFloat(m.marginTop)}px`,
          width: `${r.width}px`,
          zIndex: '10',
        });
      };
      if (move) d.addEventListener('mousedown', () => (window as unknown as { slideUnderPointer: () => void }).slideUnderPointer(), { once: true });
    },
    [tag, c.x, c.y, at.x, at.y, moveOnFirstPress] as const,
  );
}

/** Slides the host so `control` is under (x, y) right now (the decoy's helper must be installed). */
export const slideUnderPointer = (page: Page) => page.evaluate(() => (window as unknown as { slideUnderPointer: () => void }).slideUnderPointer());

/** Fades or filters an element: the host's slot, `body` or `html`. */
export async function fade(page: Page, tag: HostTag, where: 'slot' | 'body' | 'html' | 'host', style: Record<string, string>): Promise<void> {
  await page.evaluate(
    ([tag, where, style]) => {
      const host = document.querySelector(tag) as HTMLElement;
      const el = where === 'slot' ? host.parentElement! : where === 'body' ? document.body : where === 'html' ? document.documentElement : host;
      for (const [k, v] of Object.entries(style)) el.style.setProperty(k, v, 'important');
      if (where === 'host') {
        // And from a stylesheet, in case inline styles lose.
        const s = document.createElement('style');
        s.textContent = `${tag} { ${Object.entries(style)
          .map(([k, v]) => `${k}: ${v} !important`)
          .join('; ')} }`;
        document.head.append(s);
      }
    },
    [tag, where, style] as const,
  );
}

/** Overlay: a nearly transparent layer over the frame that lets the pointer through; `topLayer` puts it in the top layer (popover), above every z-index. */
export async function overlay(page: Page, tag: HostTag, topLayer: boolean): Promise<void> {
  await page.evaluate(
    ([tag, topLayer]) => {
      const r = (document.querySelector(tag) as HTMLElement).getBoundingClientRect();
      const o = document.createElement('div');
      o.id = 'overlay';
      o.textContent = 'Win a prize';
      Object.assign(o.style, {
        position: 'fixed',
        left: `${r.left}px`,
        top: `${r.top}px`,
        width: `${r.width}px`,
        height: `${r.height}px`,
        margin: '0',
        padding: '0',
        border: '0',
        background: 'rgba(255,255,255,0.02)',
        color: 'rgba(0,0,0,0.02)',
        pointerEvents: 'none',
        zIndex: '2147483647',
      });
      document.body.append(o);
      if (topLayer) {
        o.popover = 'manual';
        o.showPopover();
      }
    },
    [tag, topLayer] as const,
  );
}

export const removeOverlay = (page: Page) => page.evaluate(() => document.getElementById('overlay')?.remove());
