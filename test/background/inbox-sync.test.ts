// The poll against the real Access API (in process, PGlite): a sync asked for while another runs
// must not be answered with that one, which may have read the API before the change.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { ROUTES } from '../../src/api/contract';
import { pathOf } from '../support/api-call';
import { type InProcessApi, signInBackground, startApiAsFetch, stubChromeForPoll } from './api-world';

const BASE = 'http://localhost:4998';
let api: InProcessApi;
let hold: Promise<void> | undefined;
let reached: (() => void) | undefined;

beforeAll(async () => {
  api = await startApiAsFetch({
    answer: async (req, answer) => {
      if (hold && new URL(req.url).pathname === pathOf(ROUTES.grants)) {
        reached?.();
        await hold;
      } // the poll, past its inbox read
      return answer(req);
    },
  });
  stubChromeForPoll();
  await signInBackground(BASE, 'alice-token');
}, 60_000);
afterAll(async () => {
  vi.unstubAllGlobals();
  await api?.close();
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
  const asked = await api.call('nina-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence' }, { headers: { 'idempotency-key': 'k1' } });
  expect(asked.status).toBe(201);
  const after = syncNow(); // as the live stream does on the request's event
  hold = undefined;
  release();
  await running;
  await after;
  expect((await readCache<{ id: string }[]>('inbox'))!.value).toHaveLength(before + 1);
}, 60_000);
