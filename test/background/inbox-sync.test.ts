// The poll against the real Access API (in process, PGlite): a sync asked for while another runs
// must not be answered with that one, which may have read the API before the change.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { createApp, type AccessApp } from '../../src/server/app';
import { openDb, type Db } from '../../src/server/db/index';

const BASE = 'http://localhost:4998';
let app: AccessApp;
let db: Db;
let hold: Promise<void> | undefined;
let reached: (() => void) | undefined;

beforeAll(async () => {
  db = await openDb({});
  app = await createApp({ world: JSON.parse(readFileSync(join(__dirname, '../../fixtures/demo-world.json'), 'utf8')), db, log: () => undefined });
  vi.stubGlobal('fetch', async (input: string | URL | Request, init?: RequestInit) => {
    const req = new Request(input, init);
    if (hold && new URL(req.url).pathname === '/v1/grants') {
      reached?.();
      await hold;
    } // the poll, past its inbox read
    return app.app.fetch(req);
  });
  vi.stubGlobal('chrome', {
    runtime: { id: 'x', getURL: (p: string) => `chrome-extension://x/${p}` },
    storage: { local: { get: async () => ({}), set: async () => undefined, remove: async () => undefined } },
    action: { setBadgeText: async () => undefined, setBadgeBackgroundColor: async () => undefined },
    notifications: { create: async (id: string) => id },
  });
  const { saveSettings } = await import('../../src/background/settings');
  await saveSettings({ apiBaseUrl: BASE, token: 'alice-token' });
}, 60_000);
afterAll(async () => {
  vi.unstubAllGlobals();
  await app?.close();
  await db?.close();
});

test('a sync asked for during a running poll sees a change made after that poll read the inbox', async () => {
  const { syncNow } = await import('../../src/background/inbox-sync');
  const { readCache } = await import('../../src/background/db');
  await syncNow();
  const before = (await readCache<{ id: string }[]>('inbox'))!.value.length;

  let release!: () => void;
  hold = new Promise((r) => {
    release = r;
  });
  const atGrants = new Promise<void>((r) => {
    reached = r;
  });
  const running = syncNow();
  await atGrants;
  // The running poll has read the inbox and waits on the grant list; now a newcomer asks.
  const asked = await app.app.request('/v1/access-requests', {
    method: 'POST',
    headers: { authorization: 'Bearer nina-token', 'content-type': 'application/json', 'idempotency-key': 'k1' },
    body: JSON.stringify({ site: 'acme-main', product: 'confluence' }),
  });
  expect(asked.status).toBe(201);
  const after = syncNow(); // as the live stream does on the request's event
  hold = undefined;
  release();
  await running;
  await after;
  expect((await readCache<{ id: string }[]>('inbox'))!.value).toHaveLength(before + 1);
}, 60_000);
