// A storm of events on the live stream (a SCIM import, an org admin's bulk change) is not a storm of
// re-syncs: against the real Access API in process (PGlite), an org admin's extension follows
// /v1/events while 31 role changes land during one held re-sync; the extension re-syncs and tells
// its pages a bounded number of times, not once per event, and what it ends with is the
// directory after the last change (issue 21: every org admin hears every directory.changed).
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { ROUTES } from '../../src/api/contract';
import { pathOf } from '../support/api-call';
import { type InProcessApi, signInBackground, startApiAsFetch, stubChrome } from './api-world';

const BASE = 'http://localhost:4996';
const CHANGES = 31;
let api: InProcessApi;
/** GET /v1/me requests the extension made: one per re-sync. */
let meReads = 0;
/** While set, the extension's GET /v1/me waits for it: a re-sync held in flight. */
let hold: Promise<void> | undefined;
const messages: unknown[] = [];

beforeAll(async () => {
  api = await startApiAsFetch({
    answer: async (req, fetchApi) => {
      if (new URL(req.url).pathname === pathOf(ROUTES.me, {})) {
        meReads++;
        await hold;
      }
      return fetchApi(req);
    },
  });
  const store = new Map<string, unknown>();
  let connect: ((port: unknown) => void) | undefined;
  stubChrome(store, {
    runtime: {
      id: 'x',
      getURL: (p: string) => `chrome-extension://x/${p}`,
      getManifest: () => ({ action: { default_popup: 'src/popup/index.html' } }),
      onConnect: { addListener: (f: (port: unknown) => void) => (connect = f) },
    },
    action: { setBadgeText: async () => undefined, setBadgeBackgroundColor: async () => undefined, setTitle: async () => undefined, getBadgeText: async () => '' },
  });
  await signInBackground(BASE, 'alice-token');
  const { syncNow } = await import('../../src/background/inbox-sync');
  expect((await syncNow()).problem).toBeUndefined();
  const { listenForLivePorts } = await import('../../src/background/live-stream');
  listenForLivePorts();
  // An open extension page: its 'live' port starts the stream.
  connect!({
    name: 'live',
    sender: { id: 'x', url: 'chrome-extension://x/src/popup/index.html' },
    postMessage: (m: unknown) => messages.push(m),
    onDisconnect: { addListener: () => undefined },
  });
}, 60_000);
afterAll(async () => {
  vi.unstubAllGlobals();
  await api?.close();
});

test('thirty-one directory changes during one re-sync are a few refreshes, ending on the last change', async () => {
  const { readMe } = await import('../../src/background/db');
  const { fingerprint } = await import('../../src/background/api');
  const tokenHash = await fingerprint('alice-token');
  // The stream is up once a change reaches it: Frank's role is given and taken until the extension re-syncs.
  let frank: string | undefined;
  await vi.waitFor(
    async () => {
      const before = meReads;
      if (frank) {
        expect((await api.call('alice-token', ROUTES.deleteRoleAssignment, { id: frank })).status).toBe(204);
        frank = undefined;
      } else {
        const given = await api.call('alice-token', ROUTES.createRoleAssignment, { user: 'frank', role: 'product_admin', site: 'acme-main', product: 'confluence' });
        expect(given.status, JSON.stringify(given.json)).toBe(201);
        frank = given.json.id;
      }
      await vi.waitFor(() => expect(meReads).toBeGreaterThan(before), { timeout: 3_000 });
    },
    { timeout: 20_000 },
  );
  await new Promise((r) => setTimeout(r, 2_500)); // the warm-up's refreshes are over
  messages.length = 0;
  const reads = meReads;
  // The first change's event starts a re-sync; it is held while the other changes land.
  let release!: () => void;
  hold = new Promise((r) => (release = r));
  const made: string[] = [];
  for (let i = 0; i < CHANGES; i++) {
    // Alice gives herself Jira's product admin on the main site, takes it back, and so on; she ends holding it.
    if (i % 2 === 0) {
      const r = await api.call('alice-token', ROUTES.createRoleAssignment, { user: 'alice', role: 'product_admin', site: 'acme-main', product: 'jira' });
      expect(r.status, JSON.stringify(r.json)).toBe(201);
      made.push(r.json.id);
    } else expect((await api.call('alice-token', ROUTES.deleteRoleAssignment, { id: made.at(-1)! })).status).toBe(204);
    if (i === 0) await vi.waitFor(() => expect(meReads).toBeGreaterThan(reads), { timeout: 10_000 });
  }
  const held = meReads;
  release();
  hold = undefined;
  // The extension ends on the directory as it is now: Alice holds the role given last.
  await vi.waitFor(
    async () => {
      const roles = (await readMe(tokenHash))?.value.roles ?? [];
      expect(roles.some((r) => r.role === 'product_admin' && r.product === 'jira')).toBe(true);
    },
    { timeout: 15_000 },
  );
  // Let any refresh still owed run, then count: one held, one for everything that came meanwhile.
  await new Promise((r) => setTimeout(r, 2_500));
  expect(held - reads).toBe(1);
  expect(meReads - reads).toBeLessThanOrEqual(3);
  expect(messages.filter((m) => (m as { type?: string }).type === 'changed').length).toBeLessThanOrEqual(3);
}, 60_000);
