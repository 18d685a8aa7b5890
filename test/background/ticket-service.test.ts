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
    runtime: { id: 'x', getURL: (p: string) => `chrome-extension://x/${p}`, getManifest: () => ({ action: { default_popup: 'src/popup/index.html' } }) },
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
  const { saveSettings } = await import('../../src/background/settings');
  await saveSettings({ apiBaseUrl: BASE, token: 'priya-token' });
}, 60_000); // PGlite's first start is slow on a busy 2-core machine
afterAll(async () => { vi.unstubAllGlobals(); await app?.close(); await db?.close(); });

const panelSender = { id: 'x', url: 'chrome-extension://x/src/panel/index.html#key=PS-101' };
const consoleSender = { id: 'x', url: 'chrome-extension://x/src/console/index.html#page=support-access' };
const popupSender = { id: 'x', url: 'chrome-extension://x/src/popup/index.html' };
const grantsOf = async (key: string, token = 'priya-token') =>
  ((await (await fetch(`${BASE}/v1/tickets/${key}/grants`, { headers: { authorization: `Bearer ${token}` } })).json()) as { grants: { id: string; kind: string; state: string }[] }).grants;

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
    const { requestAction } = await import('../../src/background/actions');
    const click = { isTrusted: true, visible: true };
    const a = await requestAction({ kind: 'grant', ticket: 'PS-106', idempotencyKey: 'k-1' }, click, panelSender);
    const b = await requestAction({ kind: 'grant', ticket: 'PS-106', idempotencyKey: 'k-1' }, click, panelSender);
    expect(a).toMatchObject({ outcome: 'done', state: 'active' });
    expect(b).toEqual(a);
    expect((await grantsOf('PS-106')).filter((g) => g.kind === 'data' && g.state === 'active')).toHaveLength(1);
  });

  test('an untrusted or unseen click is parked; confirming it in the popup does it', async () => {
    const { requestAction, pendingAction, confirmPendingAction } = await import('../../src/background/actions');
    const parked = await requestAction({ kind: 'grant', ticket: 'PS-101', idempotencyKey: 'k-2' }, { isTrusted: true, visible: false }, panelSender);
    expect(parked).toMatchObject({ outcome: 'parked', reason: expect.stringMatching(/covered, hidden or faded/) });
    const pending = await pendingAction();
    expect(pending?.label).toBe('Grant Support access to PS-101 (Confluence on acme.atlassian.net)');
    expect(await confirmPendingAction(pending!.id)).toMatchObject({ outcome: 'done', state: 'active' });
    expect(await pendingAction()).toBeUndefined();
    await expect(confirmPendingAction(pending!.id)).rejects.toThrow(/expired/);
  });

  test('a console frame click without evidence is parked; the popup needs none; a retry reuses the action key', async () => {
    const { requestAction, pendingAction, confirmPendingAction } = await import('../../src/background/actions');
    const grant = (await grantsOf('PS-106')).find((g) => g.kind === 'data' && g.state === 'active')!;
    // A script's click in the console frame (no evidence at all counts as untrusted).
    const parked = await requestAction({ kind: 'revoke', grantId: grant.id, idempotencyKey: 'k-3' }, undefined, consoleSender);
    expect(parked).toMatchObject({ outcome: 'parked', reason: expect.stringMatching(/synthesized by a script/) });
    expect((await pendingAction())?.label).toBe("Revoke Support's access to PS-106 (Confluence on acme.atlassian.net)");
    expect((await grantsOf('PS-106')).find((g) => g.id === grant.id)?.state).toBe('active');
    // The popup asks for the same action (same key): done once, and confirming the parked copy
    // afterwards replays it instead of acting twice.
    const direct = await requestAction({ kind: 'revoke', grantId: grant.id, idempotencyKey: 'k-3' }, undefined, popupSender);
    expect(direct).toMatchObject({ outcome: 'done', state: 'revoked' });
    expect(await confirmPendingAction((await pendingAction())!.id)).toEqual(direct);
  });
});
