// The batched, parallel verifier (reads in batches, hashes on worker threads, batches joined by
// their links) gives exactly the verdict of the plain sequential walk it replaced, on a log that
// spans many batches and checkpoints, holds awkward values (unicode, separators, nulls, nested JSON,
// numbers) and is tampered with in every way, at a batch's first row, in its middle and at its end.
import type { KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditAction } from '../../src/api/vocabulary';
import { appendAuditBatch, GENESIS, rowHash, type ActorKind, type AuditInput } from '../../src/server/audit';
import { checkpointSignatureValid, ephemeralSigningKey, listCheckpoints, signCheckpoint, type Checkpoint, type SigningKey } from '../../src/server/audit-checkpoints';
import { CHAIN_ONLY_WARNING, checkBatch, exactNumbers, rowBodyOf, verifyAuditTrail, type TrailOptions, type TrailVerdict } from '../../src/server/audit-verify';
import { canonicalJson } from '../../src/server/audit';
import { sha256 } from '../../src/server/auth';
import { openPglite, openPostgres, type Db, type Queryable } from '../../src/server/db/index';
import { ADMIN_URL, scratchDatabase, type Backend } from './helpers';

type Row = {
  seq: string | number;
  at: string;
  actor: string;
  actor_kind: string;
  action: string;
  ticket: string | null;
  resource: unknown;
  outcome: string;
  detail: unknown;
  prev_hash: string;
  hash: string;
};

/**
 * The walk verifyAuditTrail did before it was batched (one row at a time, every row read as a
 * row, rowHash from the writer): the oracle the new verifier must agree with, reason for reason.
 * Like the verifier it reads the head first and walks the rows up to it (issue 19: rows appended
 * during a walk are newer, not a truncation), then refuses a row stored past the head.
 */
async function sequentialVerdict(db: Queryable, opts: TrailOptions = {}): Promise<TrailVerdict> {
  const signed = new Map<number, Checkpoint>();
  if (opts.publicKey) {
    for (const c of opts.checkpoints ?? (await listCheckpoints(db, 0, 1_000_000))) {
      if (!checkpointSignatureValid(opts.publicKey, c))
        return { ok: false, rows: 0, checkpoints: 0, firstBrokenRow: c.seq, reason: `the checkpoint for row ${c.seq} is not signed by this public key: it was forged or altered` };
      signed.set(c.seq, c);
    }
  }
  const seqs = [...signed.keys()].sort((a, b) => a - b);
  const verdict = (v: Omit<TrailVerdict, 'checkpoints'>): TrailVerdict => ({ ...v, checkpoints: signed.size, ...(opts.publicKey ? {} : { warning: CHAIN_ONLY_WARNING }) });
  const [stray] = await db.query<{ seq: string | number | null }>('SELECT min(seq) AS seq FROM audit WHERE seq < 1');
  if (stray?.seq !== null && stray?.seq !== undefined)
    return verdict({ ok: false, rows: 0, firstBrokenRow: Number(stray.seq), reason: `row ${Number(stray.seq)} lies before the chain's first row: it was inserted outside the chain` });
  let prev = GENESIS;
  let expected = 1;
  let lastGood: number | undefined;
  let startedAfter: number | undefined;
  if (opts.incremental && seqs.length > 0) {
    const from = signed.get(seqs.at(-1)!)!;
    const [row] = await db.query<{ hash: string }>('SELECT hash FROM audit WHERE seq = $1', [from.seq]);
    if (!row) return verdict({ ok: false, rows: 0, firstBrokenRow: from.seq, reason: `row ${from.seq} was signed in a checkpoint but is missing: the log was truncated or rows removed` });
    if (row.hash !== from.hash)
      return verdict({ ok: false, rows: 0, firstBrokenRow: from.seq, reason: `row ${from.seq}'s hash is not the one its checkpoint signed: the chain was rewritten up to it` });
    prev = from.hash;
    expected = from.seq + 1;
    lastGood = startedAfter = from.seq;
  }
  const first = expected;
  const [head] = await db.query<{ seq: string | number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
  for (const r of await db.query<Row>('SELECT * FROM audit WHERE seq >= $1 AND seq <= $2 ORDER BY seq', [first, Number(head?.seq ?? 0)])) {
    const seq = Number(r.seq);
    const fail = (firstBrokenRow: number, reason: string) => verdict({ ok: false, rows: expected - first, firstBrokenRow, reason, lastCheckpoint: lastGood, startedAfter });
    if (seq !== expected) return fail(expected, `row ${expected} is missing`);
    if (r.prev_hash !== prev) return fail(seq, `row ${seq} does not link to the row before it`);
    const body = { seq, at: r.at, actor: r.actor, actorKind: r.actor_kind as ActorKind, action: r.action, ticket: r.ticket, resource: r.resource, outcome: r.outcome, detail: r.detail };
    if (rowHash(prev, body) !== r.hash) return fail(seq, `row ${seq} was changed after it was written`);
    const cp = signed.get(seq);
    if (cp) {
      if (cp.hash !== r.hash) {
        const from = (lastGood ?? 0) + 1;
        return fail(from, `row ${seq}'s hash is not the one signed in its checkpoint (${cp.at}): rows ${from}..${seq} were rewritten and the chain recomputed`);
      }
      lastGood = seq;
    }
    prev = r.hash;
    expected++;
  }
  const end = expected - 1;
  const rows = expected - first;
  const beyond = seqs.find((s) => s > end);
  if (beyond !== undefined)
    return verdict({
      ok: false,
      rows,
      firstBrokenRow: end + 1,
      reason: `the log ends at row ${end} but row ${beyond} was signed in a checkpoint: rows ${end + 1}..${beyond} or more were removed (truncated tail)`,
      lastCheckpoint: lastGood,
      startedAfter,
    });
  if (head && Number(head.seq) !== end)
    return verdict({ ok: false, rows, firstBrokenRow: end + 1, reason: `the log ends at row ${end} but ${Number(head.seq)} rows were written`, lastCheckpoint: lastGood, startedAfter });
  if (head && head.hash !== prev) return verdict({ ok: false, rows, firstBrokenRow: end, reason: `row ${end} does not match the chain head`, lastCheckpoint: lastGood, startedAfter });
  const [past] = await db.query<{ seq: string | number | null }>('SELECT min(seq) AS seq FROM audit WHERE seq > $1', [Number(head?.seq ?? 0)]);
  if (past?.seq !== null && past?.seq !== undefined)
    return verdict({
      ok: false,
      rows,
      firstBrokenRow: Number(past.seq),
      reason: `row ${Number(past.seq)} lies past the chain head (row ${Number(head?.seq ?? 0)}): it was written outside the chain`,
      lastCheckpoint: lastGood,
      startedAfter,
    });
  return verdict({ ok: true, rows, lastCheckpoint: lastGood, startedAfter });
}

/** The row whose actor and ticket hold U+001F. */
const SEPARATOR_ROW = 100;

// Values that stress every way the row could reach the hash: the separator the fast read joins
// fields with, quotes and backslashes, control characters, astral and combining characters, line
// separators, keys whose UTF-16 order differs from jsonb's (length first) order, numbers jsonb
// writes differently (1.0, 1e21, 0.1), nesting, empty strings and every kind of null.
const AWKWARD: Array<Partial<AuditInput>> = [
  { actor: 'eng-\u001e-rs', ticket: 'PS-\u001d1' },
  { actor: 'quote " back \\ slash', ticket: '' },
  { actor: 'ctl \u0001\u0008\t\n\r\u001e\u007f', ticket: 'n' },
  { actor: 'émoji 😀 combining é line\u2028sep\u2029 bidi \u202e', ticket: 's' },
  { resource: { b: 1.0, a: [1e21, 0.1, -5, Number.MAX_SAFE_INTEGER * 1024, 1.5e-7], é: { z: null, y: true, '😀': 'x', '\uffff': 'y' }, long_key_first: 'v', k: '' } },
  { resource: [1, 'two', { three: [3] }], detail: 'just a string' },
  { resource: null, detail: null, ticket: null },
  { detail: { nested: { deeper: { deepest: ['a', { b: 'c\u001fd' }] } }, empty: {}, list: [] } },
  { resource: 0, detail: false },
  { resource: { type: 'page', id: 'p' }, detail: { note: 'tab\there', n: -0.000001 } },
];

async function seedLog(db: Db, rows: number, key: SigningKey, every: number): Promise<void> {
  let n = 0;
  while (n < rows) {
    const items: { input: AuditInput; at: string }[] = [];
    for (let i = 0; i < 7 && n < rows; i++, n++) {
      const awkward = AWKWARD[n % AWKWARD.length]!;
      items.push({
        input: {
          actor: `eng-${n % 13}`,
          actorKind: (['admin', 'engineer', 'system'] as const)[n % 3]!,
          action: (n % 2 ? 'access.check' : 'grant.create') as AuditAction,
          ticket: `PS-${n}`,
          resource: { type: 'work_item', id: `r-${n}` },
          outcome: n % 5 === 0 ? 'refused' : 'allowed',
          ...awkward,
          // One row holds the separator the fast read joins fields with: its batch is read again
          // as JSON, every other batch is checked from fields.
          ...(n === SEPARATOR_ROW - 1 ? { actor: 'eng-\u001f-sep', ticket: 'PS-\u001f1' } : {}),
        },
        at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
      });
    }
    await db.transaction((tx) => appendAuditBatch(tx, items));
    if (n % every === 0 || n === rows) {
      const [head] = await db.query<{ seq: string | number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
      const cp = signCheckpoint(key, { seq: Number(head!.seq), hash: head!.hash, at: `2026-02-01T00:00:${String(n % 60).padStart(2, '0')}.000Z`, org: 'test' });
      await db.query('INSERT INTO audit_checkpoints (seq, hash, at, org, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6)', [cp.seq, cp.hash, cp.at, cp.org, cp.keyId, cp.signature]);
    }
  }
}

/** Rows re-chained from `from` on, and the head moved: what a writer with database access does after an edit. */
async function recompute(db: Queryable, from: number): Promise<void> {
  const [before] = await db.query<{ hash: string }>('SELECT hash FROM audit WHERE seq = $1', [from - 1]);
  let prev = before?.hash ?? GENESIS;
  let last = from - 1;
  for (const r of await db.query<Row>('SELECT * FROM audit WHERE seq >= $1 ORDER BY seq', [from])) {
    const seq = Number(r.seq);
    const hash = rowHash(prev, { seq, at: r.at, actor: r.actor, actorKind: r.actor_kind as ActorKind, action: r.action, ticket: r.ticket, resource: r.resource, outcome: r.outcome, detail: r.detail });
    await db.query('UPDATE audit SET prev_hash = $2, hash = $3 WHERE seq = $1', [seq, prev, hash]);
    prev = hash;
    last = seq;
  }
  await db.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [last, prev]);
}

const ROWS = 230;
const EVERY = 35; // checkpoints after rows 35, 70, ... (batch sizes below cut across them)
// Batch sizes that put a tampered row first, in the middle and last in its batch.
const MODES: Array<Pick<TrailOptions, 'workers' | 'batchSize'>> = [{ workers: 2, batchSize: 17 }, { workers: 1, batchSize: 50 }, { workers: 0, batchSize: 23 }, {}];

type Tamper = { name: string; apply: (db: Queryable) => Promise<void> };
const TAMPERS: Tamper[] = [
  { name: 'nothing', apply: async () => {} },
  ...[1, 17, 18, 34, 60, 101, 230].map((seq) => ({
    name: `edit row ${seq}'s detail`,
    apply: (db: Queryable) => db.query(`UPDATE audit SET detail = '{"forged":true}' WHERE seq = $1`, [seq]).then(() => {}),
  })),
  { name: 'edit a text field to carry the field separator', apply: (db) => db.query(`UPDATE audit SET actor = actor || E'\\x1f' WHERE seq = 90`).then(() => {}) },
  {
    name: 'shift fields with separators so the fast read would see the old row',
    apply: async (db) => {
      // Moves row 40's action into its actor ("actor\x1faction"), making the action empty: the
      // joined text is unchanged but for one extra separator, which the field count catches.
      await db.query(`UPDATE audit SET actor = actor || E'\\x1f' || action, action = '' WHERE seq = 40`);
    },
  },
  { name: 'ticket null made empty', apply: (db) => db.query(`UPDATE audit SET ticket = '' WHERE ticket IS NULL AND seq = (SELECT min(seq) FROM audit WHERE ticket IS NULL)`).then(() => {}) },
  ...[1, 51, 52, 120].map((seq) => ({ name: `delete row ${seq}`, apply: (db: Queryable) => db.query('DELETE FROM audit WHERE seq = $1', [seq]).then(() => {}) })),
  {
    name: 'swap rows 33 and 35',
    apply: async (db) => {
      await db.query('UPDATE audit SET seq = -1 WHERE seq = 33');
      await db.query('UPDATE audit SET seq = 33 WHERE seq = 35');
      await db.query('UPDATE audit SET seq = 35 WHERE seq = -1');
    },
  },
  ...[51, 52, 77].map((seq) => ({ name: `relink row ${seq}`, apply: (db: Queryable) => db.query('UPDATE audit SET prev_hash = $2 WHERE seq = $1', [seq, '0'.repeat(64)]).then(() => {}) })),
  {
    name: 'truncate after row 150 and move the head',
    apply: async (db) => {
      await db.query('DELETE FROM audit WHERE seq > 150');
      await db.query('UPDATE audit_head SET seq = 150, hash = (SELECT hash FROM audit WHERE seq = 150) WHERE id = 1');
    },
  },
  { name: 'drop the last 3 rows, head untouched', apply: (db) => db.query('DELETE FROM audit WHERE seq > 227').then(() => {}) },
  {
    name: 'edit row 80 and recompute the chain and head',
    apply: async (db) => {
      await db.query(`UPDATE audit SET outcome = 'allowed', detail = '{"x":1}' WHERE seq = 80`);
      await recompute(db, 80);
    },
  },
  {
    name: 'delete row 3, renumber, recompute',
    apply: async (db) => {
      await db.query('DELETE FROM audit WHERE seq = 3');
      await db.query('UPDATE audit SET seq = -seq WHERE seq > 3');
      await db.query('UPDATE audit SET seq = -seq - 1 WHERE seq < -3');
      await recompute(db, 3);
    },
  },
  {
    name: 'a forged row before row 1',
    apply: (db) =>
      db
        .query(
          `INSERT INTO audit (seq, at, actor, actor_kind, action, ticket, resource, outcome, detail, prev_hash, hash) SELECT 0, at, actor, actor_kind, action, ticket, resource, outcome, detail, prev_hash, hash FROM audit WHERE seq = 1`,
        )
        .then(() => {}),
  },
  { name: 'a stored checkpoint altered', apply: (db) => db.query(`UPDATE audit_checkpoints SET hash = $1 WHERE seq = 105`, ['f'.repeat(64)]).then(() => {}) },
  { name: 'the head hash moved', apply: (db) => db.query(`UPDATE audit_head SET hash = $1 WHERE id = 1`, ['e'.repeat(64)]).then(() => {}) },
  {
    name: 'a row appended past the head',
    apply: (db) => db.query(`INSERT INTO audit SELECT 231, at, actor, actor_kind, action, ticket, resource, outcome, detail, hash, hash FROM audit WHERE seq = 230`).then(() => {}),
  },
];

class Rollback extends Error {}

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`batched verify equals the sequential walk on ${backend}`, () => {
    let db: Db;
    let drop: (() => Promise<void>) | undefined;
    let key: SigningKey;
    let other: KeyObject;
    beforeAll(async () => {
      if (backend === 'postgres') {
        const s = await scratchDatabase();
        drop = s.drop;
        db = await openPostgres(s.url);
      } else db = await openPglite();
      key = ephemeralSigningKey();
      other = ephemeralSigningKey().publicKey;
      await seedLog(db, ROWS, key, EVERY);
    });
    afterAll(async () => {
      await db?.close();
      await drop?.();
    });

    /** Applies `t` in a transaction, compares every mode with the oracle, and rolls it back. */
    async function compare(t: Tamper, extra: TrailOptions): Promise<TrailVerdict> {
      let seen: TrailVerdict | undefined;
      await db
        .transaction(async (tx) => {
          await t.apply(tx);
          const want = await sequentialVerdict(tx, extra);
          for (const mode of MODES) expect({ mode, verdict: await verifyAuditTrail(tx, { ...extra, ...mode }) }).toEqual({ mode, verdict: want });
          seen = want;
          throw new Rollback();
        })
        .catch((e: unknown) => {
          if (!(e instanceof Rollback)) throw e;
        });
      return seen!;
    }

    it('an untouched log of many batches and checkpoints verifies in every mode, with the awkward values hashed as written', async () => {
      const v = await compare(TAMPERS[0]!, { publicKey: key.publicKey });
      expect(v).toMatchObject({ ok: true, rows: ROWS, checkpoints: Math.ceil(ROWS / EVERY), lastCheckpoint: ROWS });
      expect(await compare(TAMPERS[0]!, { publicKey: key.publicKey, incremental: true })).toMatchObject({ ok: true, rows: 0, startedAfter: ROWS });
    });

    for (const t of TAMPERS.slice(1)) {
      it(`${t.name}: the same verdict as the sequential walk, with and without the key, fully and incrementally`, async () => {
        const v = await compare(t, { publicKey: key.publicKey });
        expect(v.ok).toBe(false);
        await compare(t, {});
        await compare(t, { publicKey: key.publicKey, incremental: true });
      });
    }

    it('checkpoints signed by another key, or kept outside the database, give the same verdicts', async () => {
      expect(await compare(TAMPERS[0]!, { publicKey: other })).toMatchObject({ ok: false, reason: expect.stringContaining('not signed by this public key') });
      const saved = await listCheckpoints(db, 0, 1000);
      const edit = TAMPERS.find((t) => t.name.startsWith('edit row 80'))!;
      const hidden: Tamper = {
        name: 'recompute and delete the stored checkpoints',
        apply: async (q) => {
          await edit.apply(q);
          await q.query('DELETE FROM audit_checkpoints WHERE seq >= 70');
        },
      };
      expect(await compare(hidden, { publicKey: key.publicKey })).toMatchObject({ ok: true });
      expect(await compare(hidden, { publicKey: key.publicKey, checkpoints: saved })).toMatchObject({ ok: false, firstBrokenRow: 71, lastCheckpoint: 70 });
    });

    it('a tamper in the middle of a batch a worker checks is reported at its row, with the rows before it counted', async () => {
      const t = TAMPERS.find((x) => x.name === "edit row 101's detail")!;
      const v = await compare(t, { publicKey: key.publicKey });
      expect(v).toMatchObject({ ok: false, firstBrokenRow: 101, rows: 100, lastCheckpoint: 70, reason: 'row 101 was changed after it was written' });
    });
  });
}

describe('checkBatch', () => {
  const r = (seq: number, prev: string) => {
    const row = { seq, at: '2026-01-01T00:00:00.000Z', actor: 'a', actorKind: 'admin', action: 'grant.create', ticket: null, resource: { id: 'x' }, outcome: 'done', detail: null };
    return { row, hash: sha256(prev + rowBodyOf(row, canonicalJson)) };
  };
  const fields = (rows: Array<{ row: ReturnType<typeof r>['row']; hash: string; prev: string }>) =>
    rows
      .map(({ row, hash, prev }) =>
        [row.seq, row.at, row.actor, row.actorKind, row.action, row.ticket === null ? 'n' : `s${row.ticket}`, JSON.stringify(row.resource), row.outcome, '', prev, hash].join('\u001f'),
      )
      .join('\u001f');

  it('checks rows read as fields in seq order, and sends a batch whose fields do not count out back to be read as JSON', () => {
    const a = r(1, GENESIS);
    const b = r(2, a.hash);
    const text = fields([
      { ...a, prev: GENESIS },
      { ...b, prev: a.hash },
    ]);
    expect(checkBatch(text, 'fields', 2, 1, new Map(), rowBodyOf, canonicalJson, sha256, exactNumbers)).toEqual({ n: 2, firstSeq: 1, firstPrev: GENESIS, lastSeq: 2, lastHash: b.hash });
    // Rows come in scan order (an updated row moves): checked in seq order all the same.
    const scanOrder = fields([
      { ...b, prev: a.hash },
      { ...a, prev: GENESIS },
    ]);
    expect(checkBatch(scanOrder, 'fields', 2, 1, new Map(), rowBodyOf, canonicalJson, sha256, exactNumbers)).toEqual({ n: 2, firstSeq: 1, firstPrev: GENESIS, lastSeq: 2, lastHash: b.hash });
    // One more separator (a stored value holding U+001F): never parsed as shifted fields.
    expect(checkBatch(text.replace('\u001fa\u001f', '\u001fa\u001f\u001f'), 'fields', 2, 1, new Map(), rowBodyOf, canonicalJson, sha256, exactNumbers)).toMatchObject({ unframed: true });
    expect(checkBatch(text, 'fields', 2, 1, new Map([[2, 'f'.repeat(64)]]), rowBodyOf, canonicalJson, sha256, exactNumbers)).toMatchObject({ fail: { seq: 2, kind: 'checkpoint' }, lastSeq: 1 });
    expect(checkBatch(text, 'fields', 2, 5, new Map(), rowBodyOf, canonicalJson, sha256, exactNumbers)).toMatchObject({ fail: { seq: 5, kind: 'missing' } });
  });
});
