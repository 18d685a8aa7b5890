// Signed checkpoints as the API publishes them: the key file (created once, mode 0600, public key
// beside it), the org-admin routes with paging, the audit stream's `checkpoint` events, a final
// checkpoint at close, and several API processes on one PostgreSQL that never fork the checkpoints.
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointSignatureValid, ephemeralSigningKey, listCheckpoints, loadOrCreateSigningKey, parsePublicKey, publicKeyFileOf } from '../../src/server/audit-checkpoints';
import { verifyAuditTrail } from '../../src/server/audit-verify';
import { createApp } from '../../src/server/app';
import { openPostgres } from '../../src/server/db/index';
import { ADMIN_URL, harness, scratchDatabase, WORLD } from './helpers';

describe('audit signing key file', () => {
  it('is created once with mode 0600, its public key published beside it, and read back unchanged', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ac-key-')), 'keys', 'audit-signing-key.pem');
    const a = loadOrCreateSigningKey(file);
    expect(a.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(publicKeyFileOf(file), 'utf8')).toBe(a.key.publicPem);
    expect(a.readableByOthers).toBe(false);
    const b = loadOrCreateSigningKey(file);
    expect(b.created).toBe(false);
    expect(b.key.keyId).toBe(a.key.keyId);
    chmodSync(file, 0o644);
    expect(loadOrCreateSigningKey(file).readableByOthers).toBe(true);
  });

  it('a file that is not an Ed25519 key is refused with a readable message', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ac-key-')), 'bad.pem');
    writeFileSync(file, 'not a key');
    expect(() => loadOrCreateSigningKey(file)).toThrow(/cannot read the audit signing key .*bad\.pem/);
    expect(() => parsePublicKey('nope', 'key.pub')).toThrow(/key\.pub is not an Ed25519 public key/);
  });
});

describe('checkpoint routes and stream', () => {
  it('org admins page signed checkpoints and read the public key; others are refused', async () => {
    const key = ephemeralSigningKey();
    const h = await harness('pglite', { auditSigning: { key, intervalMs: 3_600_000 } });
    try {
      for (const t of ['PS-100', 'PS-101', 'PS-102']) {
        await h.req('alice-token', 'POST', `/v1/tickets/${t}/grants`, {});
        await h.api.ctx.checkpointer!.tick();
      }
      expect((await h.req('bob-token', 'GET', '/v1/audit/checkpoints')).status).toBe(403);
      expect((await h.req('sam-token', 'GET', '/v1/audit/public-key')).status).toBe(403);
      const p1 = await h.req('alice-token', 'GET', '/v1/audit/checkpoints?limit=2');
      expect(p1.status).toBe(200);
      expect(p1.json.checkpoints.map((c: { seq: number }) => c.seq)).toEqual([1, 2]);
      expect(p1.json.nextCursor).toBe('2');
      const p2 = await h.req('alice-token', 'GET', `/v1/audit/checkpoints?limit=2&cursor=${p1.json.nextCursor}`);
      expect(p2.json).toMatchObject({ nextCursor: null, keyId: key.keyId });
      expect(p2.json.checkpoints.map((c: { seq: number }) => c.seq)).toEqual([3]);
      expect((await h.req('alice-token', 'GET', '/v1/audit/checkpoints?limit=0')).status).toBe(400);
      const pem = await h.api.app.request('/v1/audit/public-key', { headers: { authorization: 'Bearer alice-token' } });
      const pub = parsePublicKey(await pem.text(), 'the route');
      for (const c of [...p1.json.checkpoints, ...p2.json.checkpoints]) expect(checkpointSignatureValid(pub, c)).toBe(true);
      expect(p1.json.checkpoints[0]).toMatchObject({ org: WORLD.organization.id });
    } finally {
      await h.close();
    }
  });

  it('without a signing key the list is empty and the public key is a 404 problem', async () => {
    const h = await harness('pglite');
    try {
      expect((await h.req('alice-token', 'GET', '/v1/audit/checkpoints')).json).toMatchObject({ checkpoints: [], publicKey: null });
      const k = await h.req('alice-token', 'GET', '/v1/audit/public-key');
      expect(k.status).toBe(404);
      expect(k.type).toContain('application/problem+json');
    } finally {
      await h.close();
    }
  });

  it('the audit stream carries new checkpoints as `checkpoint` events without an SSE id', async () => {
    const key = ephemeralSigningKey();
    const h = await harness('pglite', { auditSigning: { key, intervalMs: 3_600_000 } });
    try {
      await h.req('alice-token', 'POST', '/v1/tickets/PS-100/grants', {});
      const ctrl = new AbortController();
      const res = await h.api.app.request('/v1/audit/stream', { headers: { authorization: 'Bearer alice-token', 'last-event-id': '0' }, signal: ctrl.signal });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      const until = async (re: RegExp) => {
        while (!re.test(text)) text += (await reader.read()).value ?? '';
      };
      await until(/id: 1\.[0-9a-f]{16}\n/);
      await h.api.ctx.checkpointer!.tick();
      h.api.ctx.checkpointTail.wake(); // the NOTIFY does the same; explicit so the test waits on nothing timed
      await until(/event: checkpoint\ndata: [^\n]*\n\n/);
      const block = /event: checkpoint\n(data: [^\n]*)\n\n/.exec(text)![1]!;
      const cp = JSON.parse(block.slice('data: '.length));
      expect(cp).toMatchObject({ seq: 1, keyId: key.keyId });
      expect(checkpointSignatureValid(key.publicKey, cp)).toBe(true);
      ctrl.abort();
      await reader.cancel().catch(() => {});
    } finally {
      await h.close();
    }
  });

  it('close() signs the last head, so a clean shutdown leaves no row unsigned', async () => {
    const key = ephemeralSigningKey();
    const h = await harness('pglite', { auditSigning: { key, intervalMs: 3_600_000 } });
    await h.req('alice-token', 'POST', '/v1/tickets/PS-100/grants', {});
    await h.req('sam-token', 'POST', '/v1/access/check', { ticket: 'PS-100', resource: { type: 'page', id: 'x' } });
    await h.api.close();
    expect((await listCheckpoints(h.db)).map((c) => c.seq)).toEqual([2]);
    await h.db.close();
  });
});

describe.skipIf(!ADMIN_URL)('checkpoints from several API processes on one PostgreSQL', () => {
  if (!ADMIN_URL) console.log('multi-process checkpoint test skipped because DATABASE_URL is unset');
  it('never fork: racing signers leave one checkpoint per head, all verifying', async () => {
    const scratch = await scratchDatabase();
    const key = ephemeralSigningKey();
    const dbs = await Promise.all([openPostgres(scratch.url), openPostgres(scratch.url), openPostgres(scratch.url)]);
    const apps = await Promise.all(dbs.map((db) => createApp({ world: WORLD, db, log: () => {}, auditSigning: { key, intervalMs: 3_600_000 } })));
    try {
      for (let round = 0; round < 5; round++) {
        await Promise.all(
          apps.map((a, i) =>
            a.app.request('/v1/access/check', {
              method: 'POST',
              headers: { authorization: 'Bearer sam-token', 'content-type': 'application/json' },
              body: JSON.stringify({ ticket: 'PS-100', resource: { type: 'page', id: `r${round}-${i}` } }),
            }),
          ),
        );
        const made = await Promise.all(apps.map((a) => a.ctx.checkpointer!.tick()));
        expect(made.filter(Boolean)).toHaveLength(1);
      }
      const cps = await listCheckpoints(dbs[0]!);
      expect(cps.map((c) => c.seq)).toEqual([3, 6, 9, 12, 15]);
      expect(await verifyAuditTrail(dbs[0]!, { publicKey: key.publicKey })).toMatchObject({ ok: true, rows: 15, checkpoints: 5, lastCheckpoint: 15 });
    } finally {
      for (const a of apps) await a.close();
      for (const db of dbs) await db.close();
      await scratch.drop();
    }
  });
});
