// Attack on the live stream's coalescing (af2f6c8): an event that reaches the extension must end
// in a refresh (a directory change: the cached role data dropped first) within about a second,
// whenever it arrives: while the last round's re-sync finishes, or when telling a page fails. And
// only the extension's own pages may hold a 'live' port. The stream, the re-sync and the stores are
// stand-ins the test drives, so each interleaving is exact.
import { afterEach, beforeEach, expect, test, vi } from 'vitest';

type Port = { name: string; sender: unknown; postMessage: (m: unknown) => void; onDisconnect: { addListener: (f: () => void) => void } };
const ctl = {
  connect: undefined as ((p: Port) => void) | undefined,
  syncNow: vi.fn(async () => ({ inboxChanged: false, notified: [] })),
  rolesChanged: vi.fn(async () => undefined),
  setMeta: vi.fn(async (_k: string, _v: unknown) => undefined),
  fetch: vi.fn(),
};

vi.mock('../../src/shared-ext/browser', () => ({
  browser: {
    runtime: {
      id: 'ours',
      getURL: (p: string) => `chrome-extension://ours/${p}`,
      onConnect: { addListener: (f: (p: Port) => void) => (ctl.connect = f) },
    },
  },
}));
vi.mock('../../src/background/db', () => ({ getMeta: async () => undefined, setMeta: (k: string, v: unknown) => ctl.setMeta(k, v) }));
vi.mock('../../src/background/inbox-sync', () => ({ syncNow: () => ctl.syncNow() }));
vi.mock('../../src/background/ticket-views', () => ({ rolesChanged: () => ctl.rolesChanged() }));
vi.mock('../../src/background/provider-session', () => ({ freshSettings: async () => ({ token: 't', apiBaseUrl: 'http://api.test' }) }));
vi.mock('../../src/background/auth-state', () => ({ tokenRejected: async () => undefined }));
vi.mock('../../src/background/api', () => ({ problemReason: async () => undefined }));

/** The SSE body the API is sending: `push` one chunk. */
let push: (text: string) => void;
const disconnects: Array<() => void> = [];

beforeEach(async () => {
  vi.resetModules();
  ctl.syncNow.mockReset().mockImplementation(async () => ({ inboxChanged: false, notified: [] }));
  ctl.rolesChanged.mockReset().mockImplementation(async () => undefined);
  ctl.setMeta.mockReset().mockImplementation(async () => undefined);
  ctl.fetch.mockReset().mockImplementation(async () => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        push = (text) => c.enqueue(new TextEncoder().encode(text));
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  });
  vi.stubGlobal('fetch', ctl.fetch);
  const { listenForLivePorts } = await import('../../src/background/live-stream');
  listenForLivePorts();
});
afterEach(() => {
  for (const d of disconnects.splice(0)) d();
  vi.unstubAllGlobals();
});

const OWN_PAGE = { id: 'ours', url: 'chrome-extension://ours/src/popup/index.html' };
const page = (postMessage: (m: unknown) => void, sender: unknown = OWN_PAGE): Port => ({
  name: 'live',
  sender,
  postMessage,
  onDisconnect: { addListener: (f) => disconnects.push(f) },
});
const held = () => {
  let release!: () => void;
  const p = new Promise<void>((r) => (release = r));
  return { p, release };
};
const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

for (let k = 0; k <= 6; k++)
  test(`a directory change read as the last round's re-sync ends (${k} microtasks apart) still drops the role cache and re-syncs`, async () => {
    const told: unknown[] = [];
    ctl.connect!(page((m) => told.push(m)));
    await vi.waitFor(() => expect(ctl.fetch).toHaveBeenCalled());
    // Event 1 starts a round whose re-sync is held.
    const sync1 = held();
    ctl.syncNow.mockImplementationOnce(async () => {
      await sync1.p;
      return { inboxChanged: false, notified: [] };
    });
    push('id: 1\ndata: {}\n\n');
    await vi.waitFor(() => expect(ctl.syncNow).toHaveBeenCalledTimes(1));
    // Event 2 (Alice demoted) is read meanwhile; keeping its id is held too.
    const meta2 = held();
    ctl.setMeta.mockImplementation(async (_k, v) => {
      if (v === '2') await meta2.p;
    });
    push('id: 2\nevent: directory.changed\ndata: {}\n\n');
    await vi.waitFor(() => expect(ctl.setMeta).toHaveBeenCalledWith('lastEventId', '2'));
    // The round's re-sync ends, and k microtasks later the stream hands the event on.
    sync1.release();
    await ticks(k);
    meta2.release();
    await vi.waitFor(
      () => {
        expect(ctl.rolesChanged).toHaveBeenCalled();
        expect(ctl.syncNow).toHaveBeenCalledTimes(2);
      },
      { timeout: 2_500 },
    );
    await vi.waitFor(() => expect(told.length).toBe(2));
  });

test('a page that cannot be told (its port gone) does not strand the demotion read during that round', async () => {
  const told: unknown[] = [];
  ctl.connect!(
    page(() => {
      throw new Error('Attempting to use a disconnected port object');
    }),
  );
  ctl.connect!(page((m) => told.push(m)));
  await vi.waitFor(() => expect(ctl.fetch).toHaveBeenCalledTimes(1));
  const sync1 = held();
  ctl.syncNow.mockImplementationOnce(async () => {
    await sync1.p;
    return { inboxChanged: false, notified: [] };
  });
  push('id: 1\ndata: {}\n\n');
  await vi.waitFor(() => expect(ctl.syncNow).toHaveBeenCalledTimes(1));
  push('id: 2\nevent: directory.changed\ndata: {}\n\n');
  await vi.waitFor(() => expect(ctl.setMeta).toHaveBeenCalledWith('lastEventId', '2'));
  const rejections: unknown[] = [];
  const onRejection = (e: unknown) => rejections.push(e);
  process.on('unhandledRejection', onRejection);
  try {
    sync1.release();
    // The demotion's round: role cache dropped, re-synced, the open page told, within about a second.
    await vi.waitFor(
      () => {
        expect(ctl.rolesChanged).toHaveBeenCalled();
        expect(ctl.syncNow).toHaveBeenCalledTimes(2);
        expect(told.length).toBeGreaterThanOrEqual(2);
      },
      { timeout: 2_500 },
    );
  } finally {
    process.off('unhandledRejection', onRejection);
  }
  expect(rejections).toEqual([]);
});

test("only the extension's own pages hold a 'live' port: a content script on a page, another extension, no sender", async () => {
  for (const sender of [{ id: 'ours', url: 'https://evil.example/' }, { id: 'other', url: 'chrome-extension://other/x.html' }, { id: 'other', url: 'chrome-extension://ours/x.html' }, null])
    ctl.connect!({ ...page(() => undefined), sender: sender ?? undefined });
  await new Promise((r) => setTimeout(r, 50));
  expect(ctl.fetch).not.toHaveBeenCalled();
});
