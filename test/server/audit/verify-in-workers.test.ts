// A long trail (PARALLEL_FROM rows or more) is verified in worker threads, each range checked from
// the stored hash of the row before it and the joins checked after: the verdict names the same row
// for a tamper on a range's edge as for one inside it, in any range size; and the built API (its
// workers loaded from dist-api) verifies such a trail too.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GENESIS, rowHash } from '../../../src/server/audit/chain';
import { ephemeralSigningKey, signHead, type SigningKey } from '../../../src/server/audit/checkpoints';
import { auditBody } from '../../../src/server/audit/trail';
import { PARALLEL_FROM, verifyAuditTrail } from '../../../src/server/audit/verify';
import { openPglite, type Db } from '../../../src/server/db/index';
import { spawnApi } from '../../load/helpers';
import { editRow, recomputeFrom, setBody } from './audit-forgery';
import { writeWorldFile } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi } from '../../support/api-call';

const ROWS = PARALLEL_FROM + 20_000;

/** ROWS rows as the API writes them, a signed head every 2,000 (as appends of 2,000 rows would leave). */
async function longTrail(db: Db, key: SigningKey): Promise<void> {
  let prev = GENESIS;
  for (let seq = 0; seq < ROWS; ) {
    const [seqs, bodies, hashes, notes] = [[], [], [], []] as [number[], string[], string[], (string | null)[]];
    for (let i = 0; i < 2_000; i++) {
      const body = auditBody(
        { actor: `eng-${seq % 7}`, actorKind: 'engineer', action: 'access.check', ticket: 'PS-100', resource: { type: 'page', id: `p${seq}` }, outcome: 'allowed' },
        '2026-01-01T00:00:00.000Z',
      );
      prev = rowHash(prev, body);
      seqs.push(++seq);
      bodies.push(body);
      hashes.push(prev);
      notes.push(null);
    }
    notes[notes.length - 1] = signHead([key], { seq, hash: prev, at: '2026-01-01T00:00:00.000Z', org: 'acme' });
    await db.query('INSERT INTO audit_rows (seq, body, hash, signed_note) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[])', [seqs, bodies, hashes, notes]);
  }
  await db.query('UPDATE audit_head SET seq = $1, hash = $2, signed_note = (SELECT signed_note FROM audit_rows WHERE seq = $1) WHERE id = 1', [ROWS, prev]);
}

describe(`a trail of ${ROWS.toLocaleString('en-US')} rows, verified in worker threads`, () => {
  const folder = join(mkdtempSync(join(tmpdir(), 'ac-long-trail-')), 'api');
  const key = ephemeralSigningKey();
  beforeAll(async () => {
    const db = await openPglite(folder, { sync: false });
    try {
      await longTrail(db, key);
    } finally {
      await db.close();
    }
  }, 240_000);

  it('is verified by the built API (GET /v1/audit/verify), its workers started from dist-api', { timeout: 240_000 }, async () => {
    const keyFile = join(folder, '..', 'audit-signing-key.pem');
    writeFileSync(keyFile, key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
    const server = await spawnApi({ fixture: writeWorldFile(), args: ['--data', folder, '--audit-key', keyFile] });
    try {
      expect((await callApi(server.base, 'alice-token', ROUTES.verifyAudit)).json).toMatchObject({ ok: true, rows: ROWS, lastCheckpoint: ROWS });
    } finally {
      await server.stop();
    }
  });

  it('names the row of each tamper on a range edge, in every range size', { timeout: 240_000 }, async () => {
    const db = await openPglite(folder, { sync: false });
    const verify = (batchSize?: number) => verifyAuditTrail(db, { publicKey: key.publicKey, batchSize });
    try {
      expect(await verify()).toMatchObject({ ok: true, rows: ROWS, lastCheckpoint: ROWS });
      const [row60k] = await db.query<{ body: string; hash: string }>('SELECT body, hash FROM audit_rows WHERE seq = 60000');
      let kept = '';
      const tampers: Array<[string, () => Promise<unknown>, () => Promise<unknown>, number, RegExp]> = [
        [
          'the first row of the third range edited',
          async () => (kept = await editRow(db, 40_001, { outcome: 'refused' })),
          () => setBody(db, 40_001, kept),
          40_001,
          /^row 40001 was changed after it was written$/,
        ],
        [
          'the row two ranges join on deleted',
          () => db.query('DELETE FROM audit_rows WHERE seq = 60000'),
          () => db.query('INSERT INTO audit_rows (seq, body, hash) VALUES (60000, $1, $2)', [row60k!.body, row60k!.hash]),
          60_000,
          /^row 60000 is missing$/,
        ],
      ];
      for (const [name, tamper, undo, firstBrokenRow, reason] of tampers) {
        await tamper();
        const verdicts = [await verify(), await verify(30_001)];
        expect(verdicts[0], name).toMatchObject({ ok: false, firstBrokenRow, reason: expect.stringMatching(reason) });
        expect(verdicts[1], name).toEqual(verdicts[0]);
        await undo();
      }
      expect(await verify()).toMatchObject({ ok: true, rows: ROWS });
      // Last, as it is not undone: an edit with the chain recomputed after it, caught at the signed head it disagrees with.
      await editRow(db, ROWS - 1_999, { outcome: 'refused' });
      await recomputeFrom(db, ROWS - 1_999);
      expect(await verify(30_001)).toMatchObject({ ok: false, firstBrokenRow: ROWS - 1_999, reason: expect.stringContaining('rewritten and the chain recomputed') });
    } finally {
      await db.close();
    }
  });
});
