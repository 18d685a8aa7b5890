// A world file applied at start (--apply-world) is a directory change like a live one (issue 21,
// README "What happens to what already exists"): a site it newly puts under Guard holds its live
// grants for Guard approval again, a grant whose granter it demotes stays, flagged for org admins
// with revoke, the demoted person is no longer offered granting (and may still revoke), and a
// person it removes is refused on their next request. directory.test.ts shows the same for live
// changes (role routes, SCIM, the vendor's routes).
import { afterEach, describe, expect, it } from 'vitest';
import type { World } from '../../../src/core/index';
import { createApp, type AccessApp } from '../../../src/server/app';
import { verifyAuditTrail as verifyAudit } from '../../../src/server/audit/verify';
import { openPglite, openPostgres, type Db } from '../../../src/server/db/index';
import { ADMIN_URL, scratchDatabase, TEST_AUDIT_KEY, WORLD, type Backend } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi, type Caller, type RouteCall } from '../../support/api-call';

/** WORLD after an edit of the file: acme-main under Guard, Bob no longer Jira's product admin, Mia gone. */
function editedWorld(): World {
  const w = structuredClone(WORLD);
  w.organization.guard = { restrictedSites: ['acme-eu', 'acme-main'] };
  w.roles = w.roles.filter((r) => r.user !== 'bob');
  w.users = w.users.filter((u) => u.id !== 'mia');
  return w;
}

const backends: Backend[] = ADMIN_URL ? ['pglite', 'postgres'] : ['pglite'];

for (const backend of backends) {
  describe(`a world file applied at start on ${backend}`, () => {
    let db: Db | undefined;
    let api: AccessApp | undefined;
    let drop: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await api?.close();
      await db?.close();
      await drop?.();
      api = db = drop = undefined;
    });

    const start = (world: World, applyWorld: boolean) => createApp({ world, db: db!, applyWorld, log: () => {}, auditSigning: { key: TEST_AUDIT_KEY }, rateLimitPerMinute: 100_000 });

    it('does to what exists what the same live change does: Guard holds, flagged grants, a demoted granter, a removed person', async () => {
      if (backend === 'postgres') {
        const scratch = await scratchDatabase();
        drop = scratch.drop;
        db = await openPostgres(scratch.url);
      } else db = await openPglite();
      api = await start(WORLD, false);
      const call: Caller = (token: string | null, ...route: RouteCall) => callApi(api!.app, token, ...route);
      const g = await call('bob-token', ROUTES.grant, { key: 'PS-100' }, {});
      expect(g.status, JSON.stringify(g.json)).toBe(201);
      expect(g.json.state).toBe('active');
      expect((await call('sam-token', ROUTES.checkAccess, { ticket: 'PS-100', resource: { type: 'work_item', id: 'PS-100' } })).json.allowed).toBe(true);
      expect((await call('mia-token', ROUTES.me)).status).toBe(200);
      await api.close();

      // Started again on the same database with the edited file: not applied unless asked.
      api = await start(editedWorld(), false);
      expect((await call('alice-token', ROUTES.getGrant, { id: g.json.id })).json.state).toBe('active');
      await api.close();

      api = await start(editedWorld(), true);
      // acme-main is now under Guard: the live grant waits for a Guard admin again, and Support is refused meanwhile.
      const held = (await call('alice-token', ROUTES.getGrant, { id: g.json.id })).json;
      expect(held).toMatchObject({ state: 'pending_guard_approval', grantedBy: 'bob', grantedByNoLongerCan: true });
      expect((await call('sam-token', ROUTES.checkAccess, { ticket: 'PS-100', resource: { type: 'work_item', id: 'PS-100' } })).json.allowed).toBe(false);
      // Bob's grant is flagged for org admins, with revoke; he is not offered granting, and sees no flag.
      expect((await call('alice-token', ROUTES.flaggedGrants)).json.grants.map((x: { id: string }) => x.id)).toEqual([g.json.id]);
      expect((await call('bob-token', ROUTES.getGrant, { id: g.json.id })).json.grantedByNoLongerCan).toBeUndefined();
      const e = (await call('bob-token', ROUTES.eligibility, { key: 'PS-102' })).json;
      expect(e.allowed).toBe(false);
      expect(e.causes.map((c: { code: string }) => c.code)).toContain('no_admin_role');
      // Mia, gone from the file, is refused on her next request.
      expect((await call('mia-token', ROUTES.me)).status).toBe(401);
      // One audit row for the applied file, naming it as the actor.
      const rows = (await call('alice-token', ROUTES.audit, { query: { limit: 500 } })).json.entries.filter((x: { action: string }) => x.action === 'directory.import');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ actor: 'world-file', detail: expect.objectContaining({ grantsHeldForGuard: 1 }) });
      // Revoking what he granted stays allowed (reducing access always is).
      expect((await call('bob-token', ROUTES.revoke, { id: g.json.id }, {})).status).toBe(200);
      expect((await call('alice-token', ROUTES.flaggedGrants)).json.grants).toEqual([]);
      expect((await verifyAudit(db)).ok).toBe(true);
    });
  });
}
