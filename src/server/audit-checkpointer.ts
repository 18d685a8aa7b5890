// The signer of audit checkpoints. It signs only a head it has verified (found by the outside
// review of 2026-12-01, test/server/attack-signer.test.ts): the rows since the last signed
// checkpoint must hash and link (verifyAuditTrail, incremental), and every row this process
// appended since then must still carry the hash its own append computed (audit-witness.ts), so a database
// writer who rewrites rows written since the last checkpoint and recomputes the chain from them
// does not get the forgery signed.
import { signCheckpoint, type Checkpoint, type SigningKey } from './audit-checkpoints';
import { verifyAuditTrail } from './audit-verify';
import { forgetWitnessedUpTo, witnessAppends, witnessedUpTo } from './audit-witness';
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
  const [head] = await db.query<{ seq: string | number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
  const seq = Number(head?.seq ?? 0);
  if (!head || seq === 0) return undefined;
  const [last] = await db.query<{ seq: string | number | null }>('SELECT max(seq) AS seq FROM audit_checkpoints');
  if (last?.seq !== null && last?.seq !== undefined && Number(last.seq) >= seq) return undefined;
  const verdict = await verifyAuditTrail(db, { publicKey: key.publicKey, incremental: true });
  if (!verdict.ok) throw new UnverifiedHead(seq, verdict.reason ?? 'the chain does not verify');
  // The chain verifying is not enough: a writer who recomputed it from an edited row leaves rows
  // that verify. Every row this process wrote since the last checkpoint must still carry its hash.
  const own = witnessedUpTo(db, seq);
  if (own.size > 0) {
    const stored = await db.query<{ seq: string | number; hash: string }>('SELECT seq, hash FROM audit WHERE seq = ANY($1::bigint[])', [[...own.keys()]]);
    const found = new Map(stored.map((r) => [Number(r.seq), r.hash]));
    for (const [at, hash] of own)
      if (found.get(at) !== hash)
        throw new UnverifiedHead(seq, `row ${at}, which this API appended, no longer carries the hash it was written with: rows up to it were rewritten and the chain recomputed`);
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
      if (cp) forgetWitnessedUpTo(db, cp.seq);
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
