// Set-up for the ticket-panel tests: the real Access API in this process on a random port (which
// can be stopped and started again on the same port, keeping its state), the demo pages, and
// Chromium with the built extension signed in through the options page.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Frame, Page } from 'playwright-core';
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from '../../src/server/app';
import { openDb } from '../../src/server/db/index';
import { launchWithExtension, parkedFrame, RESULTS, ROOT, screenshot, startTestDemoPages, type ExtensionBrowser } from './harness';
import type { DemoPages } from '../../scripts/demo-pages';

/** Calls a route of the contract over HTTP (test/support/api-call.ts). */
export { apiCall } from '../support/api-call';

export const DEMO_WORLD = join(ROOT, 'fixtures', 'demo-world.json');

export interface StoppableApi {
  readonly base: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startStoppableApi(fixture = DEMO_WORLD): Promise<StoppableApi> {
  const db = await openDb({});
  const api = await createApp({ world: JSON.parse(readFileSync(fixture, 'utf8')), db, log: () => undefined });
  let server: ServerType | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = serve({ fetch: api.app.fetch, port, hostname: '127.0.0.1' }, (info: AddressInfo) => {
        port = info.port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server as unknown as { closeAllConnections?: () => void; close(cb: () => void): void } | undefined;
      server = undefined;
      if (!s) return resolve();
      s.closeAllConnections?.();
      s.close(() => resolve());
    });
  await listen();
  return {
    get base() {
      return `http://localhost:${port}`;
    },
    stop,
    start: listen,
    close: async () => {
      await stop();
      await api.close();
      await db.close();
    },
  };
}

export interface TicketWorld {
  api: StoppableApi;
  demo: DemoPages;
  browser: ExtensionBrowser;
  close(): Promise<void>;
}

/** A copy of the demo world, changed by `edit`, in a temporary file. */
export function editedWorld(edit: (world: any) => void): string {
  const world = JSON.parse(readFileSync(DEMO_WORLD, 'utf8'));
  edit(world);
  const file = join(mkdtempSync(join(tmpdir(), 'ac-world-')), 'world.json');
  writeFileSync(file, JSON.stringify(world));
  return file;
}

/**
 * `pageWorld` lets the demo pages say something different from the API (mismatch tests);
 * `world` changes the world both the API and the demo pages start from.
 */
export async function startTicketWorld(opts: { pageWorld?: (world: any) => void; world?: (world: any) => void } = {}): Promise<TicketWorld> {
  const shared = opts.world ? editedWorld(opts.world) : undefined;
  const api = await startStoppableApi(shared);
  const worldFile = opts.pageWorld
    ? editedWorld((world) => {
        opts.world?.(world);
        opts.pageWorld!(world);
      })
    : shared;
  const demo = await startTestDemoPages({ apiUrl: api.base, worldFile });
  const browser = await launchWithExtension();
  return {
    api,
    demo,
    browser,
    close: async () => {
      await browser.close();
      await demo.close();
      await api.close();
    },
  };
}

/** Signs in the way an admin does: the options page form. */
/**
 * Opens the options page's "Advanced: personal access token" section if it is closed (and, when
 * someone is signed in, the "Sign in to another Access API" disclosure around it).
 */
export async function openAdvancedTokenForm(page: Page): Promise<void> {
  await page.locator('.account-line:not(:empty)').waitFor(); // who is signed in is known
  for (const selector of ['details.another', 'details.advanced']) {
    const d = page.locator(selector);
    if ((await d.count()) > 0 && !(await d.evaluate((e) => (e as HTMLDetailsElement).open))) await d.locator(':scope > summary').click();
  }
}

export async function signInThroughOptions(w: TicketWorld, token: string): Promise<void> {
  const page = await w.browser.context.newPage();
  const url = `chrome-extension://${w.browser.extensionId}/src/options/index.html`;
  // On install the extension opens its options page by itself (Chrome may reuse our tab for it),
  // which can interrupt the first attempt; the form is idempotent, so try again.
  for (let attempt = 1; ; attempt++) {
    try {
      await page.goto(url);
      // Signed in already, the forms to sign in elsewhere wait behind "Sign in to another Access API".
      await page.locator('.account-line:not(:empty)').waitFor();
      const another = page.locator('details.another');
      if ((await another.count()) > 0 && !(await another.evaluate((e) => (e as HTMLDetailsElement).open))) await another.locator(':scope > summary').click();
      await page.getByLabel('Access API address').fill(w.api.base);
      // The personal-token form is under "Advanced" (open by itself only when the org has no provider).
      await openAdvancedTokenForm(page);
      await page.getByLabel('Personal access token').fill(token);
      await page.getByRole('button', { name: 'Sign in with token' }).click();
      await page.getByRole('status').filter({ hasText: 'Signed in as' }).waitFor({ timeout: 15_000 });
      break;
    } catch (error) {
      if (attempt >= 3) throw error;
      await page.waitForTimeout(500);
    }
  }
  await page.close();
}

/**
 * The panel frame once it shows the API's decision for `key` where it goes on the page: not while
 * it loads out of sight (placement=parked in its hash, until the content script gives it the page's
 * facts and places it).
 */
export async function ticketPanel(page: Page, key: string, timeout = 20_000): Promise<Frame> {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const frame of page.frames()) {
      if (!frame.url().startsWith('chrome-extension://') || !frame.url().includes('/src/panel/') || frame.isDetached()) continue;
      if (parkedFrame(frame)) continue;
      const line = await frame
        .locator('.ticket')
        .textContent()
        .catch(() => '');
      if (
        line?.includes(key) &&
        (await frame
          .locator('.decision')
          .count()
          .catch(() => 0)) > 0
      )
        return frame;
    }
    if (Date.now() > deadline) throw new Error(`no panel decision for ${key} on ${page.url()}`);
    await page.waitForTimeout(100);
  }
}

export async function openTicket(w: TicketWorld, key: string): Promise<{ page: Page; panel: Frame }> {
  const page = await w.browser.context.newPage();
  await page.goto(w.demo.ticketUrl(key));
  return { page, panel: await ticketPanel(page, key) };
}

export const text = async (frame: Frame, selector: string) =>
  (
    (await frame
      .locator(selector)
      .first()
      .textContent()
      .catch(() => '')) ?? ''
  )
    .replace(/\s+/g, ' ')
    .trim();

export async function shoot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(250); // let the frame's height settle after the last render
  await screenshot(page, name);
  const host = page.locator('access-companion-panel');
  if (await host.count()) await host.first().screenshot({ path: join(RESULTS, `${name}-panel.png`) });
}
