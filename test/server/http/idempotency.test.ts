// Idempotency-Key across a crash: the process dies after its change commits but before the answer
// is saved, or before anything commits. A retry must never apply the change twice, and must get
// the answer the first attempt would have given. On PGlite always, on PostgreSQL when DATABASE_URL is set.
import { createHash } from 'node:crypto';
import { requestFingerprint } from '../../../src/server/http/idempotency';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_URL, harness, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { pathOf } from '../../support/api-call';

if (!ADMIN_URL) console.log('server idempotency: PostgreSQL suite skipped because DATABASE_URL is unset');

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`Idempotency-Key after a crash on ${backend}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness(backend);
    });
    afterAll(async () => {
      await h?.close();
    });

    /** What a crash between the change's commit and saving the answer leaves behind, long ago. */
    const crashAfterCommit = (key: string) => h.db.query('UPDATE idempotency SET status = NULL, headers = NULL, body = NULL, created_at = 0, claimed_at = 0 WHERE key = $1', [key]);
    const auditFor = async (ticket: string) => (await h.call('alice-token', ROUTES.audit, { query: { ticket } })).json.entries as Array<{ action: string; outcome: string }>;

    it('a grant retried after the process died post-commit is answered as first, not granted again', async () => {
      const key = `crash-grant-${backend}`;
      const first = await h.call('alice-token', ROUTES.grant, { key: 'PS-112' }, {}, { headers: { 'idempotency-key': key } });
      expect(first.status).toBe(201);
      await crashAfterCommit(key);
      const retry = await h.call('alice-token', ROUTES.grant, { key: 'PS-112' }, {}, { headers: { 'idempotency-key': key } });
      expect(retry.status).toBe(201);
      expect(retry.json).toEqual(first.json);
      expect(retry.headers.get('etag')).toBe(first.headers.get('etag'));
      const grants = (await h.call('alice-token', ROUTES.ticketGrants, { key: 'PS-112' })).json.grants as Array<{ kind: string }>;
      expect(grants.filter((g) => g.kind === 'data')).toHaveLength(1);
      expect((await auditFor('PS-112')).filter((r) => r.action === 'grant.create')).toHaveLength(1);
      // Now the answer is stored: a third try is a plain replay, and another body is still refused.
      const third = await h.call('alice-token', ROUTES.grant, { key: 'PS-112' }, {}, { headers: { 'idempotency-key': key } });
      expect(third.headers.get('idempotent-replayed')).toBe('true');
      expect(third.json).toEqual(first.json);
      expect((await h.call('alice-token', ROUTES.grant, { key: 'PS-113' }, {}, { headers: { 'idempotency-key': key } })).status).toBe(422);
    });

    it('a bulk grant retried after a crash replays every row, including the refused one', async () => {
      const key = `crash-bulk-${backend}`;
      const body = { tickets: ['PS-114', 'CL-1', 'PS-115'] };
      const first = await h.call('alice-token', ROUTES.bulkGrant, body, { headers: { 'idempotency-key': key } });
      expect(first.status).toBe(200);
      expect(first.json.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, false, true]);
      await crashAfterCommit(key);
      const retry = await h.call('alice-token', ROUTES.bulkGrant, body, { headers: { 'idempotency-key': key } });
      expect(retry.json).toEqual(first.json);
      for (const t of ['PS-114', 'PS-115']) expect((await auditFor(t)).filter((r) => r.action === 'grant.create')).toHaveLength(1);
      expect((await auditFor('CL-1')).filter((r) => r.action === 'grant.create')).toHaveLength(1);
    });

    it('a request whose process died before committing runs once when retried', async () => {
      const key = `crash-early-${backend}`;
      // The dead runner reserved the key long ago and committed nothing.
      await h.db.query('INSERT INTO idempotency (token_hash, key, fingerprint, created_at, owner, claimed_at) VALUES ($1, $2, $3, 0, $4, 0)', [
        sha('alice-token'),
        key,
        requestFingerprint('admin:alice', 'POST', pathOf(ROUTES.grant, { key: 'PS-116' }), { contentType: 'application/json' }, '{}'),
        'dead-process',
      ]);
      const retry = await h.call('alice-token', ROUTES.grant, { key: 'PS-116' }, {}, { headers: { 'idempotency-key': key } });
      expect(retry.status).toBe(201);
      const again = await h.call('alice-token', ROUTES.grant, { key: 'PS-116' }, {}, { headers: { 'idempotency-key': key } });
      expect(again.json.id).toBe(retry.json.id);
      expect((await auditFor('PS-116')).filter((r) => r.action === 'grant.create')).toHaveLength(1);
    });
  });
}
