// Real Chromium with the demo build of the extension (dist-demo/) loaded, plus helpers for the demo
// pages. Run `npm run build:demo` first; `npm test` does.
import { chromium, type BrowserContext, type Frame, type Locator, type Page } from 'playwright-core';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_EXTENSION_ID } from '../../src/api/extension-ids';
import { startDemoPages, type DemoPages, type DemoPagesOptions } from '../../scripts/demo-pages';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The demo build: the store build (dist/) cannot run on the *.localhost demo pages. */
export const DIST = join(ROOT, 'dist-demo');
export const RESULTS = join(ROOT, 'test-results');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface ExtensionBrowser {
  context: BrowserContext;
  extensionId: string;
  close(): Promise<void>;
}

/** `dist`: another build of the extension (the benchmark builds its own, leaving dist-demo/ alone). */
export async function launchWithExtension(dist = DIST): Promise<ExtensionBrowser> {
  if (!existsSync(join(dist, 'manifest.json'))) throw new Error(`${dist} is missing: run \`npm run build:demo\` first`);
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run \`npx tsx scripts/ensure-chromium.ts\``);
  const profile = mkdtempSync(join(tmpdir(), 'access-companion-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true, // Chromium's new headless mode loads extensions.
    viewport: { width: 1360, height: 900 },
    args: [
      `--disable-extensions-except=${dist}`,
      `--load-extension=${dist}`,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const worker =
    context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://')) ??
    (await context.waitForEvent('serviceworker', { predicate: (w) => w.url().startsWith('chrome-extension://'), timeout: 15_000 }));
  const extensionId = new URL(worker.url()).host;
  // The demo manifest pins its key, so every clone loads the same id (src/api/extension-ids.ts).
  if (extensionId !== DEMO_EXTENSION_ID) throw new Error(`the demo build loaded as ${extensionId}, not the pinned ${DEMO_EXTENSION_ID}`);
  // The options page opens itself on install; close it so tests start from a clean slate. It may
  // open a moment after the worker starts, and would then take over a tab a test just opened.
  const isOptions = (page: Page) => page.url().includes(`chrome-extension://${extensionId}/src/options/`);
  if (!context.pages().some(isOptions)) await context.waitForEvent('page', { predicate: isOptions, timeout: 5_000 }).catch(() => undefined);
  for (const page of context.pages()) if (page.url().startsWith('chrome-extension://')) await page.close();
  return {
    context,
    extensionId,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Demo pages on free ports (0 = let the OS pick). */
export function startTestDemoPages(opts: DemoPagesOptions = {}): Promise<DemoPages> {
  return startDemoPages({ supportPort: 0, adminPort: 0, productPort: 0, ...opts });
}

/**
 * True while our frame loads out of sight (placement=parked in its hash): the content script starts
 * the panel before the page has rendered its ticket, and places it (giving it the page's facts) once
 * it has. Tests look at a panel once it is placed.
 */
export function parkedFrame(frame: Frame): boolean {
  return new URLSearchParams(new URL(frame.url()).hash.slice(1)).get('placement') === 'parked';
}

/** The Access Companion panel frame on a page, once it is placed and has rendered the ticket line. */
export async function panelFrame(page: Page, timeout = 10_000): Promise<Frame> {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const frame of page.frames()) {
      if (!frame.url().startsWith('chrome-extension://') || frame.isDetached() || parkedFrame(frame)) continue;
      const found = await frame
        .locator('.ticket')
        .count()
        .catch(() => 0);
      if (found > 0) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no Access Companion panel on ${page.url()}`);
    await page.waitForTimeout(100);
  }
}

/** The ticket line the panel shows ("Ticket PS-101 · Confluence · acme.atlassian.net"). */
export async function panelTicketLine(page: Page): Promise<string> {
  const frame = await panelFrame(page);
  return ((await frame.locator('.ticket').textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS, { recursive: true });
  const path = join(RESULTS, `${name}.png`);
  // Chromium's full-page capture of a page taller than the window draws our out-of-process frames
  // stale (blank, or laid out at another width) and can leave what is below them unpainted. So a
  // tall page is captured by making the window as tall as the page, letting the frames repaint,
  // and putting the window back.
  const viewport = page.viewportSize();
  const height = await page.evaluate(() => document.documentElement.scrollHeight).catch(() => 0);
  if (viewport && height > viewport.height) {
    await page.setViewportSize({ width: viewport.width, height });
    await page.waitForTimeout(300);
    try {
      await page.screenshot({ path, fullPage: true });
    } finally {
      await page.setViewportSize(viewport);
    }
  } else {
    await page.screenshot({ path, fullPage: true });
  }
  return path;
}

/**
 * Clicks a control in one of our framed pages the way a person does: brought on screen, the pointer
 * moved onto it, then pressed once its press counts, i.e. it has been visible without a break and
 * the pointer in the frame long enough (src/shared-ext/visibility.ts). A press before that is
 * parked for the popup, as it is meant to be.
 */
export async function clickArmed(frame: Frame, button: Locator): Promise<void> {
  await button.scrollIntoViewIfNeeded();
  await button.hover();
  await button.and(frame.locator('[data-armed="true"]')).click();
}

/**
 * Stops the extension's service worker as Chrome does when it is idle (DevTools protocol
 * `ServiceWorker.stopWorker`), from `host`, a plain web page, so no extension page keeps it awake.
 * Resolves once the worker is stopped; `status()` then follows that worker version.
 */
export async function stopExtensionWorker(b: ExtensionBrowser, host: Page, timeout = 15_000): Promise<{ status(): string | undefined }> {
  const cdp = await b.context.newCDPSession(host);
  const versions: { versionId: string; runningStatus: string; scriptURL: string }[] = [];
  cdp.on('ServiceWorker.workerVersionUpdated', (e: { versions: typeof versions }) => versions.push(...e.versions));
  await cdp.send('ServiceWorker.enable');
  const until = async (ok: () => boolean, what: string) => {
    const deadline = Date.now() + timeout;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`extension service worker: ${what} within ${timeout} ms`);
      await host.waitForTimeout(50);
    }
  };
  const ours = () => versions.filter((v) => v.scriptURL.includes(b.extensionId));
  await until(() => ours().some((v) => v.runningStatus === 'running'), 'not seen running');
  const { versionId } = ours()[0]!;
  const status = () => versions.filter((v) => v.versionId === versionId).at(-1)?.runningStatus;
  const sent = versions.length;
  await cdp.send('ServiceWorker.stopWorker', { versionId });
  // Seen stopped at least once: an open extension page may wake it again right after.
  await until(() => versions.slice(sent).some((v) => v.versionId === versionId && v.runningStatus === 'stopped'), 'did not stop');
  return { status };
}
