// The console's audit log names every action in words: it used to label `grant.guard_decision`,
// which the server never writes, so a Guard admin's approval showed as "grant.guard_approve".
// Runs the background's handler against the real Access API (in process, PGlite).
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createApp, type AccessApp } from '../../src/server/app';
import { openDb, type Db } from '../../src/server/db/index';

const BASE = 'http://localhost:4999';
let app: AccessApp;
let db: Db;
const store = new Map<string, unknown>();

async function call(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await app.app.fetch(
    new Request(`${BASE}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }),
  );
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  db = await openDb({});
  app = await createApp({ world: JSON.parse(readFileSync(join(__dirname, '../../fixtures/demo-world.json'), 'utf8')), db, log: () => undefined });
  vi.stubGlobal('fetch', async (input: string | URL | Request, init?: RequestInit) => app.app.fetch(new Request(input, init)));
  vi.stubGlobal('chrome', {
    runtime: { id: 'x', getURL: (p: string) => `chrome-extension://x/${p}`, getManifest: () => ({ action: { default_popup: 'src/popup/index.html' } }) },
    storage: {
      local: {
        get: async (keys: string[] | string | null) => Object.fromEntries([...store].filter(([k]) => keys === null || [keys].flat().includes(k))),
        set: async (v: Record<string, unknown>) => {
          for (const [k, x] of Object.entries(v)) store.set(k, x);
        },
        remove: async (k: string) => {
          store.delete(k);
        },
      },
    },
    action: { setBadgeText: async () => undefined, setBadgeBackgroundColor: async () => undefined, openPopup: async () => undefined },
    notifications: { create: async () => undefined },
    alarms: { get: async () => undefined, create: async () => undefined },
  });
  const { saveSettings } = await import('../../src/background/settings');
  await saveSettings({ apiBaseUrl: BASE, token: 'alice-token' });
}, 60_000); // PGlite's first start is slow on a busy 2-core machine
afterAll(async () => {
  vi.unstubAllGlobals();
  await app?.close();
  await db?.close();
});

describe('console audit log', () => {
  test("a Guard admin's decision reads as words, not an action name", async () => {
    // PS-102 is on a Guard-restricted site: ivan's grant waits on gus, the Guard admin.
    const granted = await call('ivan-token', 'POST', '/v1/tickets/PS-102/grants', {});
    expect(granted.status).toBe(201);
    expect(granted.json.state).toBe('pending_guard_approval');
    expect((await call('gus-token', 'POST', `/v1/grants/${String(granted.json.id)}/guard-decision`, { decision: 'approve' })).status).toBe(200);

    const { getAudit } = await import('../../src/background/handlers-console');
    const actions = (await getAudit(false, 'PS-102')).rows.map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['Granted data access', 'Guard approved access']));
    for (const a of actions) expect(a).not.toMatch(/^[a-z_]+\.[a-z_]+/);
  });
});
