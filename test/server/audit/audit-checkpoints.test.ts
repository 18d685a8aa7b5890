// Signed heads as the API publishes them: the key file (created once, mode 0600, public key
// beside it), the org-admin routes with paging, the audit stream's `checkpoint` events, no row ever
// unsigned (every append signs its head: once a final checkpoint at close), several API processes
// on one PostgreSQL that never fork the chain, and a key handed over by a head both keys sign.
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointOf, ephemeralSigningKey, loadOrCreateSigningKey, parseHead, parsePublicKey, publicKeyFileOf, signedBy, type Checkpoint } from '../../../src/server/audit/checkpoints';
import { AuditTrail, listSignedHeads } from '../../../src/server/audit/trail';
import { verifyAuditTrail } from '../../../src/server/audit/verify';
import { createApp } from '../../../src/server/app';
import { openPglite, openPostgres } from '../../../src/server/db/index';
import { ADMIN_URL, harness, scratchDatabase, WORLD } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi } from '../../support/api-call';

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
    const h = await harness('pglite', { auditSigning: { key } });
    try {
      for (const t of ['PS-100', 'PS-101', 'PS-102']) {
        await h.call('alice-token', ROUTES.grant, { key: t }, {});
      }
      expect((await h.call('bob-token', ROUTES.auditCheckpoints)).status).toBe(403);
      expect((await h.call('sam-token', ROUTES.auditPublicKey)).status).toBe(403);
      const p1 = await h.call('alice-token', ROUTES.auditCheckpoints, { query: { limit: 2 } });
      expect(p1.status).toBe(200);
      expect(p1.json.checkpoints.map((c: { seq: number }) => c.seq)).toEqual([1, 2]);
      expect(p1.json.nextCursor).toBe('2');
      const p2 = await h.call('alice-token', ROUTES.auditCheckpoints, { query: { limit: 2, cursor: p1.json.nextCursor } });
      expect(p2.json).toMatchObject({ nextCursor: null, keyId: key.keyId });
      expect(p2.json.checkpoints.map((c: { seq: number }) => c.seq)).toEqual([3]);
      expect((await h.call('alice-token', ROUTES.auditCheckpoints, { query: { limit: 0 } })).status).toBe(400);
      const pem = await h.call('alice-token', ROUTES.auditPublicKey);
      const pub = parsePublicKey(pem.text, 'the route');
      for (const c of [...p1.json.checkpoints, ...p2.json.checkpoints] as Checkpoint[]) expect(signedBy(parseHead(c.note), pub)).toBe(true);
      expect(p1.json.checkpoints[0]).toMatchObject({ org: WORLD.organization.id });
    } finally {
      await h.close();
    }
  });

  it('without a key given, the API signs with one it holds in memory and publishes it', async () => {
    const h = await harness('pglite');
    try {
      await h.call('alice-token', ROUTES.grant, { key: 'PS-100' }, {});
      const page = (await h.call('alice-token', ROUTES.auditCheckpoints)).json;
      expect(page.checkpoints.map((c: Checkpoint) => c.seq)).toEqual([1]);
      const k = await h.call('alice-token', ROUTES.auditPublicKey);
      expect(k.status).toBe(200);
      expect(signedBy(parseHead(page.checkpoints[0].note), parsePublicKey(k.text, 'the route'))).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('the audit stream carries new checkpoints as `checkpoint` events without an SSE id', async () => {
    const key = ephemeralSigningKey();
    const h = await harness('pglite', { auditSigning: { key } });
    try {
      await h.call('alice-token', ROUTES.grant, { key: 'PS-100' }, {});
      const stream = await h.stream('alice-token', ROUTES.auditStream, '0');
      await stream.until(/id: 1\.[0-9a-f]{16}\n/);
      // A new append signs a new head: it goes out on the stream as it commits.
      await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-100', resource: { type: 'page', id: 'p1' } });
      h.api.ctx.checkpointTail.wake(); // the NOTIFY does the same; explicit so the test waits on nothing timed
      const text = await stream.until(/event: checkpoint\ndata: [^\n]*\n\n/);
      const block = /event: checkpoint\n(data: [^\n]*)\n\n/.exec(text)![1]!;
      const cp = JSON.parse(block.slice('data: '.length));
      expect(cp).toMatchObject({ seq: 2, keyId: key.keyId });
      expect(signedBy(parseHead(cp.note), key.publicKey)).toBe(true);
      await stream.close();
    } finally {
      await h.close();
    }
  });

  it('no row is ever unsigned: each append signs its head as it commits, with no shutdown needed', async () => {
    const key = ephemeralSigningKey();
    const h = await harness('pglite', { auditSigning: { key } });
    try {
      await h.call('alice-token', ROUTES.grant, { key: 'PS-100' }, {});
      await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-100', resource: { type: 'page', id: 'x' } });
      expect((await listSignedHeads(h.db)).map((n) => checkpointOf(n).seq)).toEqual([1, 2]);
      const [head] = await h.db.query<{ seq: string; signed_note: string }>('SELECT seq::text, signed_note FROM audit_head');
      expect(head!.seq).toBe('2');
      expect(signedBy(parseHead(head!.signed_note), key.publicKey)).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('a new key is introduced by a head both keys sign; a verifier given either key follows it', async () => {
    const [oldKey, newKey] = [ephemeralSigningKey(), ephemeralSigningKey()];
    const db = await openPglite();
    try {
      const row = () => ({ actor: 'system', actorKind: 'system' as const, action: 'access.check' as const, outcome: 'done' as const });
      const before = await AuditTrail.open(db, oldKey, 'acme', '2026-01-01T00:00:00.000Z');
      for (let i = 0; i < 3; i++) await db.transaction((tx) => before.append(tx, row()));
      // Started with the new key alone, the API refuses: the trail is signed with another one.
      await expect(AuditTrail.open(db, newKey, 'acme', '2026-01-02T00:00:00.000Z')).rejects.toThrow(/signed by key .* --audit-key-previous/);
      const after = await AuditTrail.open(db, newKey, 'acme', '2026-01-02T00:00:00.000Z', oldKey);
      for (let i = 0; i < 2; i++) await db.transaction((tx) => after.append(tx, row()));
      const heads = (await listSignedHeads(db)).map(parseHead);
      const rotation = heads.find((h) => h.rotation)!;
      expect(rotation).toMatchObject({ seq: 4, rotation: { from: oldKey.keyId, to: newKey.keyId } });
      expect(signedBy(rotation, oldKey.publicKey) && signedBy(rotation, newKey.publicKey)).toBe(true);
      expect(signedBy(heads.at(-1)!, newKey.publicKey)).toBe(true);
      for (const publicKey of [oldKey.publicKey, newKey.publicKey]) expect(await verifyAuditTrail(db, { publicKey })).toMatchObject({ ok: true, rows: 6, lastCheckpoint: 6 });
      expect(await verifyAuditTrail(db, { publicKey: oldKey.publicKey, allSignatures: true })).toMatchObject({ ok: true });
      // A head after the rotation signed with the old key is not the key in effect there.
      const [r5] = await db.query<{ body: string; hash: string }>('SELECT body, hash FROM audit_rows WHERE seq = 5');
      const { signHead } = await import('../../../src/server/audit/checkpoints');
      await db.query('UPDATE audit_rows SET signed_note = $1 WHERE seq = 5', [signHead([oldKey], { seq: 5, hash: r5!.hash, at: 'x', org: 'acme' })]);
      expect(await verifyAuditTrail(db, { publicKey: newKey.publicKey })).toMatchObject({ ok: false, firstBrokenRow: 5 });
      // A rotation to a key the old one never signed for is refused: the forged handover is named.
      await db.query('UPDATE audit_rows SET signed_note = $1 WHERE seq = 5', [signHead([newKey], { seq: 5, hash: r5!.hash, at: 'x', org: 'acme' })]);
      const mallory = ephemeralSigningKey();
      const [r4] = await db.query<{ hash: string }>('SELECT hash FROM audit_rows WHERE seq = 4');
      await db.query('UPDATE audit_rows SET signed_note = $1 WHERE seq = 4', [signHead([mallory, newKey], { seq: 4, hash: r4!.hash, at: 'x', org: 'acme' })]);
      expect((await verifyAuditTrail(db, { publicKey: oldKey.publicKey })).ok).toBe(false);
    } finally {
      await db.close();
    }
  });
});

describe.skipIf(!ADMIN_URL)('checkpoints from several API processes on one PostgreSQL', () => {
  if (!ADMIN_URL) console.log('multi-process checkpoint test skipped because DATABASE_URL is unset');
  it('never fork: appends racing from three processes make one chain, every head signed', async () => {
    const scratch = await scratchDatabase();
    const key = ephemeralSigningKey();
    const dbs = await Promise.all([openPostgres(scratch.url), openPostgres(scratch.url), openPostgres(scratch.url)]);
    const apps = [];
    for (const db of dbs) apps.push(await createApp({ world: WORLD, db, log: () => {}, auditSigning: { key } }));
    try {
      for (let round = 0; round < 5; round++) {
        const answers = await Promise.all(apps.map((a, i) => callApi(a.app, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-100', resource: { type: 'page', id: `r${round}-${i}` } })));
        expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
      }
      const seqs = (await listSignedHeads(dbs[0]!, 0, 100)).map((n) => checkpointOf(n).seq);
      expect(seqs.at(-1)).toBe(15);
      expect(await verifyAuditTrail(dbs[0]!, { publicKey: key.publicKey, allSignatures: true })).toMatchObject({ ok: true, rows: 15, lastCheckpoint: 15 });
    } finally {
      for (const a of apps) await a.close();
      for (const db of dbs) await db.close();
      await scratch.drop();
    }
  });
});
