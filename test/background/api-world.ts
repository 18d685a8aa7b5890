// For background tests that run the extension's handlers against the real Access API: the API in
// this process (PGlite in memory, the demo world) answering the background's fetch, the `chrome`
// stub those handlers need, and the extension's settings signed in.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { vi } from 'vitest';
import { createApp, type AccessApp, type AppOptions } from '../../src/server/app';
import { openDb, type Db } from '../../src/server/db/index';
import { callApi, type Caller, type RouteCall } from '../support/api-call';

const DEMO_WORLD = join(__dirname, '../../fixtures/demo-world.json');

export interface InProcessApi {
  app: AccessApp;
  db: Db;
  /** A contract call straight to the API, as a test's own actor (test/support/api-call.ts). */
  call: Caller;
  /** Closes the API and its database. */
  close(): Promise<void>;
}

/**
 * Starts the API and stubs the global fetch with it, whatever the URL's origin. `answer`, when
 * given, sees each request first and may hold or fail it before handing it to the API.
 */
export async function startApiAsFetch(
  opts: { auditSigning?: AppOptions['auditSigning']; answer?: (req: Request, api: (req: Request) => Promise<Response>) => Promise<Response> } = {},
): Promise<InProcessApi> {
  const db = await openDb({});
  const app = await createApp({ world: JSON.parse(readFileSync(DEMO_WORLD, 'utf8')), db, log: () => undefined, ...(opts.auditSigning ? { auditSigning: opts.auditSigning } : {}) });
  const api = async (req: Request) => app.app.fetch(req);
  vi.stubGlobal('fetch', async (input: string | URL | Request, init?: RequestInit) => {
    const req = new Request(input, init);
    return opts.answer ? opts.answer(req, api) : api(req);
  });
  return {
    app,
    db,
    call: (token: string | null, ...route: RouteCall) => callApi(app.app, token, ...route),
    close: async () => {
      await app.close();
      await db.close();
    },
  };
}

/**
 * Stubs `chrome` as the console and popup handlers use it: storage.local keeps what it is given (in
 * `store`), the badge, the popup, notifications and alarms do nothing. `extra` adds or replaces
 * namespaces (tabs, a notifications spy).
 */
export function stubChrome(store: Map<string, unknown>, extra: Record<string, unknown> = {}): void {
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
    ...extra,
  });
}

/** A notification the extension raised. */
export interface Shown {
  id: string;
  title: string;
  message: string;
}

/**
 * Stubs `chrome` as the inbox poll uses it: storage.local keeps nothing, the badge does nothing,
 * and each notification created is recorded in `shown` when given. `extra` adds or replaces namespaces.
 */
export function stubChromeForPoll(shown?: Shown[], extra: Record<string, unknown> = {}): void {
  vi.stubGlobal('chrome', {
    runtime: { id: 'x', getURL: (p: string) => `chrome-extension://x/${p}` },
    storage: { local: { get: async () => ({}), set: async () => undefined, remove: async () => undefined } },
    action: { setBadgeText: async () => undefined, setBadgeBackgroundColor: async () => undefined },
    notifications: {
      create: async (id: string, o: { title: string; message: string }) => {
        shown?.push({ id, title: o.title, message: o.message });
        return id;
      },
    },
    ...extra,
  });
}

/** Signs the extension in to the API at `apiBaseUrl` with `token` (after `chrome` is stubbed: the settings module reads it). */
export async function signInBackground(apiBaseUrl: string, token: string): Promise<void> {
  const { saveSettings } = await import('../../src/background/settings');
  await saveSettings({ apiBaseUrl, token });
}
