// Outside review 2026-12-01 (issue 15) made the batched verifier see rows that are not in the
// table: it read each batch as one text with separators, and a writer who can change the schema
// made one row's text NULL (the aggregate skips it) and smuggled a whole forged row into another
// row's text. The verifier now frames each row by its length, which the database computes from
// what is stored, so no stored value can add or shift a row; a NULL row drops out and shows as a
// missing row. These are the same attacks, and the other schema tampers, on the new trail.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditAction } from '../../../src/api/vocabulary';
import { ephemeralSigningKey, type SigningKey } from '../../../src/server/audit/checkpoints';
import { AuditTrail, type AuditInput } from '../../../src/server/audit/trail';
import { verifyAuditTrail } from '../../../src/server/audit/verify';
import { openPglite, openPostgres, type Db } from '../../../src/server/db/index';
import { ADMIN_URL, scratchDatabase, type Backend } from '../helpers';

async function seed(db: Db, rows: number, key: SigningKey): Promise<void> {
  const trail = new AuditTrail(key, 'test');
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
  await db.transaction((tx) => trail.appendBatch(tx, items));
}

/** Row `seq` as the verifier's read frames it. */
async function frameOf(db: Db, seq: number): Promise<string> {
  const [r] = await db.query<{ t: string }>(`SELECT seq::text || ':' || hash || ':' || length(body)::text || ':' || body AS t FROM audit_rows WHERE seq = $1`, [seq]);
  return r!.t;
}

/** The indexes on the bodies' fields refuse a body that is not JSON: a writer with DDL drops them first. */
const dropBodyIndexes = (db: Db) => db.query('DROP INDEX audit_body_actor, audit_body_ticket');

const TAMPERS: Array<{ name: string; run: (db: Db) => Promise<unknown> }> = [
  {
    name: 'an edited row made NULL, its old self smuggled into the next row',
    run: async (db) => {
      const ghost = await frameOf(db, 10);
      await dropBodyIndexes(db);
      await db.query('UPDATE audit_rows SET body = NULL WHERE seq = 10');
      await db.query('UPDATE audit_rows SET body = $1 || body WHERE seq = 11', [ghost.slice(ghost.indexOf(':') + 1)]);
    },
  },
  {
    name: 'a row deleted outright, smuggled back as text with a later row made NULL',
    run: async (db) => {
      const ghost = await frameOf(db, 12);
      await dropBodyIndexes(db);
      await db.query('DELETE FROM audit_rows WHERE seq = 12');
      await db.query('UPDATE audit_rows SET body = NULL WHERE seq = 30');
      await db.query('UPDATE audit_rows SET body = body || $1 WHERE seq = 13', [ghost]);
    },
  },
  {
    name: 'a NULL hash, the row otherwise unchanged',
    run: (db) => db.query('ALTER TABLE audit_rows ALTER COLUMN hash DROP NOT NULL').then(() => db.query('UPDATE audit_rows SET hash = NULL WHERE seq = 33')),
  },
  {
    name: 'primary key dropped, a changed copy of row 20 (the batch top) added',
    run: async (db) => {
      await db.query('ALTER TABLE audit_rows DROP CONSTRAINT audit_pkey');
      await db.query(`INSERT INTO audit_rows (seq, body, hash) SELECT seq, replace(body, 'refused', 'allowed'), hash FROM audit_rows WHERE seq = 20`);
    },
  },
  {
    name: 'primary key dropped, an exact copy of row 21 (the next batch first) added',
    run: async (db) => {
      await db.query('ALTER TABLE audit_rows DROP CONSTRAINT audit_pkey');
      await db.query('INSERT INTO audit_rows (seq, body, hash) SELECT seq, body, hash FROM audit_rows WHERE seq = 21');
    },
  },
  {
    name: 'a row moved to a NULL seq',
    run: async (db) => {
      await db.query('ALTER TABLE audit_rows DROP CONSTRAINT audit_pkey');
      await db.query('ALTER TABLE audit_rows ALTER COLUMN seq DROP NOT NULL');
      await db.query('UPDATE audit_rows SET seq = NULL WHERE seq = 40');
    },
  },
];

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`rows the verifier's read could be made to see, on ${backend}`, () => {
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
      await seed(db, 40, key);
    });
    afterEach(async () => {
      await db?.close();
      await drop?.();
      drop = undefined;
    });

    it('the untouched rows verify in every batch size', async () => {
      for (const batchSize of [20, 17, 1, undefined]) expect(await verifyAuditTrail(db, { publicKey: key.publicKey, batchSize })).toMatchObject({ ok: true, rows: 40 });
    });

    for (const t of TAMPERS)
      it(`${t.name}: does not verify`, async () => {
        await t.run(db);
        for (const batchSize of [20, 17, undefined]) {
          const v = await verifyAuditTrail(db, { publicKey: key.publicKey, batchSize });
          expect(v.ok, JSON.stringify(v)).toBe(false);
        }
      });
  });
}
