// The poll's part for requesters, against the real Access API (in process, PGlite): a decision on my
// product access request is announced once, with the reviewer's message, and never the backlog.
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
  await saveSettings({ apiBaseUrl: BASE, token: 'oscar-token' });
}, 60_000);
afterAll(async () => {
  vi.unstubAllGlobals();
  await app?.close();
  await db?.close();
});

const call = (token: string, path: string, body: unknown) =>
  app.app.request(path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('a denial of my request is announced once, with who decided and the message; the popup cache has it', async () => {
  const { syncNow } = await import('../../src/background/inbox-sync');
  const { readCache } = await import('../../src/background/db');
  await syncNow(); // first sight
  const made = await call('oscar-token', '/v1/access-requests', { site: 'acme-main', product: 'confluence' });
  expect(made.status).toBe(201);
  const { id } = (await made.json()) as { id: string };
  await syncNow();
  await syncNow(); // unchanged: 304
  expect(shown).toEqual([]);
  // The demo world also seeds a request of Oscar's (for Jira); this one is found by its id.
  expect((await readCache<{ id: string; state: string }[]>('myRequests'))!.value.find((r) => r.id === id)).toMatchObject({ id, state: 'pending' });

  expect((await call('dev-token', `/v1/access-requests/${id}/deny`, { message: 'Ask your Acme sponsor.' })).status).toBe(200);
  await syncNow();
  expect(shown).toEqual([
    {
      id: `request-decision:${id}`,
      title: 'Confluence on acme.atlassian.net: denied by Dev Patel',
      message:
        '"Ask your Acme sponsor." This denial bars you from asking again. Denying a request that someone outside the site made for themself bars that person from requesting product access anywhere in Acme Corp.',
    },
  ]);
  await syncNow();
  expect(shown).toHaveLength(1);
  expect((await readCache<{ id: string; state: string }[]>('myRequests'))!.value.find((r) => r.id === id)).toMatchObject({ id, state: 'denied' });
}, 60_000);
