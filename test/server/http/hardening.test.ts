// Edges a client or an attacker finds: the wrong method, token guessing, a limit that is not a
// number, strings the store cannot hold, and plaintext tokens left in memory.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAccess } from '../../../src/server/grants/access-check';
import { createApp } from '../../../src/server/app';
import { openPglite } from '../../../src/server/db/index';
import { ADMIN_URL, harness, WORLD, writeWorldFile, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { describeCall, type RouteCall } from '../../support/api-call';

const PROBLEM = 'application/problem+json';
const TYPE = 'https://access-companion.dev/problems/';

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`hardening on ${backend}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness(backend);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('a known path with the wrong method is 405 with Allow; an unknown path stays 404', async () => {
      // Methods and paths the contract has no route for, on purpose: written out, sent raw.
      for (const [method, path, allow] of [
        ['PUT', '/v1/me', 'GET, HEAD'],
        ['POST', '/v1/tickets/PS-101', 'GET, HEAD'],
        ['DELETE', '/v1/grants/g_1', 'GET, HEAD'],
        ['GET', '/v1/access/check', 'POST'],
        ['PATCH', '/v1/tickets/PS-101/grants', 'GET, HEAD, POST'],
      ] as const) {
        const r = await h.req('alice-token', method, path);
        expect(r.status, `${method} ${path}`).toBe(405);
        expect(r.type).toContain(PROBLEM);
        expect(r.json.type).toBe(`${TYPE}method-not-allowed`);
        expect(r.headers.get('allow')?.split(', ').sort()).toEqual(allow.split(', ').sort());
      }
      const nf = await h.req('alice-token', 'PUT', '/v1/nothing');
      expect(nf.status).toBe(404);
    });

    it('NUL and lone surrogates in any body string are a 400 naming the field', async () => {
      // Bodies as raw JSON text: the escapes reach the server as written.
      const cases: Array<[string, RouteCall, string]> = [
        ['sam-token', [ROUTES.checkAccess, '{"ticket":"PS-100","resource":{"type":"page","id":"a\\u0000b"}}'], 'resource.id'],
        ['sam-token', [ROUTES.checkAccess, '{"ticket":"PS-1\\udc00","resource":"page"}'], 'ticket'],
        ['nora-token', [ROUTES.requestProductAccess, '{"site":"acme-main","product":"jira","for":{"email":"x\\u0000@y.test"}}'], 'for.email'],
        ['bob-token', [ROUTES.ask, { key: 'PS-200' }, '{"adminId":"alice","message":"\\ud800 hi"}'], 'message'],
        ['alice-token', [ROUTES.grantAiConversations, { key: 'PS-200' }, '{"conversations":["conv-1","c\\u0000"]}'], 'conversations.1'],
        ['dev-token', [ROUTES.denyAccessRequest, { id: 'ar_x' }, '{"message":"no\\udfff"}'], 'message'],
      ];
      for (const [tok, call, field] of cases) {
        const r = await h.call(tok, ...call);
        expect(r.status, `${describeCall(...call)} ${JSON.stringify(r.json)}`).toBe(400);
        expect(r.json.type).toBe(`${TYPE}bad-request`);
        expect(r.json.errors.map((e: { path: string }) => e.path)).toContain(field);
        expect(r.json.detail).toContain('NUL');
      }
      // A well-formed pair (an emoji) is fine.
      expect((await h.call('bob-token', ROUTES.ask, { key: 'PS-200' }, { adminId: 'alice', message: 'thanks 😀' })).status).toBe(201);
    });

    it('one check the store cannot hold fails alone, not the checks sharing its transaction', async () => {
      const sam = { kind: 'engineer' as const, id: 'sam', tokenHash: 'test' };
      const before = (await h.call('alice-token', ROUTES.verifyAudit)).json.rows;
      // The first check opens a transaction; the next four queue behind it and share the next one.
      const first = checkAccess(h.api.ctx, sam, 'PS-100', { type: 'page' });
      const rest = [
        checkAccess(h.api.ctx, sam, 'PS-100', { type: 'work_item', id: 'ok-1' }),
        checkAccess(h.api.ctx, sam, 'PS-100', { type: 'work_item', id: 'bad\u0000' }),
        checkAccess(h.api.ctx, sam, 'PS-100', { type: 'comment', id: 'bad\udc00' }),
        checkAccess(h.api.ctx, sam, 'PS-100', { type: 'work_item', id: 'ok-2' }),
      ];
      const settled = await Promise.allSettled([first, ...rest]);
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled']);
      const v = (await h.call('alice-token', ROUTES.verifyAudit)).json;
      expect(v).toMatchObject({ ok: true, rows: before + 3 });
    });

    it('keeps no plaintext token in the indexed world, and tokens still work', async () => {
      const world = h.api.ctx.ix.world;
      expect(JSON.stringify(world)).not.toContain('alice-token');
      expect([...world.users, ...world.engineers].some((x) => 'token' in x)).toBe(false);
      expect([...h.api.ctx.ix.usersById.values()].some((u) => 'token' in u)).toBe(false);
      expect((await h.call('alice-token', ROUTES.me)).status).toBe(200);
      expect((await h.call('sam-token', ROUTES.me)).status).toBe(200);
    });
  });
}

describe('rate limit configuration', () => {
  it('a limit that is not a whole number is refused, not silently off', async () => {
    const db = await openPglite();
    try {
      for (const bad of [Number.NaN, 0, 2.5]) await expect(createApp({ world: WORLD, db, rateLimitPerMinute: bad, log: () => {} })).rejects.toThrow(/rateLimitPerMinute/);
    } finally {
      await db.close();
    }
  });

  it('npm run api stops with a clear message when AC_RATE_LIMIT is not a number', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/server/main.ts', '--fixture', writeWorldFile(), '--port', '0'], {
      env: { ...process.env, AC_RATE_LIMIT: 'lots', DATABASE_URL: '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('AC_RATE_LIMIT must be a whole number');
    expect(r.stderr).toContain('"lots"');
  });
});
