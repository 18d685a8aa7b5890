// Each notice is shown once per account: signing out and back in does not announce the backlog
// again, while another person signing in on the same browser still hears about their own.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { clearPersonalData } from '../../src/background/db';
import { notifyOnce, type Notice } from '../../src/background/notifications';

const shown: string[] = [];
beforeAll(() => {
  vi.stubGlobal('chrome', {
    runtime: { getURL: (p: string) => `chrome-extension://x/${p}` },
    storage: { local: { get: async () => ({}) } },
    notifications: {
      create: async (id: string) => {
        shown.push(id);
        return id;
      },
    },
  });
});
afterAll(() => vi.unstubAllGlobals());

const backlog: Notice[] = [
  { id: 'inbox:support_request:g1', kind: 'inbox', title: 'Support asks for data access', message: 'PS-101' },
  { id: 'inbox:access_request:r1', kind: 'inbox', title: 'Product access request', message: 'Nina' },
];

describe('notifications', () => {
  test('sign-out then sign-in as the same person: the backlog is not announced again', async () => {
    expect(await notifyOnce('alice-at-api', backlog)).toEqual(backlog.map((n) => n.id));
    await clearPersonalData(); // sign-out
    expect(await notifyOnce('alice-at-api', backlog)).toEqual([]);
    expect(shown).toEqual(backlog.map((n) => n.id));
  });

  test('another person on the same browser is told about the same items once', async () => {
    expect(await notifyOnce('dev-at-api', backlog)).toEqual(backlog.map((n) => n.id));
    expect(await notifyOnce('dev-at-api', backlog)).toEqual([]);
  });
});
