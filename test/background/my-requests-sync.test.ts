// The poll's part for requesters, against the real Access API (in process, PGlite): a decision on my
// product access request is announced once, with the reviewer's message, and never the backlog.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { ROUTES } from '../../src/api/contract';
import { type InProcessApi, type Shown, signInBackground, startApiAsFetch, stubChromeForPoll } from './api-world';

const BASE = 'http://localhost:4997';
let api: InProcessApi;
const shown: Shown[] = [];

beforeAll(async () => {
  api = await startApiAsFetch();
  stubChromeForPoll(shown);
  await signInBackground(BASE, 'oscar-token');
}, 60_000);
afterAll(async () => {
  vi.unstubAllGlobals();
  await api?.close();
});

test('a denial of my request is announced once, with who decided and the message; the popup cache has it', async () => {
  const { syncNow } = await import('../../src/background/inbox-sync');
  const { readCache } = await import('../../src/background/db');
  await syncNow(); // first sight
  const made = await api.call('oscar-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence' });
  expect(made.status).toBe(201);
  const { id } = made.json as { id: string };
  await syncNow();
  await syncNow(); // unchanged: 304
  expect(shown).toEqual([]);
  // The demo world also seeds a request of Oscar's (for Jira); this one is found by its id.
  expect((await readCache<{ id: string; state: string }[]>('myRequests'))!.value.find((r) => r.id === id)).toMatchObject({ id, state: 'pending' });

  expect((await api.call('dev-token', ROUTES.denyAccessRequest, { id }, { message: 'Ask your Acme sponsor.' })).status).toBe(200);
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
