// The cache schema: a fresh install gets every store; decisions are kept per ticket with their age;
// sign-out leaves nothing of the person behind.
import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { clearPersonalData, db, readDecision, readMe, writeDecision, writeMe, DB_VERSION } from '../../src/background/db';
import type { TicketView } from '../../src/shared-ext/ticket-view';

const view = (key: string): TicketView => ({ key, grants: [], activity: [], names: {}, guardAdmins: [], stale: false });

describe('background db', () => {
  test('creates every store at the current version', async () => {
    const d = await db();
    expect(d.version).toBe(DB_VERSION);
    expect([...d.objectStoreNames].sort()).toEqual(['decisions', 'grants', 'inbox', 'me', 'meta', 'notified']);
  });

  test('decisions keep when they were fetched; me is tied to the token', async () => {
    const at = Date.now() - 60_000;
    await writeDecision(view('PS-101'), at);
    expect(await readDecision('PS-101')).toMatchObject({ fetchedAt: at, value: { key: 'PS-101' } });
    // Past the TTL: dropped on the next write.
    await writeDecision(view('PS-109'), 1_000);
    expect(await readDecision('PS-109')).toBeUndefined();
    expect(await readDecision('PS-101')).toBeDefined();
    await writeMe({ kind: 'admin', id: 'alice', name: 'Alice Ng', email: 'a@x', org: { id: 'acme', name: 'Acme', userManagement: 'centralized' }, roles: [], sites: [] }, 'tok1');
    expect((await readMe('tok1'))?.value.id).toBe('alice');
    expect(await readMe('tok2')).toBeUndefined();
  });

  test('sign-out clears it all', async () => {
    await writeDecision(view('PS-102'), Date.now());
    await clearPersonalData();
    expect(await readDecision('PS-102')).toBeUndefined();
    expect(await readMe('tok1')).toBeUndefined();
  });
});
