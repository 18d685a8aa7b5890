// Shared set-up for the console, popup and notification tests: the real Access API in this process
// on a random port, the demo pages, and Chromium with the built extension signed in as an admin.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, Worker } from 'playwright-core';
import { launchWithExtension, ROOT, startTestDemoPages, type ExtensionBrowser } from './harness';
import type { DemoPages } from '../../scripts/demo-pages';

export interface RunningApi { base: string; close(): Promise<void> }

/** The API runs in this process; ACCESS_API_URL points the tests at one already running instead. */
export const apiAvailable = existsSync(join(ROOT, 'src/server/app.ts')) || process.env.ACCESS_API_URL !== undefined;

export async function startApi(fixture = join(ROOT, 'fixtures', 'demo-world.json')): Promise<RunningApi> {
  if (process.env.ACCESS_API_URL) return { base: process.env.ACCESS_API_URL, close: async () => {} };
  // A variable path: this file must type-check before the server exists.
  const serverModule = '../../src/server/app';
  const { createApp } = (await import(/* @vite-ignore */ serverModule)) as { createApp(opts: unknown): Promise<{ fetch: (r: Request) => Response | Promise<Response> }> | { fetch: (r: Request) => Response | Promise<Response> } };
  const { serve } = await import('@hono/node-server');
  const world = JSON.parse(readFileSync(fixture, 'utf8'));
  const app = await createApp({ world });
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({
        base: `http://localhost:${info.port}`,
        close: () => new Promise<void>((done) => { (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.(); server.close(() => done()); }),
      });
    });
  });
}

export async function apiCall<T = any>(api: RunningApi, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${api.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export interface ConsoleWorld { api: RunningApi; demo: DemoPages; browser: ExtensionBrowser; close(): Promise<void> }

export async function startConsoleWorld(token: string): Promise<ConsoleWorld> {
  const api = await startApi();
  const demo = await startTestDemoPages({ apiUrl: api.base });
  const browser = await launchWithExtension();
  const world = { api, demo, browser, close: async () => { await browser.close(); await demo.close(); await api.close(); } };
  await signIn(world, token);
  return world;
}

export async function serviceWorker(browser: ExtensionBrowser): Promise<Worker> {
  const live = browser.context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${browser.extensionId}/`));
  return live ?? browser.context.waitForEvent('serviceworker', { timeout: 60_000 });
}

export async function signIn(world: Pick<ConsoleWorld, 'api' | 'demo' | 'browser'>, token: string): Promise<void> {
  const sw = await serviceWorker(world.browser);
  await sw.evaluate(async ([apiBaseUrl, token, consoleUrl]) => {
    await chrome.storage.local.set({ apiBaseUrl, token, consoleUrl });
  }, [world.api.base, token, world.demo.adminUrl] as const);
}

/** The Access Companion frame on an admin console page, once its header has rendered. */
export async function consoleFrame(page: Page, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const frame of page.frames()) {
      if (!frame.url().includes('/src/console/index.html') || frame.isDetached()) continue;
      if ((await frame.locator('section.frame').count().catch(() => 0)) > 0) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no Access Companion frame on ${page.url()}`);
    await page.waitForTimeout(100);
  }
}
