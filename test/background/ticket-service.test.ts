// The background's ticket service against the real Access API (in process, PGlite): cached then
// fresh, stale with the reason when the API can't be reached, idempotent actions, parked clicks.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createApp, type AccessApp } from '../../src/server/app';
import { openDb, type Db } from '../../src/server/db/index';

const BASE = 'http://localhost:4999';
let app: AccessApp;
let db: Db;
let apiUp = true;
const store = new Map<string, unknown>();

beforeAll(async () => {
  db = await openDb({});
  app = await createApp({ world: JSON.parse(readFileSync(join(__dirname, '../../fixtures/demo-world.json'), 'utf8')), db, log: () => undefined });
  vi.stubGlobal('fetch', async (input: string | URL | Request, init?: RequestInit) => {
    if (!apiUp) throw new TypeError('Failed to fetch');
    return app.app.fetch(new Request(input, init));
  });
  vi.stubGlobal('chrome', {
    runtime: { id: 'x', getURL: (p: string) => `chrome-extension://x/${p}` },
    storage: {
      local: {
        get: async (keys: string[] | string | null) => Object.fromEntries([...store].filter(([k]) => keys === null || [keys].flat().includes(k))),
        set: async (v: Record<string, unknown>) => { for (const [k, x] of Object.entries(v)) store.set(k, x); },
        remove: async (k: string) => { store.delete(k); },
      },
    },
    action: { setBadgeText: async () => undefined, setBadgeBackgroundColor: async () => undefined, openPopup: async () => undefined },
    notifications: { create: async () => undefined },
    alarms: { get: async () => undefined, create: async () => undefined },
  });
  const { saveSettings } = await import('../../src/shared-ext/settings');
  await saveSettings({ apiBaseUrl: BASE, token: 'priya-token' });
});
afterAll(async () => { vi.unstubAllGlobals(); await app?.close(); await db?.close(); });

describe('ticket service', () => {
  test('no cache yet → empty and stale; refresh → the API decision; then served from cache with its age', async () => {
    const { ticketView } = await import('../../src/background/ticket-views');
    const empty = await ticketView('PS-101', false);
    expect(empty).toMatchObject({ key: 'PS-101', stale: true });
    expect(empty.fetchedAt).toBeUndefined();
    const fresh = await ticketView('PS-101', true);
    expect(fresh).toMatchObject({ stale: false, eligibility: { allowed: true, via: 'product_admin' }, ticket: { productName: 'Confluence' } });
    const cached = await ticketView('PS-101', false);
    expect(cached).toMatchObject({ stale: true, fetchedAt: fresh.fetchedAt, eligibility: { allowed: true } });
  });

  test('API unreachable → the cached answer, stale, saying why', async () => {
    const { ticketView } = await import('../../src/background/ticket-views');
    apiUp = false;
    try {
      const view = await ticketView('PS-101', true);
      expect(view.stale).toBe(true);
      expect(view.problem).toMatchObject({ kind: 'offline' });
      expect(view.problem?.message).toMatch(/Can't reach the Access API at http:\/\/localhost:4999/);
      expect(view.eligibility?.allowed).toBe(true);
    } finally {
      apiUp = true;
    }
  });

  test('the same idempotency key twice makes one grant', async () => {
    const { requestAction } = await import('../../src/background/ticket-actions');
    const click = { isTrusted: true, visible: true };
    const a = await requestAction({ kind: 'grant', ticket: 'PS-106', idempotencyKey: 'k-1' }, click);
    const b = await requestAction({ kind: 'grant', ticket: 'PS-106', idempotencyKey: 'k-1' }, click);
    expect(a).toMatchObject({ outcome: 'done', state: 'active' });
    expect(b).toEqual(a);
    const grants = await (await fetch(`${BASE}/v1/tickets/PS-106/grants`, { headers: { authorization: 'Bearer priya-token' } })).json() as { grants: { kind: string; state: string }[] };
    expect(grants.grants.filter((g) => g.kind === 'data' && g.state === 'active')).toHaveLength(1);
  });

  test('an untrusted or unseen click is parked; confirming it in the popup does it', async () => {
    const { requestAction, pendingAction, confirmPendingAction } = await import('../../src/background/ticket-actions');
    const parked = await requestAction({ kind: 'grant', ticket: 'PS-101', idempotencyKey: 'k-2' }, { isTrusted: true, visible: false });
    expect(parked).toMatchObject({ outcome: 'parked', reason: expect.stringMatching(/covered, hidden or faded/) });
    const pending = await pendingAction();
    expect(pending?.label).toBe('Grant Support access to PS-101 (Confluence on acme.atlassian.net)');
    expect(await confirmPendingAction(pending!.id)).toMatchObject({ outcome: 'done', state: 'active' });
    expect(await pendingAction()).toBeUndefined();
    await expect(confirmPendingAction(pending!.id)).rejects.toThrow(/expired/);
  });
});
