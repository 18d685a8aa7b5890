// The cache schema: a fresh install gets every store; decisions are kept per ticket with their age;
// sign-out leaves nothing of the person behind but which notices they were shown.
import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { clearPersonalData, db, readCache, readDecision, readMe, readToken, writeCache, writeDecision, writeMe, writeToken, DB_VERSION } from '../../src/background/db';
import type { TicketView } from '../../src/shared-ext/ticket-view';

const view = (key: string): TicketView => ({ key, grants: [], activity: [], names: {}, guardAdmins: [], stale: false });

describe('background db', () => {
  test('creates every store at the current version', async () => {
    const d = await db();
    expect(d.version).toBe(DB_VERSION);
    expect([...d.objectStoreNames].sort()).toEqual(['cache', 'credentials', 'decisions', 'me', 'meta', 'notified']);
  });

  test('decisions keep when they were fetched; me is tied to the token', async () => {
    const at = Date.now() - 60_000;
    await writeDecision(view('PS-101'), at);
    expect(await readDecision('PS-101')).toMatchObject({ fetchedAt: at, value: { key: 'PS-101' } });
    // Past the TTL: dropped on the next write.
    await writeDecision(view('PS-109'), 1_000);
    expect(await readDecision('PS-109')).toBeUndefined();
    expect(await readDecision('PS-101')).toBeDefined();
    await writeMe({ kind: 'admin', id: 'alice', name: 'Alice Ng', email: 'a@x', org: { id: 'acme', name: 'Acme', userManagement: 'centralized' }, roles: [], sites: [], capabilities: [] }, 'tok1');
    expect((await readMe('tok1'))?.value.id).toBe('alice');
    expect(await readMe('tok2')).toBeUndefined();
  });

  test('the token survives clearing personal data (sign-out writes an empty one itself)', async () => {
    await writeToken('alice-token');
    await clearPersonalData();
    expect(await readToken()).toBe('alice-token');
  });

  test('the poll cache says how old it is', async () => {
    const before = Date.now();
    await writeCache('inbox', [{ id: 'i1' }]);
    const cached = await readCache<{ id: string }[]>('inbox');
    expect(cached?.value).toEqual([{ id: 'i1' }]);
    expect(cached!.fetchedAt).toBeGreaterThanOrEqual(before);
  });

  test("sign-out clears the person's data; what was notified stays, keyed by account", async () => {
    await writeDecision(view('PS-102'), Date.now());
    await writeCache('grants', []);
    await (await db()).put('notified', { id: 'acct1 inbox:1', at: 1 });
    await clearPersonalData();
    expect(await readDecision('PS-102')).toBeUndefined();
    expect(await readCache('grants')).toBeUndefined();
    // Kept so that signing back in does not announce the same backlog again.
    expect(await (await db()).get('notified', 'acct1 inbox:1')).toBeDefined();
    expect(await readMe('tok1')).toBeUndefined();
  });
});

describe('upgrade ladder', () => {
  test('a version-1 database gains the credentials store and keeps its cached decisions', async () => {
    const { openDB, deleteDB } = await import('idb');
    const { DB_NAME } = await import('../../src/background/db');
    // Simulate an install that still has version 1 (separate name: the module's connection is cached).
    const name = `${DB_NAME}-v1-test`;
    await deleteDB(name);
    const v1 = await openDB(name, 1, {
      upgrade(d) {
        d.createObjectStore('decisions', { keyPath: 'key' }).createIndex('fetchedAt', 'fetchedAt');
        d.createObjectStore('meta', { keyPath: 'key' });
      },
    });
    await v1.put('decisions', { key: 'PS-101', value: {}, fetchedAt: 1 });
    v1.close();
    const { upgradeLadder } = await import('../../src/background/db');
    const v2 = await openDB(name, DB_VERSION, { upgrade: upgradeLadder });
    expect([...v2.objectStoreNames]).toContain('credentials');
    expect(await v2.get('decisions', 'PS-101')).toMatchObject({ key: 'PS-101' });
    v2.close();
  });

  test('a version-2 database gains the poll cache, keeps notified ids, drops the unused inbox and grants stores', async () => {
    const { openDB, deleteDB } = await import('idb');
    const { DB_NAME, upgradeLadder } = await import('../../src/background/db');
    const name = `${DB_NAME}-v2-test`;
    await deleteDB(name);
    // A version-2 install, built by hand (the ladder itself now climbs to the current version).
    const old = await openDB(name, 2, {
      upgrade(d) {
        d.createObjectStore('me');
        d.createObjectStore('decisions', { keyPath: 'key' }).createIndex('fetchedAt', 'fetchedAt');
        d.createObjectStore('inbox', { keyPath: 'id' });
        d.createObjectStore('grants', { keyPath: 'id' }).createIndex('ticket', 'ticket');
        d.createObjectStore('notified', { keyPath: 'id' });
        d.createObjectStore('meta', { keyPath: 'key' });
        d.createObjectStore('credentials');
      },
    });
    await old.put('notified', { id: 'inbox:7', at: 1 });
    old.close();
    const v3 = await openDB(name, 3, { upgrade: upgradeLadder });
    expect([...v3.objectStoreNames].sort()).toEqual(['cache', 'credentials', 'decisions', 'me', 'meta', 'notified']);
    expect(await v3.get('notified', 'inbox:7')).toMatchObject({ id: 'inbox:7' });
    v3.close();
  });
});
