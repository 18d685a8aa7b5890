// Grant rows refuse a stale write: two decisions made from one version cannot both be saved.
import { describe, expect, it } from 'vitest';
import { applyGrantEvent, type Grant } from '../../src/core/index';
import { openPglite } from '../../src/server/db/index';
import { grantById, saveGrant } from '../../src/server/store';

describe('saveGrant', () => {
  it('saves a change made from the stored version and refuses one made from an older version', async () => {
    const db = await openPglite();
    try {
      const at = '2026-01-01T00:00:00Z';
      const req: Grant = { id: 'g1', kind: 'data', ticket: 'T-1', site: 's', product: 'jira', engineer: 'sam', state: 'requested', requestedAt: at, version: 1 };
      expect(await saveGrant(db, req)).toBe(true);
      const granted = applyGrantEvent(req, { type: 'grant', by: 'alice', at, guardRequired: false });
      const revoked = applyGrantEvent(req, { type: 'revoke', by: 'olga', at, reason: 'admin' });
      expect(await saveGrant(db, granted)).toBe(true);
      // Made from version 1 too: it lost, and the stored grant stays as the winner left it.
      expect(await saveGrant(db, revoked)).toBe(false);
      expect(await grantById(db, 'g1')).toMatchObject({ state: 'active', version: 2 });
    } finally {
      await db.close();
    }
  });
});
