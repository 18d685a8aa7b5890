// Shared set-up for the console, popup and notification tests: the real Access API in this process
// (PGlite in memory, demo world) on a random port, the demo pages, and Chromium with the built extension signed in as an admin.
import { serve } from '@hono/node-server';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, Worker } from 'playwright-core';
import { launchWithExtension, ROOT, startTestDemoPages, type ExtensionBrowser } from './harness';
import type { DemoPages } from '../../scripts/demo-pages';
import { createApp } from '../../src/server/app';
import { openPglite } from '../../src/server/db/index';
import { ALARM, POLL_MINUTES } from '../../src/background/inbox-sync';

export interface RunningApi {
  base: string;
  close(): Promise<void>;
}

/** The real Access API (createApp over in-memory PGlite) in this process, on a random port. */
export async function startApi(fixture = join(ROOT, 'fixtures', 'demo-world.json')): Promise<RunningApi> {
  const db = await openPglite();
  const api = await createApp({ world: JSON.parse(readFileSync(fixture, 'utf8')), db, rateLimitPerMinute: 100_000, log: (m) => console.error(m) });
  return new Promise((resolve) => {
    const server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({
        base: `http://localhost:${info.port}`,
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

export async function apiCall<T = any>(api: RunningApi, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${api.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export interface ConsoleWorld {
  api: RunningApi;
  demo: DemoPages;
  browser: ExtensionBrowser;
  close(): Promise<void>;
}

export async function startConsoleWorld(token: string): Promise<ConsoleWorld> {
  const api = await startApi();
  const demo = await startTestDemoPages({ apiUrl: api.base });
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
