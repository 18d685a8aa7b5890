// Shared set-up for the console, popup and notification tests: the real Access API in this process
// (PGlite in memory, demo world) on a random port, the demo pages, and Chromium with the built extension signed in as an admin.
import { serve } from '@hono/node-server';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, Worker } from 'playwright-core';
import { expect } from 'vitest';
import { launchWithExtension, ROOT, startTestDemoPages, type ExtensionBrowser } from './harness';
import type { DemoPages } from '../../scripts/demo-pages';
import { createApp } from '../../src/server/app';
import { openPglite } from '../../src/server/db/index';
import { ephemeralSigningKey } from '../../src/server/audit/checkpoints';
import { ALARM, POLL_MINUTES } from '../../src/background/inbox-sync';

/** Calls a route of the contract over HTTP (test/support/api-call.ts). */
export { apiCall } from '../support/api-call';

export interface RunningApi {
  base: string;
  close(): Promise<void>;
  /** With `signAudit`: signs a checkpoint of the audit chain's head now. */
  tick?: () => Promise<{ seq: number } | undefined>;
  /** Edits audit entry `seq` behind the API's back, as a database writer could (for Verify's broken verdict). */
  tamper?: (seq: number) => Promise<void>;
}

/**
 * The real Access API (createApp over in-memory PGlite) in this process, on a random port. With
 * `signAudit` it signs audit checkpoints with a throwaway key, only when `tick` is called.
 */
export async function startApi(fixture = join(ROOT, 'fixtures', 'demo-world.json'), opts: { signAudit?: boolean } = {}): Promise<RunningApi> {
  const db = await openPglite();
  const api = await createApp({
    world: JSON.parse(readFileSync(fixture, 'utf8')),
    db,
    rateLimitPerMinute: 100_000,
    log: (m) => console.error(m),
    ...(opts.signAudit ? { auditSigning: { key: ephemeralSigningKey() } } : {}),
  });
  return new Promise((resolve) => {
    const server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({
        base: `http://localhost:${info.port}`,
        // Every append signs its head (issue 20): the newest signed head is the trail's head.
        ...(opts.signAudit
          ? {
              tick: async () => {
                const [row] = await db.query<{ seq: string }>('SELECT seq::text FROM audit_rows WHERE signed_note IS NOT NULL ORDER BY seq DESC LIMIT 1');
                return row ? { seq: Number(row.seq) } : undefined;
              },
            }
          : {}),
        tamper: async (seq) => {
          await db.query(`UPDATE audit_rows SET body = replace(body, '"detail":{', '"detail":{"forged":true,') WHERE seq = $1`, [seq]);
        },
        close: async () => {
          await new Promise<void>((done) => {
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
            server.close(() => done());
          });
          await api.close();
          await db.close();
        },
      });
    });
  });
}

export interface ConsoleWorld {
  api: RunningApi;
  demo: DemoPages;
  browser: ExtensionBrowser;
  close(): Promise<void>;
}

/**
 * The API (on `fixture`, default the demo world), the demo pages (on `pagesWorldFile`, default the
 * demo world) and Chromium with the extension, signed in with `token`.
 */
export async function startConsoleWorld(token: string, opts: { signAudit?: boolean; fixture?: string; pagesWorldFile?: string } = {}): Promise<ConsoleWorld> {
  const api = await startApi(opts.fixture, { signAudit: opts.signAudit });
  const demo = await startTestDemoPages({ apiUrl: api.base, ...(opts.pagesWorldFile ? { worldFile: opts.pagesWorldFile } : {}) });
  const browser = await launchWithExtension();
  const world = {
    api,
    demo,
    browser,
    close: async () => {
      await browser.close();
      await demo.close();
      await api.close();
    },
  };
  await signIn(world, token);
  return world;
}

export async function serviceWorker(browser: ExtensionBrowser): Promise<Worker> {
  const live = browser.context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${browser.extensionId}/`));
  return live ?? browser.context.waitForEvent('serviceworker', { timeout: 60_000 });
}

/**
 * One poll through the real alarm: schedules the poll alarm to fire now (unpacked extensions may
 * schedule sooner than 30 s; the period stays, so the 30 s poll carries on) and waits until the poll
 * the alarm started has finished (its `lastSync` row in the extension's database is newer).
 */
export async function pollViaAlarm(browser: ExtensionBrowser): Promise<void> {
  const sw = await serviceWorker(browser);
  await sw.evaluate(
    async ([name, periodInMinutes]) => {
      const lastSyncAt = () =>
        new Promise<number>((resolve, reject) => {
          const open = indexedDB.open('access-companion');
          // Never create the database from here: that is the extension's upgrade ladder's job.
          open.onupgradeneeded = () => open.transaction?.abort();
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const d = open.result;
            const get = d.transaction('meta').objectStore('meta').get('lastSync');
            get.onsuccess = () => {
              d.close();
              resolve((get.result as { value?: { at?: number } } | undefined)?.value?.at ?? 0);
            };
            get.onerror = () => {
              d.close();
              reject(get.error);
            };
          };
        });
      const fired = new Promise<number>((resolve) => {
        const onAlarm = (alarm: chrome.alarms.Alarm) => {
          if (alarm.name !== name) return;
          chrome.alarms.onAlarm.removeListener(onAlarm);
          resolve(Date.now());
        };
        chrome.alarms.onAlarm.addListener(onAlarm);
      });
      await chrome.alarms.create(name, { when: Date.now() + 100, periodInMinutes });
      const at = await fired;
      const deadline = Date.now() + 30_000;
      while ((await lastSyncAt()) < at) {
        if (Date.now() > deadline) throw new Error('the alarm fired but no poll finished within 30 s');
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    [ALARM, POLL_MINUTES] as const,
  );
}

/** Signs in the way the options page does (the background checks the token with GET /v1/me). */
export async function signIn(world: Pick<ConsoleWorld, 'api' | 'demo' | 'browser'>, token: string): Promise<void> {
  const page = await world.browser.context.newPage();
  try {
    const options = `chrome-extension://${world.browser.extensionId}/src/options/index.html`;
    // On install the background opens the options page itself, which can take over our navigation.
    await page.goto(options).catch(async (error: Error) => {
      if (!/interrupted by another navigation/.test(error.message)) throw error;
      await page.waitForURL(options);
    });
    const reply = await page.evaluate(
      async ([apiBaseUrl, token, consoleUrl]) => {
        await chrome.storage.local.set({ consoleUrl });
        return chrome.runtime.sendMessage({ type: 'signIn', apiBaseUrl, token });
      },
      [world.api.base, token, world.demo.adminUrl] as const,
    );
    if (!reply?.ok) throw new Error(`sign-in as ${token} failed: ${JSON.stringify(reply)}`);
  } finally {
    await page.close();
  }
}

/** The Access Companion frame on an admin console page, once its header has rendered. */
export async function consoleFrame(page: Page, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const frame of page.frames()) {
      if (!frame.url().includes('/src/console/index.html') || frame.isDetached()) continue;
      if (
        (await frame
          .locator('section.frame')
          .count()
          .catch(() => 0)) > 0
      )
        return frame;
    }
    if (Date.now() > deadline) throw new Error(`no Access Companion frame on ${page.url()}`);
    await page.waitForTimeout(100);
  }
}

/**
 * Opens the toolbar popup, settles the one pending action whose text matches `what` (Confirm or
 * Dismiss), waits for the popup to say `done` (after a Confirm), and closes it.
 */
export async function settleInPopup(browser: ExtensionBrowser, what: RegExp, choice: 'Confirm' | 'Dismiss' = 'Confirm', done: RegExp = /./): Promise<void> {
  const popup = await browser.context.newPage();
  try {
    await popup.goto(`chrome-extension://${browser.extensionId}/src/popup/index.html`);
    const pending = popup.getByRole('region', { name: 'Confirm pending action' });
    await expect.poll(() => pending.textContent().catch(() => ''), { timeout: 10_000 }).toMatch(what);
    await pending.getByRole('button', { name: choice }).click();
    if (choice === 'Confirm') await expect.poll(() => pending.textContent()).toMatch(done);
    else await expect.poll(() => pending.count()).toBe(0);
  } finally {
    await popup.close();
  }
}
