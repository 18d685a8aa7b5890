// Notifications name people by their display name (issue 23: a Guard decision read "… · by gus"),
// through the real poll against the real Access API (in process, PGlite).
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
  await signInBackground(BASE, 'ivan-token');
}, 60_000);
afterAll(async () => {
  vi.unstubAllGlobals();
  await api?.close();
});

test("a Guard decision's notification names the Guard admin, not their id", async () => {
  const { syncNow } = await import('../../src/background/inbox-sync');
  const made = (await api.call('ivan-token', ROUTES.grant, { key: 'PS-102' })).json as { id: string; state: string };
  expect(made.state).toBe('pending_guard_approval');
  await syncNow(); // the worker sees it pending
  expect((await api.call('gus-token', ROUTES.guardDecision, { id: made.id }, { decision: 'approve' })).status).toBe(200);
  await syncNow();
  const notice = shown.find((n) => n.id === `guard:${made.id}`);
  expect(notice?.message).toBe('Jira on acme-eu.atlassian.net · by Gus Romero');
});
