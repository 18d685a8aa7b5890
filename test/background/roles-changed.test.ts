// The extension's cached role data follows the directory (issue 21), against the real Access API in
// process (PGlite): with no page open (no event stream), the poll re-reads /v1/me and, when the
// roles differ, drops the cached me and every cached ticket answer, so no panel paints "You can
// grant" from before an org admin took the role away; an unchanged directory keeps the cache.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { ROUTES } from '../../src/api/contract';
import { type InProcessApi, signInBackground, startApiAsFetch, stubChromeForPoll } from './api-world';

const BASE = 'http://localhost:4997';
let api: InProcessApi;

beforeAll(async () => {
  api = await startApiAsFetch();
  stubChromeForPoll(undefined, { action: { setBadgeText: async () => undefined, setBadgeBackgroundColor: async () => undefined, setTitle: async () => undefined, getBadgeText: async () => '' } });
  await signInBackground(BASE, 'priya-token');
}, 60_000);
afterAll(async () => {
  vi.unstubAllGlobals();
  await api?.close();
});

test('a role taken away is seen by the next poll: the cached me and ticket answers go', async () => {
  const { syncNow } = await import('../../src/background/inbox-sync');
  const { ticketView } = await import('../../src/background/ticket-views');
  const { readDecision, readMe } = await import('../../src/background/db');
  const { fingerprint } = await import('../../src/background/api');
  const tokenHash = await fingerprint('priya-token');

  expect((await syncNow()).problem).toBeUndefined();
  expect((await ticketView('PS-101', true)).eligibility?.allowed).toBe(true);
  // Nothing changed: the next poll keeps what is cached.
  await syncNow();
  expect((await readDecision('PS-101'))?.value.eligibility?.allowed).toBe(true);
  expect((await readMe(tokenHash))?.value.roles.some((r) => r.product === 'confluence')).toBe(true);

  // An org admin removes Priya's Confluence role.
  const { json } = await api.call('alice-token', ROUTES.roleAssignments, { query: { user: 'priya' } });
  const role = (json as { assignments: Array<{ id: string; product?: string }> }).assignments.find((a) => a.product === 'confluence')!;
  expect((await api.call('alice-token', ROUTES.deleteRoleAssignment, { id: role.id })).status).toBe(204);

  await syncNow();
  expect(await readDecision('PS-101')).toBeUndefined();
  expect((await readMe(tokenHash))?.value.roles.some((r) => r.product === 'confluence')).toBe(false);
  // The panel's first paint has no stale "You can grant"; its refresh says she can't.
  expect((await ticketView('PS-101', false)).eligibility).toBeUndefined();
  expect((await ticketView('PS-101', true)).eligibility?.allowed).toBe(false);
});
