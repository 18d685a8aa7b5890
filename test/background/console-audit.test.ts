// The console's audit log names every action in words: it used to label `grant.guard_decision`,
// which the server never writes, so a Guard admin's approval showed as "grant.guard_approve".
// Runs the background's handler against the real Access API (in process, PGlite).
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { ROUTES } from '../../src/api/contract';
import { type InProcessApi, signInBackground, startApiAsFetch, stubChrome } from './api-world';

const BASE = 'http://localhost:4999';
let api: InProcessApi;
const store = new Map<string, unknown>();

beforeAll(async () => {
  api = await startApiAsFetch();
  stubChrome(store);
  await signInBackground(BASE, 'alice-token');
}, 60_000); // PGlite's first start is slow on a busy 2-core machine
afterAll(async () => {
  vi.unstubAllGlobals();
  await api?.close();
});

describe('console audit log', () => {
  test("a Guard admin's decision reads as words, not an action name", async () => {
    // PS-102 is on a Guard-restricted site: ivan's grant waits on gus, the Guard admin.
    const granted = await api.call('ivan-token', ROUTES.grant, { key: 'PS-102' }, {});
    expect(granted.status).toBe(201);
    expect(granted.json.state).toBe('pending_guard_approval');
    expect((await api.call('gus-token', ROUTES.guardDecision, { id: String(granted.json.id) }, { decision: 'approve' })).status).toBe(200);

    const { getAudit } = await import('../../src/background/handlers-console');
    const actions = (await getAudit(false, 'PS-102')).rows.map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['Granted data access', 'Guard approved access']));
    for (const a of actions) expect(a).not.toMatch(/^[a-z_]+\.[a-z_]+/);
  });
});
