// Idempotency keys replay only the same request, never an answer about a precondition that has
// since been fixed, and expire on a schedule while the process runs. On PGlite always, and on
// PostgreSQL when DATABASE_URL is set.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../../src/server/app';
import { ADMIN_URL, harness, TEST_AUDIT_KEY, WORLD, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

if (!ADMIN_URL) console.log('server idempotency keys: PostgreSQL suite skipped because DATABASE_URL is unset');

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`Idempotency-Key rules on ${backend}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness(backend);
    });
    afterAll(async () => {
      await h?.close();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('a 412 is not replayed once the client sends the current If-Match under the same key', async () => {
      const g = await h.call('alice-token', ROUTES.grant, { key: 'PS-121' }, {});
      const key = `if-match-${backend}`;
      const stale = await h.call('alice-token', ROUTES.revoke, { id: g.json.id }, {}, { headers: { 'idempotency-key': key, 'if-match': '"grant-old-v1"' } });
      expect(stale.status).toBe(412);
      const fixed = await h.call('alice-token', ROUTES.revoke, { id: g.json.id }, {}, { headers: { 'idempotency-key': key, 'if-match': g.headers.get('etag')! } });
      expect(fixed.status).toBe(200);
      expect(fixed.json.state).toBe('revoked');
      // The answer that changed something is kept: a retry of it is replayed.
      const retry = await h.call('alice-token', ROUTES.revoke, { id: g.json.id }, {}, { headers: { 'idempotency-key': key, 'if-match': g.headers.get('etag')! } });
      expect([retry.status, retry.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    });

    it('a 409 about the state met is not replayed once the state changed', async () => {
      const g = await h.call('alice-token', ROUTES.grant, { key: 'PS-123' }, {});
      const key = `conflict-${backend}`;
      expect((await h.call('olga-token', ROUTES.grant, { key: 'PS-123' }, {}, { headers: { 'idempotency-key': key } })).status).toBe(409);
      expect((await h.call('alice-token', ROUTES.revoke, { id: g.json.id }, {})).status).toBe(200);
      const again = await h.call('olga-token', ROUTES.grant, { key: 'PS-123' }, {}, { headers: { 'idempotency-key': key } });
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBeNull();
    });

    it('the same body under another If-Match or content type is another request', async () => {
      const g = await h.call('alice-token', ROUTES.grant, { key: 'PS-125' }, {});
      const key = `fingerprint-${backend}`;
      const first = await h.call('alice-token', ROUTES.revoke, { id: g.json.id }, {}, { headers: { 'idempotency-key': key, 'if-match': g.headers.get('etag')! } });
      expect(first.status).toBe(200);
      expect((await h.call('alice-token', ROUTES.revoke, { id: g.json.id }, {}, { headers: { 'idempotency-key': key, 'if-match': '*' } })).status).toBe(422);
      const text = await h.call('olga-token', ROUTES.grant, { key: 'PS-127' }, '{}', { headers: { 'idempotency-key': key, 'content-type': 'text/plain' } });
      expect(text.status).toBe(415);
      const json = await h.call('olga-token', ROUTES.grant, { key: 'PS-127' }, '{}', { headers: { 'idempotency-key': key, 'content-type': 'application/json' } });
      expect(json.status).toBe(422); // not the 415 replayed as if it were this request's answer
    });

    it('keys expire on a schedule while the process runs, and closing stops the schedule', async () => {
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      const api = await createApp({ auditSigning: { key: TEST_AUDIT_KEY }, world: WORLD, db: h.db, idempotencySweepMs: 60_000, idempotencyTtlMs: 3_600_000, log: () => {} });
      try {
        await h.db.query(
          `INSERT INTO idempotency (token_hash, key, fingerprint, created_at, status, headers, body) VALUES ('t', 'old', 'f', $1, 201, '{}', '{}'), ('t', 'fresh', 'f', $2, 201, '{}', '{}')`,
          [Date.now() - 7_200_000, Date.now()],
        );
        vi.advanceTimersByTime(60_000);
        const keys = async () => (await h.db.query<{ key: string }>(`SELECT key FROM idempotency WHERE token_hash = 't' ORDER BY key`)).map((r) => r.key);
        while ((await keys()).includes('old')) await new Promise((r) => setTimeout(r, 10));
        expect(await keys()).toEqual(['fresh']);
      } finally {
        await api.close();
      }
      expect(vi.getTimerCount()).toBe(0);
    });
  });
}
