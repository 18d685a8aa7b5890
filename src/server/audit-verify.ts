// Verifying the audit trail against signed checkpoints. The hash chain alone proves the rows link
// up; only a signature made outside the database proves they are the rows that were written: a
// truncated tail or a chain recomputed after an edit links up perfectly but misses a signed head.
import type { KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { checkpointSignatureValid, listCheckpoints, type Checkpoint } from './audit-checkpoints';
import { canonicalJson, GENESIS, rowBeforeChainStart, rowPastHead } from './audit';
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
  /** Rows per read (default 20,000); the next reads run while earlier batches are hashed. */
  batchSize?: number;
  /**
   * Worker threads that parse and hash the batches while this thread reads the next ones; 0 checks
   * them on this thread. Default: defaultVerifyWorkers() when more than one batch of rows is to be
   * checked, else 0 (a small log is done before a worker would have started).
   */
  workers?: number;
}

/** Rows per read when TrailOptions.batchSize is not given. */
export const VERIFY_BATCH_ROWS = 20_000;

/**
 * Worker threads a verify of more than one batch uses by default: one per core. Parsing and
 * hashing a batch costs about twice reading it (PGlite runs the read on this thread), so this
 * thread mostly waits and a worker per core beat one less (2 cores, 200k rows: ~200k against
 * ~180k rows/s on PGlite, ~230k against ~190k on PostgreSQL, medians on a loaded machine).
 */
export const defaultVerifyWorkers = (): number => Math.max(1, availableParallelism());

export const CHAIN_ONLY_WARNING = 'no public key given: the chain alone cannot detect a truncated tail or a chain recomputed after an edit; pass --public-key to check the signed checkpoints';

/** One read: `n` rows (the highest seq `last`) as one text in `format` (see BatchFormat). */
interface Batch {
  n: number;
  last: number;
  format: BatchFormat;
  text: string;
}

/**
 * How a batch travels from the database: 'fields' is every column's own text, 11 per row, all
 * joined by U+001F (ticket tagged 'n' for null or 's' + text; resource and detail as jsonb text, ''
 * for null): no escaping in SQL, which was a third of a PGlite read. A stored value holding U+001F
 * would shift the fields, so the checker counts them (11 per `n` rows, exactly) and a batch that
 * does not count out is read again as 'json'. A NULL forced into a NOT NULL column drops its row
 * from the aggregate, and separators in another row can make the count come out again around a
 * forged row: readBatch reads a batch holding such a NULL as 'json' at once: one JSON array of row arrays, every text escaped by
 * json_build_array, so no stored value can forge structure. A 'fields' batch comes in the order
 * the scan met the rows and the checker puts it in seq order: an ordered aggregate made the
 * database sort whole rows, which spilled to disk at the default work_mem (half a PGlite read).
 */
export type BatchFormat = 'fields' | 'json';

const BATCH_SQL: Record<BatchFormat, string> = {
  fields: `string_agg(seq::text || E'\\x1f' || at || E'\\x1f' || actor || E'\\x1f' || actor_kind || E'\\x1f' || action || E'\\x1f' || coalesce('s' || ticket, 'n') || E'\\x1f' ||
     coalesce(resource::text, '') || E'\\x1f' || outcome || E'\\x1f' || coalesce(detail::text, '') || E'\\x1f' || prev_hash || E'\\x1f' || hash, E'\\x1f')`,
  // resource and detail as their jsonb text (a JSON string each), as 'fields' has them: their numbers
  // are checked digit for digit (exactNumbers) before they are parsed.
  json: 'json_agg(json_build_array(seq, at, actor, actor_kind, action, ticket, resource::text, outcome, detail::text, prev_hash, hash) ORDER BY seq)::text',
};

/**
 * The rows with after < seq <= min(after + limit, upTo), or (`keyset`) the first `limit` rows after
 * `after` up to `upTo`,
 * assembled by the database into one text, parsed later off the query path (in a worker):
 * per-row, per-column result decoding was most of a full verify's time on PGlite. The range form
 * is the fast one (no LIMIT over the key index); a range holding `limit` rows is contiguous, since
 * seq is a unique integer, and a short one switches the caller to keyset reads.
 */
async function readBatch(db: Queryable, after: number, limit: number, keyset: boolean, format: BatchFormat, upTo: number): Promise<Batch> {
  // Never past `upTo`, the head read when the verify began: rows beyond it are newer than the head
  // being checked (appended since), not part of it.
  const from = keyset ? '(SELECT * FROM audit WHERE seq > $1 AND seq <= $3 ORDER BY seq LIMIT $2) page' : 'audit WHERE seq > $1 AND seq <= least($1 + $2, $3)';
  // 'fields' also asks whether a column the row text does not coalesce is NULL (num_nulls is ~4% of
  // the read; a strpos for U+001F over the text columns was ~50%): such a row's text is NULL and
  // string_agg drops it, 11 fields that separators hidden in another row could make up for, so the
  // verifier would hash a forged "ghost" row instead of the stored one. A batch with one is read as
  // 'json' at once; without one, a field count of exactly 11 per row rules out any stray separator.
  const unsafe = format === 'fields' ? ', bool_or(num_nulls(seq, at, actor, actor_kind, action, outcome, prev_hash, hash) > 0) AS unsafe' : '';
  const [r] = await db.query<{ n: number; last: string | number | null; t: string | null; unsafe?: boolean | null }>(
    `SELECT count(*)::int AS n, max(seq) AS last, ${BATCH_SQL[format]} AS t${unsafe} FROM ${from}`,
    [after, limit, upTo],
  );
  if (r?.unsafe) return readBatch(db, after, limit, keyset, 'json', upTo);
  return { n: r?.n ?? 0, last: Number(r?.last ?? after), format, text: r?.t ?? (format === 'json' ? '[]' : '') };
}

/**
 * Whether every number in `text` (a jsonb value as PostgreSQL prints it) is exactly a number the
 * writer could have stored: the decimal JSON.stringify gives for the double it parses to. A row is
 * re-hashed from its parsed JSON, so without this a writer could store `30.0000000000000000000001`
 * for `30` (or `1e400` for a `null`, which parses to Infinity) and the hash would still match
 * (found by the outside review of 2026-12-01). Strings are skipped; a text with no digit after
 * `:`, `[` or `,` (almost every row: ids and reasons are strings) is not scanned at all.
 * Self-contained on purpose, like rowBodyOf: the workers are built from its source text.
 */
export function exactNumbers(text: string): boolean {
  if (!/(^|[:[,] ?)-?[0-9]/.test(text)) return true;
  // A decimal's value as sign, significant digits and the exponent of its last digit.
  const value = (lit: string): string => {
    const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(lit);
    if (!m) return `?${lit}`;
    let digits = (m[2] ?? '') + (m[3] ?? '');
    let exp = Number(m[4] ?? 0) - (m[3] ?? '').length;
    digits = digits.replace(/^0+/, '');
    if (digits === '') return '0';
    const trailing = digits.length - digits.replace(/0+$/, '').length;
    digits = digits.slice(0, digits.length - trailing);
    exp += trailing;
    return `${m[1]}${digits}e${exp}`;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // a string: skip to its closing quote, past escapes
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j] as string)) j++;
      const lit = text.slice(i, j);
      const x = Number(lit);
      // The value must be the writer's, and so must the digits: JSON.stringify never ends a
      // fraction in 0, so `403.0` for `403` is an edit too (PostgreSQL keeps the digits given).
      if (!Number.isFinite(x) || value(lit) !== value(JSON.stringify(x)) || /\.\d*0(?![0-9])/.test(lit)) return false;
      i = j - 1;
    }
  }
  return true;
}

/**
 * The canonical JSON a row read back from the database hashes (after its prev hash): the text
 * rowHashParts (src/server/audit.ts) builds, with the top level's keys written in their sorted
 * order directly. Self-contained on purpose (`canon` is canonicalJson, passed in): the verifier's
 * workers are built from this function's source text, so it may refer to nothing outside itself.
 */
export function rowBodyOf(
  r: { seq: number; at: string; actor: string; actorKind: string; action: string; ticket: string | null; resource: unknown; outcome: string; detail: unknown },
  canon: (v: unknown) => string,
): string {
  const s = JSON.stringify;
  return `{"action":${s(r.action)},"actor":${s(r.actor)},"actorKind":${s(r.actorKind)},"at":${s(r.at)},"detail":${canon(r.detail ?? null)},"outcome":${s(r.outcome)},"resource":${canon(r.resource ?? null)},"seq":${s(r.seq)},"ticket":${s(r.ticket ?? null)}}`;
}

/**
 * rowHash (src/server/audit.ts) for a row read back from the database, where every field is
 * present: the top level's keys are fixed, so they are written in their sorted order directly
 * instead of collected and sorted per row. A property test holds it equal to rowHash.
 */
export function verifyRowHash(
  prevHash: string,
  r: { seq: number; at: string; actor: string; actorKind: string; action: string; ticket: string | null; resource: unknown; outcome: string; detail: unknown },
): string {
  return sha256(prevHash + rowBodyOf(r, canonicalJson));
}

/** What checkBatch found in one batch; `fail` is the first disagreement in seq order. */
export interface BatchCheck {
  n: number;
  /** Seq and stored prev_hash of the batch's first row: its link is checked by the caller, who knows the row before. */
  firstSeq: number;
  firstPrev: string;
  lastSeq: number;
  lastHash: string;
  fail?: { seq: number; kind: 'missing' | 'link' | 'changed' | 'checkpoint' };
  /** A 'fields' batch whose fields did not count out (a stored value holds U+001F): read it again as 'json'. */
  unframed?: boolean;
}

/**
 * Checks one batch (the text readBatch returns, `n` rows) exactly as the sequential walk does, row
 * by row and in the same order of tests: the row is `expected` (else missing), links to the row
 * before it (from the second row on: the first row's link is the caller's), hashes to its stored
 * hash, and carries the hash a checkpoint signed for it (`signed`: seq → hash). Each row's hash is
 * sha256(its stored prev_hash + body), which equals the walk's sha256(previous hash + body) once
 * the link holds, so batches are checked independently and in parallel and joined by their links.
 * Self-contained (workers are built from its source text): `body` is rowBodyOf, `canon`
 * canonicalJson, `sha` hex sha256 of a string.
 */
export function checkBatch(
  text: string,
  format: BatchFormat,
  n: number,
  expected: number,
  signed: Map<number, string>,
  body: typeof rowBodyOf,
  canon: (v: unknown) => string,
  sha: (s: string) => string,
  numbers: (jsonText: string) => boolean,
): BatchCheck {
  const rows = format === 'json' ? (JSON.parse(text) as unknown[][]) : undefined;
  const f = rows || n === 0 ? [] : text.split('\u001f');
  const count = rows ? rows.length : n;
  // Fields come in scan order: the rows' positions in seq order (none when already in order).
  let order: number[] | undefined;
  for (let i = 1; !rows && i < n; i++) {
    if (Number(f[11 * i]) < Number(f[11 * (i - 1)])) {
      order = Array.from({ length: n }, (_, k) => k).sort((a, b) => Number(f[11 * a]) - Number(f[11 * b]));
      break;
    }
  }
  const out: BatchCheck = { n: count, firstSeq: expected, firstPrev: '', lastSeq: expected - 1, lastHash: '' };
  if (!rows && f.length !== 11 * n) {
    out.unframed = true;
    return out;
  }
  // One object reused for every row: the body is built from its fields.
  const r = { seq: 0, at: '', actor: '', actorKind: '', action: '', ticket: null as string | null, resource: null as unknown, outcome: '', detail: null as unknown };
  let prev = '';
  let prevHash = '';
  let hash = '';
  let exact = true;
  for (let i = 0; i < count; i++) {
    if (rows) {
      const row = rows[i] as unknown[];
      r.seq = row[0] as number;
      r.at = row[1] as string;
      r.actor = row[2] as string;
      r.actorKind = row[3] as string;
      r.action = row[4] as string;
      r.ticket = row[5] as string | null;
      const resource = row[6] as string | null;
      const detail = row[8] as string | null;
      exact = (resource === null || numbers(resource)) && (detail === null || numbers(detail));
      r.resource = resource === null ? null : JSON.parse(resource);
      r.outcome = row[7] as string;
      r.detail = detail === null ? null : JSON.parse(detail);
      prevHash = row[9] as string;
      hash = row[10] as string;
    } else {
      const o = 11 * (order ? (order[i] as number) : i);
      const ticket = f[o + 5] as string;
      const resource = f[o + 6] as string;
      const detail = f[o + 8] as string;
      r.seq = Number(f[o]);
      r.at = f[o + 1] as string;
      r.actor = f[o + 2] as string;
      r.actorKind = f[o + 3] as string;
      r.action = f[o + 4] as string;
      r.ticket = ticket === 'n' ? null : ticket.slice(1);
      exact = numbers(resource) && numbers(detail);
      r.resource = resource === '' ? null : JSON.parse(resource);
      r.outcome = f[o + 7] as string;
      r.detail = detail === '' ? null : JSON.parse(detail);
      prevHash = f[o + 9] as string;
      hash = f[o + 10] as string;
    }
    const seq = r.seq;
    if (i === 0) {
      out.firstSeq = seq;
      out.firstPrev = prevHash;
    }
    if (seq !== expected) {
      out.fail = { seq: expected, kind: 'missing' };
      return out;
    }
    if (i > 0 && prevHash !== prev) {
      out.fail = { seq, kind: 'link' };
      return out;
    }
    // A number stored with digits its parsed double does not keep is a change the hash cannot see.
    if (!exact || sha(prevHash + body(r, canon)) !== hash) {
      out.fail = { seq, kind: 'changed' };
      return out;
    }
    const cp = signed.get(seq);
    if (cp !== undefined && cp !== hash) {
      out.fail = { seq, kind: 'checkpoint' };
      return out;
    }
    prev = hash;
    out.lastSeq = seq;
    out.lastHash = hash;
    expected++;
  }
  return out;
}

// The workers' program: canonicalJson, rowBodyOf and checkBatch as this module compiled them (one
// definition for both paths, whatever the bundler or test runner renamed), node:crypto for sha256.
// `__name` is the helper esbuild's keepNames may leave in function text.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { hash } = require('node:crypto');
const __name = (f) => f;
const canonicalJson = (${canonicalJson.toString()});
const rowBodyOf = (${rowBodyOf.toString()});
const checkBatch = (${checkBatch.toString()});
const exactNumbers = (${exactNumbers.toString()});
const signed = new Map(workerData.signed);
const sha = (s) => hash('sha256', s, 'hex');
parentPort.on('message', (m) => {
  let r;
  try {
    r = { id: m.id, check: checkBatch(m.text, m.format, m.n, m.expected, signed, rowBodyOf, canonicalJson, sha, exactNumbers) };
  } catch (e) {
    r = { id: m.id, error: String(e && e.message ? e.message : e) };
  }
  parentPort.postMessage(r);
});
`;

/** Checks batches on worker threads (or inline with 0 workers); results come back per batch. */
class BatchCheckers {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: (c: BatchCheck) => void; reject: (e: Error) => void }>();
  private readonly load: number[] = [];
  private nextId = 0;
  /** Set when a worker died: every pending and later check fails with it (never waits forever). */
  private failed: Error | undefined;
  private closing = false;

  constructor(
    count: number,
    private readonly signed: Map<number, string>,
  ) {
    const die = (e: Error) => {
      this.failed ??= e;
      for (const p of this.waiting.values()) p.reject(this.failed);
      this.waiting.clear();
    };
    for (let i = 0; i < count; i++) {
      // Not unref'd: a pending check must keep the process alive (close() ends the workers).
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { signed: [...signed] } });
      w.on('message', (m: { id: number; check?: BatchCheck; error?: string }) => {
        const p = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        this.load[i]!--;
        if (m.check) p?.resolve(m.check);
        else p?.reject(new Error(`audit verify worker: ${m.error}`));
      });
      w.on('error', (e: Error) => die(new Error(`audit verify worker failed: ${e.message}`)));
      w.on('exit', (code) => {
        if (!this.closing) die(new Error(`audit verify worker exited (code ${code})`));
      });
      this.workers.push(w);
      this.load.push(0);
    }
  }

  check(b: Batch, expected: number): Promise<BatchCheck> {
    if (this.workers.length === 0) return Promise.resolve(checkBatch(b.text, b.format, b.n, expected, this.signed, rowBodyOf, canonicalJson, sha256, exactNumbers));
    if (this.failed) return Promise.reject(this.failed);
    // The least busy worker takes it.
    let w = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.load[i]! < this.load[w]!) w = i;
    const id = this.nextId++;
    this.load[w]!++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.workers[w]!.postMessage({ id, text: b.text, format: b.format, n: b.n, expected });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
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
 * `incremental`) up to the chain head as it was when the walk began, and reports the first
 * disagreement: a row changed, missing, out of place or not linking; a row whose hash is not the
 * one a checkpoint signed (the chain was recomputed); the log ending before a signed row or before
 * the head (truncated); the last row not being the head; a row stored past the head; or a
 * checkpoint not signed by the key (forged).
 *
 * Consistency without a long snapshot: the checkpoints are read first, then the head (seq and
 * hash), each in one statement; the rows up to that head are then read in batches, each its own
 * statement. An append commits its rows and the head it moves in one transaction, so every row up
 * to a head once seen stays visible unless someone removed it, and rows appended during the walk lie
 * past that head and are simply newer: a busy log is never called broken, and the walk holds no
 * transaction open (PGlite has one connection: a snapshot held for a full verify would stall every
 * writer). Checkpoints read before the head can never legitimately name a row past it.
 */
export async function verifyAuditTrail(db: Queryable, opts: TrailOptions = {}): Promise<TrailVerdict> {
  const batch = opts.batchSize ?? VERIFY_BATCH_ROWS;
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
  // The head first (after the checkpoints): the walk checks the chain up to it and no further.
  const [head] = await db.query<{ seq: string | number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
  const top = Number(head?.seq ?? 0);

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
  let workers = opts.workers;
  if (workers === undefined) workers = top - (first - 1) > batch ? defaultVerifyWorkers() : 0;
  const checkers = new BatchCheckers(workers, new Map([...signed].map(([seq, c]) => [seq, c.hash])));
  // Batches in flight, oldest first: read ahead while workers hash, at most two per checker.
  const inFlight: { check: Promise<BatchCheck>; after: number; keyset: boolean }[] = [];
  const depth = Math.max(2, 2 * workers);
  // The newest checkpoint the walk passed before reaching row `seq`.
  const passedBefore = (seq: number) => seqs.filter((q) => q >= first && q < seq).at(-1) ?? lastGood;
  // The walk stopped at row `at` (rows before it checked out); `firstBrokenRow` may lie earlier.
  const fail = (firstBrokenRow: number, reason: string, at = firstBrokenRow) => {
    for (const p of inFlight) void p.check.catch(() => {});
    return verdict({ ok: false, rows: at - first, firstBrokenRow, reason, lastCheckpoint: passedBefore(at), startedAfter });
  };
  // Joins the oldest batch to the chain so far; a verdict when it breaks it.
  const settle = async (): Promise<TrailVerdict | undefined> => {
    const oldest = inFlight.shift()!;
    let c = await oldest.check;
    if (c.unframed) c = await checkers.check(await readBatch(db, oldest.after, batch, oldest.keyset, 'json', top), oldest.after + 1);
    // Every batch must start where the chain is: one that starts later (the reader moved past rows
    // the checker never saw) or holds no rows on its second read leaves rows unchecked.
    // (A batch whose own first row is not the one it expected fails 'missing' at it: the same verdict.)
    if (c.n === 0 || c.firstSeq !== expectedSeq) return fail(expectedSeq, `row ${expectedSeq} is missing`);
    if (c.firstPrev !== prev) return fail(expectedSeq, `row ${expectedSeq} does not link to the row before it`);
    if (c.fail) {
      const { seq, kind } = c.fail;
      if (kind === 'missing') return fail(seq, `row ${seq} is missing`);
      if (kind === 'link') return fail(seq, `row ${seq} does not link to the row before it`);
      if (kind === 'changed') return fail(seq, `row ${seq} was changed after it was written`);
      const from = (passedBefore(seq) ?? 0) + 1;
      return fail(from, `row ${seq}'s hash is not the one signed in its checkpoint (${signed.get(seq)!.at}): rows ${from}..${seq} were rewritten and the chain recomputed`, seq);
    }
    prev = c.lastHash;
    expectedSeq = c.lastSeq + 1;
    return undefined;
  };
  try {
    let after = expectedSeq - 1;
    let keyset = false;
    while (after < top) {
      const b = await readBatch(db, after, batch, keyset, 'fields', top);
      if (b.n > 0) {
        const check = checkers.check(b, after + 1);
        // Handled when its turn comes (settle); until then a failed worker must not be an unhandled rejection.
        check.catch(() => {});
        inFlight.push({ check, after, keyset });
      }
      if (inFlight.length >= depth) {
        const broken = await settle();
        if (broken) return broken;
      }
      if (b.n < batch && keyset) break;
      // A short range: a gap (caught by its batch) or the end; keyset reads find whatever lies beyond.
      if (b.n < batch) keyset = true;
      after = b.n > 0 ? b.last : after;
    }
    while (inFlight.length > 0) {
      const broken = await settle();
      if (broken) return broken;
    }
  } finally {
    await checkers.close();
  }
  lastGood = passedBefore(expectedSeq);
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
  if (head && top !== end) return verdict({ ok: false, rows, firstBrokenRow: end + 1, reason: `the log ends at row ${end} but ${top} rows were written`, lastCheckpoint: lastGood, startedAfter });
  if (head && head.hash !== prev) return verdict({ ok: false, rows, firstBrokenRow: end, reason: `row ${end} does not match the chain head`, lastCheckpoint: lastGood, startedAfter });
  const ghost = await rowPastHead(db);
  if (ghost !== undefined) return verdict({ ok: false, rows, firstBrokenRow: ghost.seq, reason: ghost.reason, lastCheckpoint: lastGood, startedAfter });
  return verdict({ ok: true, rows, lastCheckpoint: lastGood, startedAfter });
}
