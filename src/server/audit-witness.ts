// What this process itself appended to the audit chain, as the signer's independent witness. A
// database writer who rewrites rows written since the last checkpoint and recomputes the chain
// leaves rows that verify; but the chain then runs through different hashes than the ones this
// process's own appends produced. The checkpointer signs a head only when the newest row this
// process appended still carries the hash its append computed (audit-checkpointer.ts). One row is
// enough: it pins every row before it through the chain.
import { afterCommit, databaseOf, type Queryable } from './db/index';

/** The newest committed own append per database: row number and hash. */
const newest = new WeakMap<Queryable, { seq: number; hash: string }>();
const watched = new WeakSet<Queryable>();

/** Start witnessing `db`'s appends (the checkpointer does, when the API signs checkpoints). */
export function witnessAppends(db: Queryable): void {
  watched.add(db);
}

/**
 * Notes that `q` (a Db, or a transaction of one) appended rows ending at row `seq` with `hash`;
 * it counts once the change commits, and not at all if it rolls back.
 */
export function noteAppended(q: Queryable, seq: number, hash: string): void {
  const db = databaseOf(q);
  if (!watched.has(db)) return;
  afterCommit(q, () => {
    const prior = newest.get(db);
    if (!prior || prior.seq < seq) newest.set(db, { seq, hash });
  });
}

/** The newest row this process appended to `db` and committed, if any. */
export function newestOwnAppend(db: Queryable): { seq: number; hash: string } | undefined {
  return newest.get(db);
}
