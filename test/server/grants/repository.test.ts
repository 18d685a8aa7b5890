// Grant rows refuse a stale write: two decisions made from one version cannot both be saved.
import { describe, expect, it } from 'vitest';
import { applyGrantEvent, type Grant } from '../../../src/core/index';
import { openPglite } from '../../../src/server/db/index';
import { grantById, saveGrant } from '../../../src/server/grants/repository';

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

describe('currentTickets', () => {
  it('reads many tickets in one go, with the status the database holds, skipping unknown keys', async () => {
    const { indexWorld, parseWorld } = await import('../../../src/core/index');
    const { WORLD } = await import('../helpers');
    const { currentTickets } = await import('../../../src/server/grants/repository');
    const ix = indexWorld(parseWorld(structuredClone(WORLD)));
    const db = await openPglite();
    try {
      await db.query("INSERT INTO ticket_state (key, status) VALUES ('PS-101', 'closed'), ('PS-102', NULL)");
      const t = await currentTickets(db, ix, ['PS-101', 'PS-102', 'PS-103', 'PS-101', 'NOPE-1']);
      expect([...t.keys()].sort()).toEqual(['PS-101', 'PS-102', 'PS-103']);
      expect(t.get('PS-101')!.status).toBe('closed');
      expect(t.get('PS-102')!.status).toBe('open');
      expect(t.get('PS-103')!.status).toBe('open');
      expect((await currentTickets(db, ix, [])).size).toBe(0);
    } finally {
      await db.close();
    }
  });
});
