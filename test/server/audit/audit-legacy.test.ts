// History written before issue 20 stays verifiable: rows hashed by the old rule (sha256 of the
// previous hash's hex and the row's canonical JSON, re-derived from its columns) get their body and
// a signed boundary head at the first start, after the old chain and its old checkpoints check out;
// the verifier then checks them from their stored bytes by the old rule and every later row by the
// new one. A broken old trail is not signed: the API does not start on it. The boundary is signed
// only when the operator asks for the upgrade (--sign-legacy-boundary): a signed trail can be given
// the old shape by a database writer (legacy-downgrade-attack.test.ts).
import { sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/core/canonical-json';
import { GENESIS, legacyRowHash } from '../../../src/server/audit/chain';
import { ephemeralSigningKey, parseHead, type SigningKey } from '../../../src/server/audit/checkpoints';
import { AuditTrail, listSignedHeads } from '../../../src/server/audit/trail';
import { verifyAuditTrail } from '../../../src/server/audit/verify';
import { openDb, openPglite, type Db } from '../../../src/server/db/index';
import { spawnApi } from '../../load/helpers';
import { writeWorldFile } from '../helpers';
import { editRow } from './audit-forgery';

/** Writes `n` rows as the API before issue 20 did (columns, old rule), and an old checkpoint at row 2 signed by `key`. */
async function legacyTrail(db: Db, n: number, key: SigningKey): Promise<void> {
  let prev = GENESIS;
  for (let seq = 1; seq <= n; seq++) {
    const r = {
      action: 'access.check',
      actor: 'sam',
      actorKind: 'engineer',
      at: `2026-01-01T00:00:0${seq}.000Z`,
      detail: { reason: 'ok', n: seq * 1.5 },
      outcome: 'allowed',
      resource: { type: 'page', id: `p${seq}` },
      seq,
      ticket: 'PS-100',
    };
    const hash = legacyRowHash(prev, canonicalJson(r));
    await db.query('INSERT INTO audit_rows (seq, at, actor, actor_kind, action, ticket, resource, outcome, detail, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)', [
      seq,
      r.at,
      r.actor,
      r.actorKind,
      r.action,
      r.ticket,
      JSON.stringify(r.resource),
      r.outcome,
      JSON.stringify(r.detail),
      prev,
      hash,
    ]);
    if (seq === 2) {
      const c = { at: '2026-01-01T00:01:00.000Z', hash, org: 'acme', seq };
      const signature = sign(null, Buffer.from(`access-companion/audit-checkpoint/v1\n${canonicalJson(c)}`), key.privateKey).toString('base64');
      await db.query('INSERT INTO audit_checkpoints (seq, hash, at, org, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6)', [seq, hash, c.at, c.org, key.keyId, signature]);
    }
    prev = hash;
  }
  await db.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [n, prev]);
}

describe('a trail written before signed heads', () => {
  it('is left as it is, and the API does not start, until the operator asks for the upgrade', async () => {
    const db = await openPglite();
    const key = ephemeralSigningKey();
    try {
      await legacyTrail(db, 3, key);
      await expect(AuditTrail.open(db, key, 'acme', '2026-02-01T00:00:00.000Z')).rejects.toThrow(/start once with --sign-legacy-boundary/);
      expect(await listSignedHeads(db)).toEqual([]);
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_rows WHERE body IS NULL'))[0]!.n).toBe(3);
      await AuditTrail.open(db, key, 'acme', '2026-02-01T00:00:00.000Z', undefined, true);
      expect((await listSignedHeads(db)).map((n) => parseHead(n).legacy)).toEqual([3]);
    } finally {
      await db.close();
    }
  });

  it('the built API: refused without --sign-legacy-boundary, upgraded with it, and then starts without it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ac-legacy-'));
    const [data, keyFile, fixture] = [join(dir, 'api'), join(dir, 'audit.pem'), writeWorldFile()];
    const key = ephemeralSigningKey();
    writeFileSync(keyFile, key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
    const db = await openDb({ dataDir: data });
    await legacyTrail(db, 3, key);
    await db.close();
    const args = ['--data', data, '--audit-key', keyFile];
    const refused = await spawnApi({ fixture, args }).then(
      async (api) => {
        await api.stop();
        return 'started';
      },
      (e: Error) => e.message,
    );
    expect(refused).toContain('--sign-legacy-boundary');
    const upgraded = await spawnApi({ fixture, args: [...args, '--sign-legacy-boundary'] });
    await upgraded.stop();
    const again = await spawnApi({ fixture, args });
    try {
      const verdict = (await (await fetch(`${again.base}/v1/audit/verify`, { headers: { authorization: 'Bearer alice-token' } })).json()) as { ok: boolean; lastCheckpoint?: number };
      expect(verdict.ok).toBe(true);
    } finally {
      await again.stop();
    }
  });

  it('gets a signed boundary head; old rows verify by the old rule, later ones by the new', async () => {
    const db = await openPglite();
    const key = ephemeralSigningKey();
    try {
      await legacyTrail(db, 5, key);
      const trail = await AuditTrail.open(db, key, 'acme', '2026-02-01T00:00:00.000Z', undefined, true);
      const [boundary] = (await listSignedHeads(db)).map(parseHead);
      expect(boundary).toMatchObject({ seq: 5, legacy: 5 });
      await db.transaction((tx) => trail.append(tx, { actor: 'sam', actorKind: 'engineer', action: 'access.check', outcome: 'allowed' }));
      expect(await verifyAuditTrail(db, { publicKey: key.publicKey, allSignatures: true })).toMatchObject({ ok: true, rows: 6, lastCheckpoint: 6 });
      // The old rows are shown from their stored bodies too.
      const [r3] = await db.query<{ actor: string; resource: { id: string } }>('SELECT actor, resource FROM audit WHERE seq = 3');
      expect(r3).toMatchObject({ actor: 'sam', resource: { id: 'p3' } });
      // An old row edited after the boundary is caught, from its bytes.
      await editRow(db, 3, { outcome: 'refused' });
      expect(await verifyAuditTrail(db, { publicKey: key.publicKey })).toMatchObject({ ok: false, firstBrokenRow: 3 });
    } finally {
      await db.close();
    }
  });

  it('the boundary cannot be moved: deleting it leaves old rows that the new rule rejects', async () => {
    const db = await openPglite();
    const key = ephemeralSigningKey();
    try {
      await legacyTrail(db, 3, key);
      const trail = await AuditTrail.open(db, key, 'acme', '2026-02-01T00:00:00.000Z', undefined, true);
      await db.transaction((tx) => trail.append(tx, { actor: 'sam', actorKind: 'engineer', action: 'access.check', outcome: 'allowed' }));
      await db.query('UPDATE audit_rows SET signed_note = NULL WHERE seq = 3');
      expect(await verifyAuditTrail(db, { publicKey: key.publicKey })).toMatchObject({ ok: false, firstBrokenRow: 1 });
    } finally {
      await db.close();
    }
  });

  it('an old trail that does not verify (a value edited, a recompute its old checkpoint disagrees with) is not signed', async () => {
    for (const tamper of [
      (db: Db) => db.query(`UPDATE audit_rows SET detail = '{"reason": "ok", "n": 4.6}' WHERE seq = 3`),
      async (db: Db) => {
        await db.query(`UPDATE audit_rows SET outcome = 'refused' WHERE seq = 2`);
        let prev = GENESIS;
        for (const r of await db.query<Record<string, unknown> & { seq: number }>('SELECT * FROM audit_rows ORDER BY seq')) {
          const body = canonicalJson({
            action: r.action,
            actor: r.actor,
            actorKind: r.actor_kind,
            at: r.at,
            detail: r.detail,
            outcome: r.outcome,
            resource: r.resource,
            seq: Number(r.seq),
            ticket: r.ticket,
          });
          const hash = legacyRowHash(prev, body);
          await db.query('UPDATE audit_rows SET prev_hash = $2, hash = $3 WHERE seq = $1', [r.seq, prev, hash]);
          prev = hash;
        }
        await db.query('UPDATE audit_head SET hash = $1', [prev]);
      },
    ]) {
      const db = await openPglite();
      const key = ephemeralSigningKey();
      try {
        await legacyTrail(db, 4, key);
        await tamper(db);
        await expect(AuditTrail.open(db, key, 'acme', '2026-02-01T00:00:00.000Z', undefined, true)).rejects.toThrow(/does not verify, so no boundary head was signed/);
        expect(await listSignedHeads(db)).toEqual([]);
      } finally {
        await db.close();
      }
    }
  });
});
