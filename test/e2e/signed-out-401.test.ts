// A token rotated on the API mid-session: the API answers 401. The extension must sign the session
// out (panel, popup and badge say so), and its event stream must stop, not retry every 2 s (each
// retry counts as a failed login against everyone behind the same address).
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApp, type AccessApp } from '../../src/server/app';
import { openDb } from '../../src/server/db/index';
import { launchWithExtension, screenshot, startTestDemoPages } from './harness';
import { DEMO_WORLD, signInThroughOptions, ticketPanel, type TicketWorld } from './ticket-helpers';
import { ROUTES } from '../../src/api/contract';

const OLD = 'alice-token';
type World = Parameters<typeof createApp>[0]['world'];

/** The real API behind one port, whose world (and so its tokens) can be swapped, counting requests per token. */
async function swappableApi() {
  const world = JSON.parse(readFileSync(DEMO_WORLD, 'utf8')) as World & { users: { id: string; token?: string }[] };
  const open = async (w: World) => {
    const db = await openDb({});
    const app = await createApp({ world: w, db, log: () => undefined });
    return { app, db };
  };
  let current: { app: AccessApp; db: Awaited<ReturnType<typeof openDb>> } = await open(world);
  const retired: (typeof current)[] = [];
  const requests: { path: string; token: string }[] = [];
  let server!: ServerType;
  await new Promise<void>((resolve) => {
    server = serve(
      {
        hostname: '127.0.0.1',
        port: 0,
        fetch: (req) => {
          requests.push({ path: new URL(req.url).pathname, token: (req.headers.get('authorization') ?? '').replace(/^Bearer /, '') });
          return current.app.app.fetch(req);
        },
      },
      () => resolve(),
    );
  });
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://localhost:${port}`,
    requests,
    /** The org rotates alice's token: a new API world, and every open connection (the event stream) dropped. */
    async rotate(newToken: string) {
      const next = structuredClone(world);
      next.users.find((u) => u.id === 'alice')!.token = newToken;
      retired.push(current);
      current = await open(next);
      (server as unknown as { closeAllConnections(): void }).closeAllConnections();
    },
    async close() {
      (server as unknown as { closeAllConnections(): void }).closeAllConnections();
      await new Promise((r) => server.close(r));
      for (const a of [...retired, current]) {
        await a.app.close();
        await a.db.close();
      }
    },
  };
}

let api: Awaited<ReturnType<typeof swappableApi>>;
let w: TicketWorld;

describe('401 mid-session', () => {
  beforeAll(async () => {
    api = await swappableApi();
    const demo = await startTestDemoPages({ apiUrl: api.base });
    const browser = await launchWithExtension();
    w = {
      api: api as unknown as TicketWorld['api'],
      demo,
      browser,
      close: async () => {
        await browser.close();
        await demo.close();
        await api.close();
      },
    };
    await signInThroughOptions(w, OLD);
  });
  afterAll(async () => {
    await w?.close();
  });

  test('the session signs out everywhere and the event stream stops', async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.ticketUrl('PS-101'));
    await ticketPanel(page, 'PS-101');
    const popup = await w.browser.context.newPage();
    await popup.goto(`chrome-extension://${w.browser.extensionId}/src/popup/index.html`);
    await popup.getByRole('heading', { name: 'Waiting on you' }).waitFor();
    // The live stream is up (the panel and popup follow it).
    await expect.poll(() => api.requests.filter((r) => r.path === ROUTES.events.path).length, { timeout: 15_000 }).toBeGreaterThan(0);

    await api.rotate('alice-token-rotated');

    const panel = await ticketPanel(page, 'PS-101').catch(() => undefined);
    const frame = panel ?? page.frames().find((f) => f.url().includes('/src/panel/'))!;
    await frame.getByText('Signed out: sign in again').waitFor({ timeout: 20_000 });
    await popup.getByText('Signed out: sign in again.').waitFor({ timeout: 20_000 });
    expect(await popup.getByText('Up to date').count()).toBe(0);
    const worker = w.browser.context.serviceWorkers().find((sw) => sw.url().includes(w.browser.extensionId))!;
    expect(await worker.evaluate(() => chrome.action.getBadgeText({}))).toBe('OUT');
    expect(await worker.evaluate(() => chrome.action.getTitle({}))).toMatch(/Signed out: sign in again/);
    await screenshot(page, 'signed-out-panel');
    await screenshot(popup, 'signed-out-popup');

    // Nothing more is sent with the rejected token: before the fix the stream retried every 2 s.
    const rejected = () => api.requests.filter((r) => r.token === OLD).length;
    const afterSignOut = rejected();
    await page.waitForTimeout(7_000);
    expect(rejected()).toBe(afterSignOut);
    expect(api.requests.filter((r) => r.token === OLD && r.path === ROUTES.events.path).length).toBeLessThanOrEqual(3);

    // Signing in with the new token clears the signed-out state.
    await signInThroughOptions(w, 'alice-token-rotated');
    await popup.reload();
    await popup.getByRole('heading', { name: 'Waiting on you' }).waitFor();
    expect(await popup.getByText('Signed out').count()).toBe(0);
    expect(await worker.evaluate(() => chrome.action.getBadgeText({}))).not.toBe('OUT');
    await page.close();
    await popup.close();
  });
});
