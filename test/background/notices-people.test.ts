// Notifications name people by their display name (issue 23: a Guard decision read "… · by gus"),
// through the real poll against the real Access API (in process, PGlite).
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { createApp, type AccessApp } from '../../src/server/app';
import { openDb, type Db } from '../../src/server/db/index';

const BASE = 'http://localhost:4997';
let app: AccessApp;
let db: Db;
const shown: { id: string; title: string; message: string }[] = [];

beforeAll(async () => {
  db = await openDb({});
  app = await createApp({ world: JSON.parse(readFileSync(join(__dirname, '../../fixtures/demo-world.json'), 'utf8')), db, log: () => undefined });
  vi.stubGlobal('fetch', async (input: string | URL | Request, init?: RequestInit) => app.app.fetch(new Request(input, init)));
  vi.stubGlobal('chrome', {
    runtime: { id: 'x', getURL: (p: string) => `chrome-extension://x/${p}` },
    storage: { local: { get: async () => ({}), set: async () => undefined, remove: async () => undefined } },
    action: { setBadgeText: async () => undefined, setBadgeBackgroundColor: async () => undefined },
    notifications: {
      create: async (id: string, o: { title: string; message: string }) => {
        shown.push({ id, title: o.title, message: o.message });
        return id;
      },
    },
  });
  const { saveSettings } = await import('../../src/background/settings');
  await saveSettings({ apiBaseUrl: BASE, token: 'ivan-token' });
}, 60_000);
afterAll(async () => {
  vi.unstubAllGlobals();
  await app?.close();
  await db?.close();
});

const call = (token: string, method: string, path: string, body?: unknown) =>
  app.app.request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

test("a Guard decision's notification names the Guard admin, not their id", async () => {
  const { syncNow } = await import('../../src/background/inbox-sync');
  const made = (await (await call('ivan-token', 'POST', '/v1/tickets/PS-102/grants')).json()) as { id: string; state: string };
  expect(made.state).toBe('pending_guard_approval');
  await syncNow(); // the worker sees it pending
  expect((await call('gus-token', 'POST', `/v1/grants/${made.id}/guard-decision`, { decision: 'approve' })).status).toBe(200);
  await syncNow();
  const notice = shown.find((n) => n.id === `guard:${made.id}`);
  expect(notice?.message).toBe('Jira on acme-eu.atlassian.net · by Gus Romero');
});
