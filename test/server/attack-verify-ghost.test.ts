// Outside review 2026-12-01 (issue 15): the batched verifier's 'fields' read can be made to see rows
// that are not in the table. string_agg skips a row whose joined text is NULL, while count(*) still
// counts it; a text column holding U+001F adds fields. A writer who can drop a NOT NULL (the role
// that owns the tables can) makes one row's text NULL and puts a whole forged "row" (11 fields) into
// another row's hash column: the field count comes out at exactly 11 per counted row, so the batch
// is not read again as JSON, and the verifier hashes the ghost instead of what is stored. The plain
// walk (verifyAudit, rowHash over every row in seq order) sees the edit; verifyAuditTrail, with the
// public key and every signed checkpoint, says OK. Both tests failed on the code as reviewed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditAction } from '../../src/api/vocabulary';
import { appendAuditBatch, verifyAudit, type AuditInput } from '../../src/server/audit';
import { ephemeralSigningKey, signCheckpoint, type Checkpoint, type SigningKey } from '../../src/server/audit-checkpoints';
import { verifyAuditTrail } from '../../src/server/audit-verify';
import { openPglite, openPostgres, type Db } from '../../src/server/db/index';
import { ADMIN_URL, scratchDatabase, type Backend } from './helpers';

const US = '\u001f';

type Row = {
  seq: string | number;
  at: string;
  actor: string;
  actor_kind: string;
  action: string;
  ticket: string | null;
  resource: string | null;
  outcome: string;
  detail: string | null;
  prev_hash: string;
  hash: string;
};

/** Row `seq` as the 11 fields the 'fields' read joins (jsonb as its text, ticket tagged). */
async function fieldsOf(db: Db, seq: number): Promise<string> {
  const [r] = await db.query<Row>('SELECT seq, at, actor, actor_kind, action, ticket, resource::text AS resource, outcome, detail::text AS detail, prev_hash, hash FROM audit WHERE seq = $1', [seq]);
  if (!r) throw new Error(`no row ${seq}`);
  return [r.seq, r.at, r.actor, r.actor_kind, r.action, r.ticket === null ? 'n' : `s${r.ticket}`, r.resource ?? '', r.outcome, r.detail ?? '', r.prev_hash, r.hash].join(US);
}

async function seed(db: Db, rows: number, key: SigningKey): Promise<Checkpoint[]> {
  const items: { input: AuditInput; at: string }[] = [];
  for (let n = 0; n < rows; n++)
    items.push({
      input: {
        actor: `eng-${n % 3}`,
        actorKind: 'engineer',
        action: 'access.check' as AuditAction,
        ticket: `PS-${100 + n}`,
        resource: { type: 'work_item', id: `r-${n}` },
        outcome: 'refused',
        detail: { reason: 'no grant' },
      },
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    });
  await db.transaction((tx) => appendAuditBatch(tx, items));
  const [head] = await db.query<{ seq: string | number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
  const cp = signCheckpoint(key, { seq: Number(head!.seq), hash: head!.hash, at: '2026-02-01T00:00:00.000Z', org: 'test' });
  await db.query('INSERT INTO audit_checkpoints (seq, hash, at, org, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6)', [cp.seq, cp.hash, cp.at, cp.org, cp.keyId, cp.signature]);
  return [cp];
}

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`ghost rows in the fields read on ${backend}`, () => {
    let db: Db;
    let drop: (() => Promise<void>) | undefined;
    let key: SigningKey;
    beforeEach(async () => {
      if (backend === 'postgres') {
        const s = await scratchDatabase();
        drop = s.drop;
        db = await openPostgres(s.url);
      } else db = await openPglite();
      key = ephemeralSigningKey();
    });
    afterEach(async () => {
      await db?.close();
      await drop?.();
      drop = undefined;
    });

    it('an edited row whose text is NULL, its old self smuggled into another row, does not verify', async () => {
      const checkpoints = await seed(db, 40, key);
      const ghost = await fieldsOf(db, 7);
      // The tamper: row 7 (a refused check by eng-1 on PS-106) now says eng-2 was ALLOWED on PS-999.
      await db.query('ALTER TABLE audit ALTER COLUMN hash DROP NOT NULL');
      await db.query(`UPDATE audit SET actor = 'eng-2', ticket = 'PS-999', outcome = 'allowed', detail = '{"reason":"grant g-1"}', hash = NULL WHERE seq = 7`);
      await db.query('UPDATE audit SET hash = hash || $2 || $3 WHERE seq = $1', [20, US, ghost]);
      const [stored] = await db.query<{ actor: string; outcome: string; ticket: string }>('SELECT actor, outcome, ticket FROM audit WHERE seq = 7');
      expect(stored).toEqual({ actor: 'eng-2', outcome: 'allowed', ticket: 'PS-999' });

      // The straightforward walk sees it.
      expect((await verifyAudit(db)).ok).toBe(false);
      for (const workers of [0, 2]) {
        const v = await verifyAuditTrail(db, { publicKey: key.publicKey, checkpoints, workers });
        expect(v.ok, JSON.stringify(v)).toBe(false);
      }
    });

    it('a row deleted outright, smuggled back as text with a later row made NULL, does not verify', async () => {
      // Two batches of 20: row 20 (the first batch's top) is dropped from the aggregate, so the
      // reader moves on past it while the checker stops at 19; the second batch no longer starts
      // where the chain is, and its link to the chain is not checked.
      const checkpoints = await seed(db, 40, key);
      const ghost = await fieldsOf(db, 5);
      await db.query('DELETE FROM audit WHERE seq = 5');
      await db.query('ALTER TABLE audit ALTER COLUMN prev_hash DROP NOT NULL');
      await db.query('UPDATE audit SET prev_hash = NULL WHERE seq = 20');
      await db.query('UPDATE audit SET hash = hash || $2 || $3 WHERE seq = $1', [12, US, ghost]);
      expect((await db.query('SELECT 1 FROM audit WHERE seq = 5')).length).toBe(0);

      expect((await verifyAudit(db)).ok).toBe(false);
      for (const workers of [0, 2]) {
        const v = await verifyAuditTrail(db, { publicKey: key.publicKey, checkpoints, workers, batchSize: 20 });
        expect(v.ok, JSON.stringify(v)).toBe(false);
      }
    });

    // Other tampers a writer with DDL can make, each caught (these held on the code as reviewed).
    const DDL_TAMPERS: Array<{ name: string; sql: string[] }> = [
      {
        name: 'primary key dropped, a changed copy of row 20 (the batch top) added',
        sql: [
          'ALTER TABLE audit DROP CONSTRAINT audit_pkey',
          `INSERT INTO audit SELECT seq, at, 'mallory', actor_kind, action, ticket, resource, 'allowed', detail, prev_hash, hash FROM audit WHERE seq = 20`,
        ],
      },
      {
        name: 'primary key dropped, an exact copy of row 21 (the next batch first) added',
        sql: ['ALTER TABLE audit DROP CONSTRAINT audit_pkey', 'INSERT INTO audit SELECT * FROM audit WHERE seq = 21'],
      },
      {
        name: 'a row moved to a NULL seq',
        sql: ['ALTER TABLE audit DROP CONSTRAINT audit_pkey', 'ALTER TABLE audit ALTER COLUMN seq DROP NOT NULL', 'UPDATE audit SET seq = NULL WHERE seq = 40'],
      },
      {
        name: 'a NULL actor, the row otherwise unchanged',
        sql: ['ALTER TABLE audit ALTER COLUMN actor DROP NOT NULL', 'UPDATE audit SET actor = NULL WHERE seq = 33'],
      },
    ];
    for (const t of DDL_TAMPERS)
      it(`${t.name}: does not verify`, async () => {
        const checkpoints = await seed(db, 40, key);
        for (const q of t.sql) await db.query(q);
        expect((await verifyAudit(db)).ok).toBe(false);
        for (const batchSize of [20, 17, undefined]) {
          const v = await verifyAuditTrail(db, { publicKey: key.publicKey, checkpoints, workers: 0, batchSize });
          expect(v.ok, JSON.stringify(v)).toBe(false);
        }
      });
  });
}
