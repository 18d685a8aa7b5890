// What this process itself appended to the audit chain, as the signer's independent witness. A
// database writer who rewrites rows written since the last checkpoint and recomputes the chain
// leaves rows that verify; but the chain then runs through different hashes than the ones this
// process's own appends produced. Each committed append notes its last row and hash; the
// checkpointer signs a head only while every row noted since the last checkpoint still carries
// its hash (audit-checkpointer.ts). Every noted row counts, not only the newest: an append made
// after a recompute chains onto the forged head, and only the rows noted before it show the
// rewrite.
import { afterCommit, databaseOf, type Queryable } from './db/index';

/**
 * Noted rows kept per database at most (one per append, so about a minute of appends at 1,700 a
 * second between two checkpoints); past it the oldest are dropped, and those rows are pinned by
 * the chain and the newer notes alone.
 */
export const MAX_WITNESSED = 100_000;

/** Committed own appends per database, row number → hash, oldest first. */
const witnessed = new WeakMap<Queryable, Map<number, string>>();

/** Start witnessing `db`'s appends (the checkpointer does, when the API signs checkpoints). */
export function witnessAppends(db: Queryable): void {
  if (!witnessed.has(db)) witnessed.set(db, new Map());
}

/**
 * Notes that `q` (a Db, or a transaction of one) appended rows ending at row `seq` with `hash`;
 * it counts once the change commits, and not at all if it rolls back.
 */
export function noteAppended(q: Queryable, seq: number, hash: string): void {
  const notes = witnessed.get(databaseOf(q));
  if (!notes) return;
  afterCommit(q, () => {
    notes.set(seq, hash);
    if (notes.size > MAX_WITNESSED) notes.delete(notes.keys().next().value as number);
  });
}

/** The rows (row number → hash) this process appended to `db` and committed, up to `seq`. */
export function witnessedUpTo(db: Queryable, seq: number): Map<number, string> {
  return new Map([...(witnessed.get(db) ?? [])].filter(([s]) => s <= seq));
}

/** The newest checkpoint this process signed for `db` (row number and hash), kept in memory. */
const signedByUs = new WeakMap<Queryable, { seq: number; hash: string }>();

/** Remembers a checkpoint this process signed: later heads must still contain it. */
export function rememberSigned(db: Queryable, seq: number, hash: string): void {
  const prior = signedByUs.get(db);
  if (!prior || prior.seq < seq) signedByUs.set(db, { seq, hash });
}

/** The newest checkpoint this process signed for `db`, if any. */
export function lastSignedByUs(db: Queryable): { seq: number; hash: string } | undefined {
  return signedByUs.get(db);
}

/** Forgets the notes a signed checkpoint at row `seq` now covers. */
export function forgetWitnessedUpTo(db: Queryable, seq: number): void {
  const notes = witnessed.get(db);
  for (const s of notes?.keys() ?? []) if (s <= seq) notes!.delete(s);
}
