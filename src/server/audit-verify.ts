// Verifying the audit trail against signed checkpoints. The hash chain alone proves the rows link
// up; only a signature made outside the database proves they are the rows that were written: a
// truncated tail or a chain recomputed after an edit links up perfectly but misses a signed head.
import type { KeyObject } from 'node:crypto';
import { checkpointSignatureValid, listCheckpoints, type Checkpoint } from './audit-checkpoints';
import { canonicalJson, GENESIS, rowBeforeChainStart, type ActorKind } from './audit';
import type { Queryable } from './db/index';
import { sha256 } from './auth';

export interface TrailVerdict {
  ok: boolean;
  /** Rows whose hash and link were checked in this run. */
  rows: number;
  /** The first row that disagrees (or, for a rewritten stretch, the first row after the last good checkpoint). */
  firstBrokenRow?: number;
  reason?: string;
  /** Signed checkpoints the rows were compared with (0 when verifying the chain alone). */
  checkpoints: number;
  /** The newest checkpointed row the log agrees with. */
  lastCheckpoint?: number;
  /** Incremental runs start after this row (the newest signed checkpoint). */
  startedAfter?: number;
  /** Set when no public key was given: what this run cannot detect. */
  warning?: string;
}

export interface TrailOptions {
  /** The Ed25519 public key checkpoints must be signed with; without it only the chain is checked. */
  publicKey?: KeyObject;
  /** Checkpoints from outside the database (a saved copy, the API); default: those stored in it. */
  checkpoints?: Checkpoint[];
  /** Start at the newest signed checkpoint instead of row 1 (rows before it are not re-hashed). */
  incremental?: boolean;
  /** Rows per read; reads are keyset-paged on seq and the next one runs while this one hashes. */
  batchSize?: number;
}

export const CHAIN_ONLY_WARNING = 'no public key given: the chain alone cannot detect a truncated tail or a chain recomputed after an edit; pass --public-key to check the signed checkpoints';

type BatchRow = [
  seq: number,
  at: string,
  actor: string,
  actorKind: ActorKind,
  action: string,
  ticket: string | null,
  resource: unknown,
  outcome: string,
  detail: unknown,
  prevHash: string,
  hash: string,
];

/**
 * Up to `limit` rows after `after`, in seq order. The database assembles the batch into one JSON
 * text and it is parsed with one JSON.parse: per-row, per-column result decoding was most of a
 * full verify's time on PGlite (20k rows: ~1.7 s decoded as rows, ~0.5 s as one text, one machine).
 */
async function readBatch(db: Queryable, after: number, limit: number): Promise<BatchRow[]> {
  const [r] = await db.query<{ j: string | null }>(
    `SELECT '[' || string_agg(concat('[', seq, ',', to_json(at), ',', to_json(actor), ',', to_json(actor_kind), ',', to_json(action), ',', coalesce(to_json(ticket)::text, 'null'), ',',
       coalesce(resource::text, 'null'), ',', to_json(outcome), ',', coalesce(detail::text, 'null'), ',', to_json(prev_hash), ',', to_json(hash), ']'), ',' ORDER BY seq) || ']' AS j
     FROM (SELECT * FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2) page`,
    [after, limit],
  );
  return r?.j ? (JSON.parse(r.j) as BatchRow[]) : [];
}

/**
 * rowHash (src/server/audit.ts) for a row read back from the database, where every field is
 * present: the top level's keys are fixed, so they are written in their sorted order directly
 * instead of collected and sorted per row (that was about half of a full verify's hashing time).
 * A property test holds it equal to rowHash.
 */
export function verifyRowHash(
  prevHash: string,
  r: { seq: number; at: string; actor: string; actorKind: string; action: string; ticket: string | null; resource: unknown; outcome: string; detail: unknown },
): string {
  const s = JSON.stringify;
  const body = `{"action":${s(r.action)},"actor":${s(r.actor)},"actorKind":${s(r.actorKind)},"at":${s(r.at)},"detail":${canonicalJson(r.detail ?? null)},"outcome":${s(r.outcome)},"resource":${canonicalJson(r.resource ?? null)},"seq":${s(r.seq)},"ticket":${s(r.ticket ?? null)}}`;
  return sha256(prevHash + body);
}

/** Every checkpoint stored in the database, oldest first. */
export async function allStoredCheckpoints(q: Queryable): Promise<Checkpoint[]> {
  const out: Checkpoint[] = [];
  for (;;) {
    const page = await listCheckpoints(q, out.at(-1)?.seq ?? 0, 5000);
    out.push(...page);
    if (page.length < 5000) return out;
  }
}

/**
 * Walks the audit rows in seq order (from row 1, or from the newest signed checkpoint with
 * `incremental`) and reports the first disagreement: a row changed, missing, out of place or not
 * linking; a row whose hash is not the one a checkpoint signed (the chain was recomputed); the
 * log ending before a signed row (truncated); or a checkpoint not signed by the key (forged).
 */
export async function verifyAuditTrail(db: Queryable, opts: TrailOptions = {}): Promise<TrailVerdict> {
  const batch = opts.batchSize ?? 20_000;
  const signed = new Map<number, Checkpoint>();
  if (opts.publicKey) {
    const list = opts.checkpoints ?? (await allStoredCheckpoints(db));
    for (const c of list) {
      if (!checkpointSignatureValid(opts.publicKey, c))
        return { ok: false, rows: 0, checkpoints: 0, firstBrokenRow: c.seq, reason: `the checkpoint for row ${c.seq} is not signed by this public key: it was forged or altered` };
      const other = signed.get(c.seq);
      if (other && other.hash !== c.hash) return { ok: false, rows: 0, checkpoints: 0, firstBrokenRow: c.seq, reason: `two signed checkpoints disagree about row ${c.seq}` };
      signed.set(c.seq, c);
    }
  }
  const seqs = [...signed.keys()].sort((a, b) => a - b);
  const verdict = (v: Omit<TrailVerdict, 'checkpoints'>): TrailVerdict => ({ ...v, checkpoints: signed.size, ...(opts.publicKey ? {} : { warning: CHAIN_ONLY_WARNING }) });

  const stray = await rowBeforeChainStart(db);
  if (stray !== undefined) return verdict({ ok: false, rows: 0, firstBrokenRow: stray, reason: `row ${stray} lies before the chain's first row: it was inserted outside the chain` });

  let prev = GENESIS;
  let expectedSeq = 1;
  let lastGood: number | undefined;
  let startedAfter: number | undefined;
  if (opts.incremental && seqs.length > 0) {
    const from = signed.get(seqs.at(-1)!)!;
    const [row] = await db.query<{ hash: string }>('SELECT hash FROM audit WHERE seq = $1', [from.seq]);
    if (!row) return verdict({ ok: false, rows: 0, firstBrokenRow: from.seq, reason: `row ${from.seq} was signed in a checkpoint but is missing: the log was truncated or rows removed` });
    if (row.hash !== from.hash)
      return verdict({ ok: false, rows: 0, firstBrokenRow: from.seq, reason: `row ${from.seq}'s hash is not the one its checkpoint signed: the chain was rewritten up to it` });
    prev = from.hash;
    expectedSeq = from.seq + 1;
    lastGood = startedAfter = from.seq;
  }
  const first = expectedSeq;
  const read = (after: number) => readBatch(db, after, batch);
  let next: Promise<BatchRow[]> | undefined = read(expectedSeq - 1);
  while (next !== undefined) {
    const rows: BatchRow[] = await next;
    // Keyset paging: the next read is already on its way while this batch is hashed.
    next = rows.length === batch ? read(rows.at(-1)![0]) : undefined;
    for (const [seq, at, actor, actorKind, action, ticket, resource, outcome, detail, prevHash, hash] of rows) {
      const raw = { prev_hash: prevHash, hash };
      const checked = expectedSeq - first;
      const fail = (firstBrokenRow: number, reason: string) => {
        void next?.catch(() => {});
        return verdict({ ok: false, rows: checked, firstBrokenRow, reason, lastCheckpoint: lastGood, startedAfter });
      };
      if (seq !== expectedSeq) return fail(expectedSeq, `row ${expectedSeq} is missing`);
      if (raw.prev_hash !== prev) return fail(seq, `row ${seq} does not link to the row before it`);
      const r = { seq, at, actor, actorKind, action, ticket, resource, outcome, detail };
      if (verifyRowHash(prev, r) !== raw.hash) return fail(seq, `row ${seq} was changed after it was written`);
      const cp = signed.get(seq);
      if (cp) {
        if (cp.hash !== raw.hash) {
          const from = (lastGood ?? 0) + 1;
          return fail(from, `row ${seq}'s hash is not the one signed in its checkpoint (${cp.at}): rows ${from}..${seq} were rewritten and the chain recomputed`);
        }
        lastGood = seq;
      }
      prev = raw.hash;
      expectedSeq++;
    }
  }
  const end = expectedSeq - 1;
  const rows = expectedSeq - first;
  const signedBeyond = seqs.find((s) => s > end);
  if (signedBeyond !== undefined) {
    return verdict({
      ok: false,
      rows,
      firstBrokenRow: end + 1,
      reason: `the log ends at row ${end} but row ${signedBeyond} was signed in a checkpoint: rows ${end + 1}..${signedBeyond} or more were removed (truncated tail)`,
      lastCheckpoint: lastGood,
      startedAfter,
    });
  }
  const [head] = await db.query<{ seq: string | number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
  if (head && Number(head.seq) !== end)
    return verdict({ ok: false, rows, firstBrokenRow: end + 1, reason: `the log ends at row ${end} but ${Number(head.seq)} rows were written`, lastCheckpoint: lastGood, startedAfter });
  if (head && head.hash !== prev) return verdict({ ok: false, rows, firstBrokenRow: end, reason: `row ${end} does not match the chain head`, lastCheckpoint: lastGood, startedAfter });
  return verdict({ ok: true, rows, lastCheckpoint: lastGood, startedAfter });
}
