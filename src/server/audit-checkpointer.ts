// The signer of audit checkpoints. It signs only a head it has verified (found by the outside
// review of 2026-12-01, test/server/attack-signer.test.ts): the rows since the last signed
// checkpoint must hash and link (verifyAuditTrail, incremental), and every row this process
// appended since then must still carry the hash its own append computed (audit-witness.ts), so a database
// writer who rewrites rows written since the last checkpoint and recomputes the chain from them
// does not get the forgery signed.
import { signCheckpoint, type Checkpoint, type SigningKey } from './audit-checkpoints';
import { verifyAuditTrail } from './audit-verify';
import { forgetWitnessedUpTo, lastSignedByUs, rememberSigned, witnessAppends, witnessedUpTo } from './audit-witness';
import type { Db } from './db/index';

/** The head was not signed: the rows since the last checkpoint do not verify. */
export class UnverifiedHead extends Error {
  constructor(
    readonly seq: number,
    readonly reason: string,
  ) {
    super(`not signing the audit head at row ${seq}: ${reason}`);
  }
}

/**
 * Signs the chain head if it moved since the last checkpoint, after verifying the rows from the
 * newest signed checkpoint (or from row 1 when there is none) up to it with this key's public key.
 * The verify runs outside the chain lock (about a minute of rows at each tick, so checks do not
 * wait on it); the head it verified is then signed under the lock (the head row FOR UPDATE), so API
 * processes sharing one PostgreSQL take turns: the second finds that row already checkpointed
 * and signs nothing, and checkpoints never fork. The head signed may be older than the current
 * one (rows appended during the verify are signed at the next tick).
 * Returns the new checkpoint, undefined when there was none to make; throws UnverifiedHead when
 * the rows since the last checkpoint do not verify, or a row this process appended since then (when
 * it witnesses appends: witnessAppends, which the Checkpointer turns on) no longer carries the
 * hash it was written with (nothing is signed).
 */
export async function checkpointHead(db: Db, key: SigningKey, org: string, at: string): Promise<Checkpoint | undefined> {
  // What this process witnessed, taken before the head is read: every row in it was committed
  // before, so the head cannot legitimately be behind any of them.
  const own = witnessedUpTo(db, Number.MAX_SAFE_INTEGER);
  const mine = lastSignedByUs(db);
  // The head and the newest checkpoint in one statement (one snapshot): a checkpoint another
  // process signs in between cannot look like one beyond the head.
  const [head] = await db.query<{ seq: string | number; hash: string; last: string | number | null }>(
    'SELECT h.seq, h.hash, (SELECT max(seq) FROM audit_checkpoints) AS last FROM audit_head h WHERE h.id = 1',
  );
  const seq = Number(head?.seq ?? 0);
  if (!head) return undefined;
  const last = head.last === null || head.last === undefined ? undefined : Number(head.last);
  if (last !== undefined && last > seq) throw new UnverifiedHead(seq, `a checkpoint names row ${last}, beyond the head: the log was cut back or the checkpoint forged`);
  for (const w of own.keys()) if (w > seq) throw new UnverifiedHead(seq, `row ${w}, which this API appended, lies beyond the head: the log was cut back`);
  if (mine) {
    // The newest checkpoint this process signed must still be there, over the same row.
    const [kept] = await db.query<{ cp: string | null; row: string | null }>('SELECT (SELECT hash FROM audit_checkpoints WHERE seq = $1) AS cp, (SELECT hash FROM audit WHERE seq = $1) AS row', [
      mine.seq,
    ]);
    if (kept?.cp !== mine.hash || kept?.row !== mine.hash)
      throw new UnverifiedHead(seq, `the checkpoint this API signed for row ${mine.seq} is gone or no longer matches its row: checkpoints were deleted or the chain rewritten`);
  }
  if (seq === 0 || (last !== undefined && last >= seq)) return undefined;
  const verdict = await verifyAuditTrail(db, { publicKey: key.publicKey, incremental: true });
  if (!verdict.ok) throw new UnverifiedHead(seq, verdict.reason ?? 'the chain does not verify');
  // The chain verifying is not enough: a writer who recomputed it from an edited row leaves rows
  // that verify. Every row this process wrote since the last checkpoint must still carry the hash
  // its append computed.
  if (own.size > 0) {
    const stored = await db.query<{ seq: string | number; hash: string }>('SELECT seq, hash FROM audit WHERE seq = ANY($1::bigint[])', [[...own.keys()]]);
    const found = new Map(stored.map((r) => [Number(r.seq), r.hash]));
    for (const [row, hash] of own)
      if (found.get(row) !== hash)
        throw new UnverifiedHead(seq, `row ${row}, which this API appended, no longer carries the hash it was written with: rows up to it were rewritten and the chain recomputed`);
  }
  return db
    .transaction(async (tx) => {
      await tx.query('SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE');
      // The row verified above must still carry the hash the head named when it was read.
      const [row] = await tx.query<{ hash: string }>('SELECT hash FROM audit WHERE seq = $1', [seq]);
      if (row?.hash !== head.hash) throw new UnverifiedHead(seq, `row ${seq} changed while it was being verified`);
      const [newest] = await tx.query<{ seq: string | number | null }>('SELECT max(seq) AS seq FROM audit_checkpoints');
      if (newest?.seq !== null && newest?.seq !== undefined && Number(newest.seq) >= seq) return undefined;
      const cp = signCheckpoint(key, { seq, hash: head.hash, at, org });
      const inserted = await tx.query('INSERT INTO audit_checkpoints (seq, hash, at, org, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (seq) DO NOTHING RETURNING seq', [
        cp.seq,
        cp.hash,
        cp.at,
        cp.org,
        cp.keyId,
        cp.signature,
      ]);
      if (inserted.length === 0) return undefined;
      await tx.query(`SELECT pg_notify('ac_audit_checkpoint', $1)`, [String(seq)]);
      return cp;
    })
    .then((cp) => {
      if (cp) {
        forgetWitnessedUpTo(db, cp.seq);
        rememberSigned(db, cp.seq, cp.hash);
      }
      return cp;
    });
}

/** Checkpoints the head every `intervalMs` while it moves, and once more at `stop()`. */
export class Checkpointer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Db,
    readonly key: SigningKey,
    private readonly org: string,
    private readonly intervalMs: number,
    private readonly now: () => string,
    private readonly log: (m: string) => void,
  ) {
    witnessAppends(db);
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** One checkpoint now if the head moved; failures are logged, the next tick retries. */
  tick(): Promise<Checkpoint | undefined> {
    const run = this.running
      .then(() => checkpointHead(this.db, this.key, this.org, this.now()))
      .catch((e: unknown) => {
        this.log(`audit checkpoint failed: ${(e as Error).message}`);
        return undefined;
      });
    this.running = run;
    return run;
  }

  /** Clears the timer and signs the final head (clean shutdown). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.tick();
  }
}
