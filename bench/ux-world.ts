// What the user-latency rows run against: the real API in this process (demo world, in-memory
// PGlite), the demo pages, and real Chromium signed in with an extension build of the bench's own
// (built into a temp folder by bench/ux.ts; dist-demo/ belongs to `npm run build:demo`).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Worker } from 'playwright-core';
import type { ExtensionBrowser } from '../test/e2e/harness';

export const ROOT = join(dirname(new URL(import.meta.url).pathname), '..');

export interface UxWorld {
  api: { base: string };
  demoUrl: string;
  ticketUrl(key: string): string;
  browser: ExtensionBrowser;
  close(): Promise<void>;
}

export async function startWorld(token: string, dist: string): Promise<UxWorld> {
  const { serve } = await import('@hono/node-server');
  const { createApp } = await import('../src/server/app');
  const { openDb } = await import('../src/server/db/index');
  const { launchWithExtension, startTestDemoPages } = await import('../test/e2e/harness');
  const db = await openDb({});
  const app = await createApp({ world: JSON.parse(readFileSync(join(ROOT, 'fixtures/demo-world.json'), 'utf8')), db, rateLimitPerMinute: 1e9, log: () => {} });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const srv = serve({ fetch: app.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(srv));
  });
  const base = `http://localhost:${(server.address() as { port: number }).port}`;
  const demo = await startTestDemoPages({ apiUrl: base });
  const browser = await launchWithExtension(dist);
  const sw = await serviceWorker(browser);
  await sw.evaluate(
    async ([apiBaseUrl, token, consoleUrl]) => {
      await chrome.storage.local.set({ apiBaseUrl, token, consoleUrl });
    },
    [base, token, demo.adminUrl] as const,
  );
  return {
    api: { base },
    demoUrl: demo.supportUrl,
    ticketUrl: (k: string) => demo.ticketUrl(k),
    browser,
    close: async () => {
      await browser.close();
      await demo.close();
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise((r) => server.close(r));
      await app.close();
      await db.close();
    },
  };
}

export async function serviceWorker(browser: ExtensionBrowser): Promise<Worker> {
  const live = browser.context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${browser.extensionId}/`));
  return live ?? browser.context.waitForEvent('serviceworker', { timeout: 60_000 });
}

export async function apiCall(api: { base: string }, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${api.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
