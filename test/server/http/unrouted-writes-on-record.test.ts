// A write no route answers (a path nothing is declared on: 404; a method its route does not take:
// 405) is still something a credential attempted, and every way of saying no to an authenticated
// caller leaves one audit row (THREATS: refusal not on record). The row names the method and path
// (cut to 200 characters) and never the body; reads and unauthenticated requests leave none. On
// PGlite always, and on PostgreSQL when DATABASE_URL is set.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_URL, type Backend, type Harness, harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

type Row = { actor: string; actor_kind: string; action: string; outcome: string; detail: Record<string, unknown>; body: string };

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`unrouted writes on ${backend}`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await harness(backend);
    });
    afterEach(async () => {
      await h?.close();
    });

    const head = async () => Number((await h.db.query<{ n: number | string }>('SELECT coalesce(max(seq), 0) AS n FROM audit'))[0]!.n);
    const rowsAfter = async (seq: number) =>
      (await h.db.query<Row>('SELECT actor, actor_kind, action, outcome, detail, detail::text AS body FROM audit WHERE seq > $1 ORDER BY seq', [seq])).map((r) => ({
        ...r,
        detail: typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail,
      }));

    it('a write to a path no route has, or with a method its route does not take, is one refused row without its body', async () => {
      // Paths and methods the contract has no route for, on purpose: written out, sent raw.
      let before = await head();
      const nowhere = await h.req('alice-token', 'POST', '/v1/grants/g_1/delete', { note: 'secret-marker' });
      expect(nowhere.status).toBe(404);
      let rows = await rowsAfter(before);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ actor: 'alice', actor_kind: 'admin', action: 'request.refused', outcome: 'refused', detail: { status: 404, route: 'POST /v1/grants/g_1/delete' } });
      expect(rows[0]!.body).not.toContain('secret-marker');

      before = await head();
      const wrongMethod = await h.req('bob-token', 'DELETE', '/v1/tickets/PS-101/grants');
      expect(wrongMethod.status).toBe(405);
      rows = await rowsAfter(before);
      expect(rows).toEqual([expect.objectContaining({ actor: 'bob', action: 'request.refused', detail: expect.objectContaining({ status: 405, route: 'DELETE /v1/tickets/PS-101/grants' }) })]);

      // A path of any length is kept short.
      before = await head();
      expect((await h.req('alice-token', 'PUT', `/v1/${'x'.repeat(3000)}`, {})).status).toBe(404);
      rows = await rowsAfter(before);
      expect(rows).toHaveLength(1);
      expect(String(rows[0]!.detail.route).length).toBeLessThanOrEqual(210);
    });

    it('reads, preflights and unauthenticated writes that no route answers leave nothing', async () => {
      const before = await head();
      // A path no route answers, on purpose.
      expect((await h.req('alice-token', 'GET', '/v1/nothing-here')).status).toBe(404);
      expect((await h.req('nobody-token', 'POST', '/v1/nothing-here', {})).status).toBe(401);
      expect((await h.api.app.request('/v1/nothing-here', { method: 'POST' })).status).toBe(401);
      expect((await h.api.app.request('/nothing-at-all', { method: 'POST' })).status).toBe(404);
      expect((await h.api.app.request('/v1/nothing-here', { method: 'OPTIONS', headers: { authorization: 'Bearer alice-token' } })).status).toBeGreaterThanOrEqual(200);
      expect(await rowsAfter(before)).toEqual([]);
    });

    it('a SCIM key writing to an endpoint SCIM does not have is on record too', async () => {
      const made = await h.call('alice-token', ROUTES.createApiKey, { name: 'Okta provisioning', scopes: ['scim'] });
      const before = await head();
      const res = await h.req(made.json.secret, 'POST', '/scim/v2/Bulk', JSON.stringify({ Operations: [] }), { 'content-type': 'application/scim+json' });
      expect(res.status).toBe(404);
      const rows = await rowsAfter(before);
      expect(rows).toEqual([
        expect.objectContaining({ actor: made.json.id, actor_kind: 'key', action: 'request.refused', detail: expect.objectContaining({ status: 404, route: 'POST /scim/v2/Bulk' }) }),
      ]);
    });
  });
}
