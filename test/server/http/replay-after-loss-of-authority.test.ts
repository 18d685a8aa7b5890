// An Idempotency-Key replay is an answer given again, so it must not outlive the authority it was
// given on (THREATS: replay). Before a stored answer is sent again the caller meets what a fresh
// request by them meets now: authentication, the route's `who` and its authority over what the
// request names. A caller who lost it gets the refusal a fresh request would get, on record like any
// refusal, and the key keeps its answer (given back once the authority is). A caller who still holds
// it gets the stored answer, whatever happened to the resource since. A stored answer is only ever
// the principal's who made it. On PGlite always, and on PostgreSQL when DATABASE_URL is set.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { World } from '../../../src/core/index';
import { createApp } from '../../../src/server/app';
import { openPglite } from '../../../src/server/db/index';
import { ADMIN_URL, harness, TEST_AUDIT_KEY, WORLD, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { pathOf } from '../../support/api-call';

type Row = { actor: string; action: string; outcome: string; ticket: string | null; detail: Record<string, unknown> };

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`Idempotency-Key replays after loss of authority on ${backend}`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await harness(backend);
    });
    afterEach(async () => {
      await h?.close();
    });

    const key = (k: string) => ({ 'idempotency-key': k });
    const head = async () => Number((await h.db.query<{ n: number | string }>('SELECT coalesce(max(seq), 0) AS n FROM audit'))[0]!.n);
    const rowsAfter = async (seq: number) =>
      (await h.db.query<Row>('SELECT actor, action, outcome, ticket, detail FROM audit WHERE seq > $1 ORDER BY seq', [seq])).map((r) => ({
        ...r,
        detail: typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail,
      }));
    const roleOf = async (user: string) =>
      (await h.call('alice-token', ROUTES.roleAssignments, { query: { user } })).json.assignments[0] as { id: string; source: string; role: string; site?: string; product?: string };
    const removeRole = async (user: string) => {
      const role = await roleOf(user);
      expect((await h.call('alice-token', ROUTES.deleteRoleAssignment, { id: role.id })).status).toBe(204);
      // What an org admin sends to give it back.
      const { id: _id, source: _source, ...again } = role;
      return again;
    };

    it("a demoted granter's replay of a revoked grant is refused as a fresh grant is, on record; given the role back, the stored answer", async () => {
      const first = await h.call('bob-token', ROUTES.grant, { key: 'PS-101' }, {}, { headers: key('bob-grant') });
      expect(first.status).toBe(201);
      expect((await h.call('alice-token', ROUTES.revoke, { id: first.json.id }, {})).status).toBe(200);
      const role = await removeRole('bob');

      const fresh = await h.call('bob-token', ROUTES.grant, { key: 'PS-101' }, {});
      expect(fresh.status).toBe(403);
      const before = await head();
      const replay = await h.call('bob-token', ROUTES.grant, { key: 'PS-101' }, {}, { headers: key('bob-grant') });
      expect(replay.status).toBe(403);
      expect(replay.headers.get('idempotent-replayed')).toBeNull();
      expect(replay.type).toContain('application/problem+json');
      expect(replay.json.type).toBe(fresh.json.type);
      expect(replay.json.causes).toEqual(fresh.json.causes);
      expect(replay.json.causes.map((c: { code: string }) => c.code)).toContain('no_admin_role');
      const rows = await rowsAfter(before);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ actor: 'bob', action: 'grant.create', outcome: 'refused', ticket: 'PS-101', detail: { status: 403, causes: expect.arrayContaining(['no_admin_role']) } });

      // The refusal was not kept under the key: with the role back, the key answers what it answered.
      expect((await h.call('alice-token', ROUTES.createRoleAssignment, role)).status).toBe(201);
      const again = await h.call('bob-token', ROUTES.grant, { key: 'PS-101' }, {}, { headers: key('bob-grant') });
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.json).toEqual(first.json);
    });

    it('a caller who still may grants gets the stored answer after the grant was revoked, and nothing is recorded', async () => {
      const first = await h.call('alice-token', ROUTES.grant, { key: 'PS-102' }, {}, { headers: key('alice-grant') });
      expect(first.status).toBe(201);
      expect((await h.call('alice-token', ROUTES.revoke, { id: first.json.id }, {})).status).toBe(200);
      const before = await head();
      const replay = await h.call('alice-token', ROUTES.grant, { key: 'PS-102' }, {}, { headers: key('alice-grant') });
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.json).toEqual(first.json);
      expect(await rowsAfter(before)).toEqual([]);
    });

    it("a bulk grant's stored answer is sent again while the caller may still grant what it granted, then refused", async () => {
      const body = { tickets: ['PS-108', 'PS-200'] };
      const first = await h.call('bob-token', ROUTES.bulkGrant, body, { headers: key('bob-bulk') });
      expect(first.json.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, false]); // PS-200 is Confluence: never his
      const same = await h.call('bob-token', ROUTES.bulkGrant, body, { headers: key('bob-bulk') });
      expect(same.headers.get('idempotent-replayed')).toBe('true');
      expect(same.json).toEqual(first.json);
      await removeRole('bob');
      const before = await head();
      const replay = await h.call('bob-token', ROUTES.bulkGrant, body, { headers: key('bob-bulk') });
      expect(replay.status).toBe(403);
      expect(replay.headers.get('idempotent-replayed')).toBeNull();
      expect(await rowsAfter(before)).toEqual([expect.objectContaining({ actor: 'bob', action: 'grant.bulk_create', outcome: 'refused' })]);
    });

    it('a deactivated granter, and a deleted key, are refused (401) before any stored answer', async () => {
      const first = await h.call('bob-token', ROUTES.grant, { key: 'PS-103' }, {}, { headers: key('bob-deactivated') });
      expect(first.status).toBe(201);
      await h.api.ctx.directoryStore.updatePerson({ kind: 'admin', id: 'alice' }, 'bob', { active: false });
      const replay = await h.call('bob-token', ROUTES.grant, { key: 'PS-103' }, {}, { headers: key('bob-deactivated') });
      expect(replay.status).toBe(401);
      expect(replay.headers.get('idempotent-replayed')).toBeNull();

      const made = await h.call('alice-token', ROUTES.createApiKey, { name: 'checker', scopes: ['access_check'], engineer: 'sam' });
      expect(made.status).toBe(201);
      const check = { ticket: 'PS-103', resource: 'work_item:PS-103' };
      expect((await h.call(made.json.secret, ROUTES.checkAccess, check, { headers: key('key-check') })).status).toBe(200);
      expect((await h.call('alice-token', ROUTES.deleteApiKey, { id: made.json.id })).status).toBe(204);
      const afterDelete = await h.call(made.json.secret, ROUTES.checkAccess, check, { headers: key('key-check') });
      expect(afterDelete.status).toBe(401);
      expect(afterDelete.headers.get('idempotent-replayed')).toBeNull();
    });

    it("a Guard admin's decision is not replayed once they no longer are one", async () => {
      const held = await h.call('alice-token', ROUTES.grant, { key: 'EU-1' }, {});
      expect(held.json.state).toBe('pending_guard_approval');
      const first = await h.call('gus-token', ROUTES.guardDecision, { id: held.json.id }, { decision: 'approve' }, { headers: key('gus-approve') });
      expect(first.status).toBe(200);
      await removeRole('gus');
      const before = await head();
      const replay = await h.call('gus-token', ROUTES.guardDecision, { id: held.json.id }, { decision: 'approve' }, { headers: key('gus-approve') });
      expect(replay.status).toBe(403);
      expect(replay.json.detail).toBe('Only Guard admins decide grants held for Guard approval.');
      expect(await rowsAfter(before)).toEqual([expect.objectContaining({ actor: 'gus', action: 'grant.guard_approve', outcome: 'refused' })]);
    });

    it('an engineer who handed the ticket over is not answered "requested" again', async () => {
      const first = await h.call('sam-token', ROUTES.requestAccess, { key: 'PS-105' }, {}, { headers: key('sam-request') });
      expect(first.status).toBe(201);
      expect((await h.call('sam-token', ROUTES.assignTicket, { key: 'PS-105' }, { engineer: 'lee' })).status).toBe(200);
      const replay = await h.call('sam-token', ROUTES.requestAccess, { key: 'PS-105' }, {}, { headers: key('sam-request') });
      expect(replay.status).toBe(403);
      expect(replay.json.detail).toBe('Only the engineer on PS-105 may request access to it.');
    });

    it("a reviewer's approval is not replayed once they no longer review the site", async () => {
      const asked = await h.call('mia-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence' });
      expect(asked.status).toBe(201);
      const first = await h.call('dev-token', ROUTES.approveAccessRequest, { id: asked.json.id }, {}, { headers: key('dev-approve') });
      expect(first.status).toBe(200);
      await removeRole('dev');
      const replay = await h.call('dev-token', ROUTES.approveAccessRequest, { id: asked.json.id }, {}, { headers: key('dev-approve') });
      expect(replay.status).toBe(403);
      expect(replay.json.code).toBe('not_reviewer');
      // The bulk form's stored answer too.
      const again = await h.call('mia-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira' });
      expect(again.status).toBe(201);
      const bulk = await h.call('olga-token', ROUTES.bulkDecideAccessRequests, { ids: [again.json.id], decision: 'deny' }, { headers: key('olga-bulk') });
      expect(bulk.status).toBe(200);
      await removeRole('olga');
      const bulkReplay = await h.call('olga-token', ROUTES.bulkDecideAccessRequests, { ids: [again.json.id], decision: 'deny' }, { headers: key('olga-bulk') });
      expect(bulkReplay.status).toBe(403);
      expect(bulkReplay.headers.get('idempotent-replayed')).toBeNull();
    });

    it("another person's token never reaches a stored answer under the same key", async () => {
      const first = await h.call('alice-token', ROUTES.grant, { key: 'PS-106' }, {}, { headers: key('shared-name') });
      expect(first.status).toBe(201);
      const bobs = await h.call('bob-token', ROUTES.grant, { key: 'PS-106' }, {}, { headers: key('shared-name') });
      expect(bobs.headers.get('idempotent-replayed')).toBeNull();
      expect(bobs.status).toBe(409); // his own request, decided: the ticket is already granted
      expect(bobs.json.grantId).toBe(first.json.id);
    });
  });
}

describe('Idempotency-Key bound to the principal', () => {
  it('a personal token given to another person at the next start does not replay the first person’s answer', async () => {
    const db = await openPglite();
    const send = async (app: Awaited<ReturnType<typeof createApp>>['app'], token: string) => {
      const res = await app.request(pathOf(ROUTES.grant, { key: 'PS-107' }), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'moved-token' },
        body: '{}',
      });
      return { status: res.status, replayed: res.headers.get('idempotent-replayed'), json: await res.json() };
    };
    try {
      const first = await createApp({ world: WORLD, db, log: () => {}, auditSigning: { key: TEST_AUDIT_KEY } });
      const made = await send(first.app, 'alice-token');
      expect(made.status).toBe(201);
      await first.close();
      // The next start's world file gives "alice-token" to Olga (and Alice another).
      const moved: World = structuredClone(WORLD);
      for (const u of moved.users) {
        if (u.id === 'alice') u.token = 'alice-new-token';
        if (u.id === 'olga') u.token = 'alice-token';
      }
      const second = await createApp({ world: moved, db, log: () => {}, auditSigning: { key: TEST_AUDIT_KEY } });
      try {
        const olga = await send(second.app, 'alice-token');
        expect(olga.replayed).toBeNull();
        expect(olga.status).toBe(422);
        expect(olga.json.id).toBeUndefined();
      } finally {
        await second.close();
      }
    } finally {
      await db.close();
    }
  });
});
