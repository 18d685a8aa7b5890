// Verifying the trail: the chain from its stored bytes, against the signed heads. How: README.md.
import type { KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { z } from 'zod';
import type * as W from '../../api/schemas';
import type { Queryable } from '../db/index';
import { checkRange, GENESIS, hashAt, readRange, type RangeResult, type RangeTask } from './chain';
import { keyIdOf, parseHead, signedBy, type SignedHead } from './checkpoints';

/** A verify's answer, as GET /v1/audit/verify sends it (api/schemas.ts AuditVerify says what each field is); `startedAfter`: the walk started after this signed row (TrailOptions.from). */
export type TrailVerdict = z.infer<typeof W.AuditVerify> & { startedAfter?: number };

export interface TrailOptions {
  /** The Ed25519 public key the heads are signed with (the newest key, or any earlier one the rotations lead on from). */
  publicKey?: KeyObject;
  /** Signed notes kept outside the database (a saved copy, the API's page), checked beside the stored ones. */
  checkpoints?: string[];
  /** Start after the signed head at this row instead of at row 1 (its signature is checked). */
  from?: number;
  /** Check every head's signature, not only the newest, the boundary and the rotations. */
  allSignatures?: boolean;
  /** Rows per range (default 20,000): ranges are read ahead, and checked in worker threads on a long walk (PARALLEL_FROM). */
  batchSize?: number;
  /** The org whose trail this is (the API's); else the org the newest stored head names. */
  org?: string;
  /** The highest row an API process was seen to commit (AuditTrail.seenHead): a trail ending below it was cut back. */
  seenHead?: number;
}

/** Rows from which a walk is checked in worker threads: below it one thread is done before workers start. */
export const PARALLEL_FROM = 100_000;
/** Worker threads, and range reads in flight: enough to keep each other busy, few enough to leave most of a PostgreSQL pool (10) to the API. */
const THREADS = Math.min(4, availableParallelism());
// Run from the TypeScript sources (tsx, vitest) the worker loads through tsx; the built API has verify-worker.js beside it.
const WORKER = new URL(import.meta.url.endsWith('.ts') ? './verify-worker.dev.mjs' : './verify-worker.js', import.meta.url);

/** The org a note names, read without parsing the rest (so an unreadable newest head still names one). */
const parseOrg = (note: string | undefined) => (note ? /^access-companion\/audit\/v2\norg (.*)\n/.exec(note)?.[1] : undefined);

const CHAIN_ONLY_WARNING = 'no public key given: the chain alone cannot detect a truncated tail or a chain recomputed after an edit; pass --public-key to check the signed heads';

/**
 * Verifies the trail (how: README.md) and reports the first disagreement: a row changed, missing or
 * out of place; a row whose hash is not the one a signed head names (rewritten and recomputed); the
 * log ending before a signed head, the head or a row seen committed (truncated); rows past the last
 * signed head (unsigned) or outside 1..head; and, with a public key, a newest head, boundary or
 * rotation not signed by the keys it should be (every head with `allSignatures`). The verdict is the
 * same for any range size.
 */
export async function verifyAuditTrail(db: Queryable, opts: TrailOptions = {}): Promise<TrailVerdict> {
  const [top] = await db.query<{ seq: string; hash: string; note: string | null; heads: string | null }>(
    `SELECT h.seq::text, h.hash, h.signed_note AS note, (SELECT json_agg(json_build_array(r.seq, r.signed_note) ORDER BY r.seq)::text FROM audit_rows r WHERE r.signed_note IS NOT NULL) AS heads FROM audit_head h WHERE h.id = 1`,
  );
  const base = { checkpoints: 0, ...(opts.publicKey ? {} : { warning: CHAIN_ONLY_WARNING }) };
  // `walked`: the last row the walk checked, once it began (done: the rows checked, and the newest signed head among them).
  const broken = (firstBrokenRow: number, reason: string, walked?: number): TrailVerdict => ({ ...base, ok: false, rows: 0, firstBrokenRow, reason, ...(walked === undefined ? {} : done(walked)) });
  if (!top) return broken(0, 'the chain head is missing: it was deleted');
  const headSeq = Number(top.seq);
  // Without a key the signed heads prove nothing, and the walk checks the chain alone. Each note with
  // the row it is stored on (0: the checkpoints given), so an unreadable one is named at its row.
  const stored = opts.publicKey ? [...(top.heads ? (JSON.parse(top.heads) as [number, string][]) : []), ...(top.note ? [[headSeq, top.note] as [number, string]] : [])] : [];
  const notes = [...stored, ...(opts.publicKey ? (opts.checkpoints ?? []) : []).map((n) => [0, n] as [number, string])];
  const signed = new Map<number, SignedHead>();
  // Every head names the org of this trail (the verifier's, else the newest stored head's): a head of another org was replayed here.
  let org = opts.org;
  for (const [at, note] of notes) {
    let h: SignedHead;
    try {
      h = parseHead(note);
    } catch (e) {
      return broken(at, `the signed head ${at ? `stored at row ${at}` : 'in the checkpoints given'} cannot be read: ${(e as Error).message}`);
    }
    org ??= parseOrg(stored.at(-1)?.[1]) ?? h.org;
    if (h.org !== org) return broken(h.seq, `the signed head at row ${h.seq} is of org "${h.org}", not "${org}": it was replayed from another trail`);
    const other = signed.get(h.seq);
    // Two rotations, or a rotation and a plain head, at one row name different keys in effect after it.
    if (other && (other.hash !== h.hash || ((other.rotation || h.rotation) && other.body !== h.body))) return broken(h.seq, `two signed heads disagree about row ${h.seq}`);
    if (!other) signed.set(h.seq, h);
  }
  base.checkpoints = signed.size;
  const heads = [...signed.values()].sort((a, b) => a.seq - b.seq);
  const newest = heads.at(-1);
  const boundary = heads.find((h) => h.legacy !== undefined);
  if (opts.publicKey) {
    // The key that must sign each head: the first rotation's old key (the given key when none), then
    // each rotation's new key. The public keys known: the given one, and those the rotations introduce.
    const [trusted, rotations] = [keyIdOf(opts.publicKey), heads.filter((h) => h.rotation)];
    let signer = rotations[0]?.rotation?.from ?? trusted;
    const keys = new Map([[trusted, opts.publicKey], ...rotations.map((r) => [r.rotation!.to, r.rotation!.publicKey] as const)]);
    if (signer !== trusted && !rotations.some((r) => r.rotation!.to === trusted)) return broken(0, `the heads are not signed by the given public key (${trusted}) or a key it hands over to or from`);
    for (const h of heads) {
      if (h.rotation) {
        const { from, to, publicKey } = h.rotation;
        if (from !== signer) return broken(h.seq, `the key rotation at row ${h.seq} does not follow the one before it`);
        if (keyIdOf(publicKey) !== to || !signedBy(h, publicKey) || (keys.has(from) && !signedBy(h, keys.get(from)!)))
          return broken(h.seq, `the key rotation at row ${h.seq} is not signed by both keys it names: it was forged or altered`);
        signer = to;
      }
      if (!h.signatures.has(signer)) return broken(h.seq, `the head at row ${h.seq} is not signed by the key in effect there (${signer})`);
      const key = keys.get(signer);
      if ((opts.allSignatures || h === newest || h.seq === opts.from || (h === boundary && key)) && !(key && signedBy(h, key)))
        return broken(h.seq, `the head at row ${h.seq} is not signed by ${key ? 'this public key' : `key ${signer}, whose public key this verifier was not given`}: it was forged or altered`);
    }
  }
  let [prev, seq] = [GENESIS, 0];
  if (opts.from !== undefined) {
    const start = signed.get(opts.from);
    if (!start) return broken(opts.from, `there is no signed head at row ${opts.from} to start from`);
    [prev, seq] = [start.hash, start.seq];
    if ((await hashAt(db, seq)) !== prev) return { ...broken(seq, `row ${seq}'s hash is not the one its signed head names`), startedAfter: seq };
  }
  const first = seq;
  // Every signed head up to `walked` agrees with the rows, or the walk would have stopped at it.
  const done = (walked: number) => ({ rows: walked - first, startedAfter: opts.from, lastCheckpoint: heads.findLast((h) => h.seq > first && h.seq <= walked)?.seq ?? opts.from });

  const batch = opts.batchSize ?? 20_000;
  const ranges: { after: number; to: number; signed: [number, string][] }[] = [];
  for (let after = first; after < headSeq; after += batch) ranges.push({ after, to: Math.min(after + batch, headSeq), signed: [] });
  for (const h of heads) ranges[Math.floor((h.seq - first - 1) / batch)]?.signed.push([h.seq, h.hash]);
  const workers = headSeq - first >= PARALLEL_FROM ? Array.from({ length: Math.min(ranges.length, THREADS) }, () => new Worker(WORKER)) : [];
  // Range k is sent to worker k mod their number once range k - THREADS, its last, was answered (the loop below).
  const check = async (k: number): Promise<RangeResult> => {
    const { after, to, signed } = ranges[k]!;
    const task: RangeTask = { rows: await readRange(db, after || 1, to), after, signed, legacyUntil: boundary?.legacy ?? 0 };
    const worker = workers[k % workers.length];
    if (!worker) return checkRange(task);
    worker.postMessage(task);
    return (await once(worker, 'message'))[0] as RangeResult; // rejects when the worker fails
  };
  // Reads run ahead of the checks (one after another on PGlite, side by side on PostgreSQL).
  const jobs: Promise<RangeResult>[] = [];
  try {
    for (let k = 0; k < ranges.length; k++) {
      for (let j = jobs.length; j < Math.min(ranges.length, k + THREADS); j++) (jobs[j] = check(j)).catch(() => {});
      const [r, { after, to }] = [await jobs[k]!, ranges[k]!];
      // A range checks its rows from row `after` as it read it: the row the range before ended on.
      if (r.first !== undefined && r.first !== prev) return broken(after, `row ${after} was changed while it was read`, after - 1);
      const [s, from] = [r.seq + 1, (done(r.seq).lastCheckpoint ?? 0) + 1];
      if (r.broken === 'signed') return broken(from, `row ${s}'s hash is not the one signed for it (${signed.get(s)!.at}): rows ${from}..${s} were rewritten and the chain recomputed`, r.seq);
      if (r.broken) return broken(s, r.broken === 'missing' ? `row ${s} is missing` : `row ${s} was changed after it was written`, r.seq);
      [prev, seq] = [r.hash, r.seq];
      if (seq < to) break; // the rows after it are not there: a gap, or the log's end (below)
    }
  } finally {
    await Promise.allSettled(jobs);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  // Rows after the walk's end: up to the head, a gap; outside 1..head, read with the head as it is now,
  // written outside the chain. Index probes: one condition with OR made the database scan every row.
  const [end] = await db.query<{ gap: boolean | null; head: string; stray: string | null }>(
    'SELECT (SELECT min(seq) FROM audit_rows WHERE seq > $1) <= $2 AS gap, h.seq::text AS head, LEAST((SELECT min(seq) FROM audit_rows WHERE seq > h.seq), (SELECT min(seq) FROM audit_rows WHERE seq < 1))::text AS stray FROM audit_head h',
    [seq, headSeq],
  );
  if (end?.gap) return broken(seq + 1, `row ${seq + 1} is missing`, seq);
  const beyond = heads.find((h) => h.seq > seq);
  if (beyond) return broken(seq + 1, `the log ends at row ${seq} but row ${beyond.seq} was signed: rows ${seq + 1}..${beyond.seq} or more were removed (truncated tail)`, seq);
  if (seq !== headSeq) return broken(seq + 1, `the log ends at row ${seq} but ${headSeq} rows were written`, seq);
  if (prev !== top.hash) return broken(seq, `row ${seq} does not match the chain head`, seq);
  if (opts.publicKey && headSeq > 0 && newest?.seq !== headSeq)
    return broken((newest?.seq ?? 0) + 1, `rows ${(newest?.seq ?? 0) + 1}..${headSeq} are not signed: they were written outside the API`, seq);
  if (end?.stray != null) return broken(Number(end.stray), `row ${end.stray} lies outside the chain (rows 1..${end.head}): it was written outside the chain`, seq);
  if (opts.seenHead !== undefined && opts.seenHead > seq) return broken(seq + 1, `the trail ends at row ${seq}, but row ${opts.seenHead} was committed and announced: rows were cut from the end`, seq);
  return { ...base, ok: true, ...done(seq) };
}
