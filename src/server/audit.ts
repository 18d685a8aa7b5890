// The tamper-evident audit log. Each row's hash is sha256(prev hash + canonical JSON of the row),
// and appends lock the single chain-head row, so every process extends one chain in commit order.
import type { AuditAction } from '../api/vocabulary';
import type { Db, Queryable } from './db/index';
import { sha256 } from './auth';
import { noteAppended } from './audit-witness';

/** `key`: a machine caller's API key (actor = the key's id; its name is in the row's detail as keyName). */
export type ActorKind = 'admin' | 'engineer' | 'system' | 'key';

export interface AuditInput {
  actor: string;
  actorKind: ActorKind;
  /** Only the shared vocabulary's actions, so every action written has a label an admin reads. */
  action: AuditAction;
  ticket?: string | null;
  resource?: unknown;
  outcome: 'allowed' | 'refused' | 'done';
  detail?: unknown;
}

export interface AuditRecord {
  seq: number;
  at: string;
  actor: string;
  actorKind: ActorKind;
  action: string;
  ticket: string | null;
  resource: unknown;
  outcome: string;
  detail: unknown;
  prevHash: string;
  hash: string;
}

export const GENESIS = '0'.repeat(64);

/**
 * JSON with object keys sorted at every depth: the same row always hashes the same. Refers to
 * nothing but itself: the audit verifier's worker threads are built from its source text.
 */
export function canonicalJson(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + canonicalJson(v[i]);
    return `${out}]`;
  }
  // A loop, not filter/sort/map/join: this runs for every row a full verify re-hashes.
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const x = o[k];
    if (x === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(x)}`;
    first = false;
  }
  return `${out}}`;
}

/** The fields a row is hashed and stored with, from what an appender passed (absent values as null). */
export function auditRowBody(input: AuditInput, at: string): Omit<AuditRecord, 'hash' | 'prevHash' | 'seq'> {
  return {
    at,
    actor: input.actor,
    actorKind: input.actorKind,
    action: input.action,
    ticket: input.ticket ?? null,
    resource: input.resource ?? null,
    outcome: input.outcome,
    detail: input.detail ?? null,
  };
}

/**
 * The canonical JSON a row hashes, in the two parts around its seq: the text is
 * `before + seq + after` (keys sorted; seq is the only key the chain position decides). The
 * enforcement point sends the parts to the database, which hashes them under the chain lock, so a
 * row's JSON is built outside the lock and the database never needs to know our canonical form.
 */
export function rowHashParts(r: Omit<AuditRecord, 'hash' | 'prevHash' | 'seq'>): { before: string; after: string } {
  const s = JSON.stringify;
  return {
    before: `{"action":${s(r.action)},"actor":${s(r.actor)},"actorKind":${s(r.actorKind)},"at":${s(r.at)},"detail":${canonicalJson(r.detail ?? null)},"outcome":${s(r.outcome)},"resource":${canonicalJson(r.resource ?? null)},"seq":`,
    after: `,"ticket":${s(r.ticket ?? null)}}`,
  };
}

/** sha256 hex of the previous row's hash followed by this row's canonical JSON. */
export function rowHash(prevHash: string, r: Omit<AuditRecord, 'hash' | 'prevHash'>): string {
  const { before, after } = rowHashParts(r);
  return sha256(`${prevHash}${before}${JSON.stringify(r.seq)}${after}`);
}

/** Append inside the caller's transaction: the change and its audit row commit together. */
export async function appendAudit(tx: Queryable, input: AuditInput, at = new Date().toISOString()): Promise<AuditRecord> {
  const [row] = await appendAuditBatch(tx, [{ input, at }]);
  return row!;
}

/**
 * Appends several rows under one chain lock with one multi-row insert: the group commit the
 * enforcement point uses, so concurrent access checks share one transaction's cost. The insert,
 * the new chain head and the announcement go as one statement: every round trip to the embedded
 * database costs about as much as the work itself.
 */
export async function appendAuditBatch(tx: Queryable, items: { input: AuditInput; at: string }[]): Promise<AuditRecord[]> {
  if (items.length === 0) return [];
  const [head] = await tx.query<{ seq: string | number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE');
  if (!head) throw new Error('audit head missing');
  let seq = Number(head.seq);
  let prev = head.hash;
  const out: AuditRecord[] = [];
  const values: string[] = [];
  const params: unknown[] = [];
  for (const { input, at } of items) {
    seq++;
    const base = { seq, ...auditRowBody(input, at) };
    const hash = rowHash(prev, base);
    const n = params.length;
    values.push(`(${Array.from({ length: 11 }, (_, i) => `$${n + i + 1}`).join(', ')})`);
    params.push(seq, at, base.actor, base.actorKind, base.action, base.ticket, JSON.stringify(base.resource), base.outcome, JSON.stringify(base.detail), prev, hash);
    out.push({ ...base, prevHash: prev, hash });
    prev = hash;
  }
  const n = params.length;
  params.push(seq, prev, String(seq));
  await tx.query(
    `WITH appended AS (
       INSERT INTO audit (seq, at, actor, actor_kind, action, ticket, resource, outcome, detail, prev_hash, hash) VALUES ${values.join(', ')} RETURNING seq
     ), moved AS (
       UPDATE audit_head SET seq = $${n + 1}, hash = $${n + 2} WHERE id = 1 RETURNING seq
     )
     SELECT pg_notify('ac_audit', $${n + 3}), (SELECT count(*) FROM appended) AS appended, (SELECT count(*) FROM moved) AS moved`,
    params,
  );
  noteAppended(tx, seq, prev);
  return out;
}

interface AuditDbRow {
  seq: string | number;
  at: string;
  actor: string;
  actor_kind: ActorKind;
  action: string;
  ticket: string | null;
  resource: unknown;
  outcome: string;
  detail: unknown;
  prev_hash: string;
  hash: string;
}

const fromDb = (r: AuditDbRow): AuditRecord => ({
  seq: Number(r.seq),
  at: r.at,
  actor: r.actor,
  actorKind: r.actor_kind,
  action: r.action,
  ticket: r.ticket,
  resource: r.resource,
  outcome: r.outcome,
  detail: r.detail,
  prevHash: r.prev_hash,
  hash: r.hash,
});

export interface AuditFilter {
  actor?: string;
  /** Only rows by Support engineers, in person or through an access_check API key bound to one (the console's "Support actors" filter, a ticket's Support activity). */
  engineersOnly?: boolean;
  ticket?: string;
  from?: string;
  to?: string;
  /** Rows with seq below this (newest first paging). */
  before?: number;
  after?: number;
  limit: number;
  order: 'desc' | 'asc';
}

function auditWhere(f: Omit<AuditFilter, 'limit' | 'order'>): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.actor) add('actor = ?', f.actor);
  if (f.engineersOnly) where.push(`(actor_kind = 'engineer' OR (actor_kind = 'key' AND detail->>'engineer' IS NOT NULL))`);
  if (f.ticket) add('ticket = ?', f.ticket);
  if (f.from) add('at >= ?', new Date(f.from).toISOString());
  if (f.to) add('at <= ?', new Date(f.to).toISOString());
  if (f.before !== undefined) add('seq < ?', f.before);
  if (f.after !== undefined) add('seq > ?', f.after);
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

export async function listAudit(db: Queryable, f: AuditFilter): Promise<AuditRecord[]> {
  const { sql, params } = auditWhere(f);
  params.push(f.limit);
  const rows = await db.query<AuditDbRow>(`SELECT * FROM audit ${sql} ORDER BY seq ${f.order === 'asc' ? 'ASC' : 'DESC'} LIMIT $${params.length}`, params);
  return rows.map(fromDb);
}

/** How many rows match the filter on every page (cursor bounds ignored): the "of N" a pager shows. */
export async function countAudit(db: Queryable, f: Omit<AuditFilter, 'limit' | 'order' | 'before' | 'after'>): Promise<number> {
  const { sql, params } = auditWhere(f);
  const [row] = await db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM audit ${sql}`, params);
  return Number(row?.n ?? 0);
}

export interface VerifyResult {
  ok: boolean;
  rows: number;
  firstBrokenRow?: number;
  reason?: string;
}

/**
 * The lowest seq below the chain's first row (1), if a row sits there. The chain is rows 1..head,
 * and every reader lists every row: a row placed at 0 or below by someone writing the database
 * directly would be shown but never walked, so both verifiers refuse it first.
 */
export async function rowBeforeChainStart(db: Queryable): Promise<number | undefined> {
  const [row] = await db.query<{ seq: string | number | null }>('SELECT min(seq) AS seq FROM audit WHERE seq < 1');
  return row?.seq === null || row?.seq === undefined ? undefined : Number(row.seq);
}

/**
 * A row stored past the chain head as it is now, read with the head in one statement (one
 * snapshot): an append moves the head in the transaction that adds its rows, so no append leaves
 * one; such a row was written outside the chain. (The walk itself stops at the head it began with,
 * where rows past it are newer appends.) Undefined when there is none.
 */
export async function rowPastHead(db: Queryable): Promise<{ seq: number; reason: string } | undefined> {
  const [r] = await db.query<{ head: string | number; past: string | number | null }>('SELECT h.seq AS head, (SELECT min(seq) FROM audit WHERE seq > h.seq) AS past FROM audit_head h WHERE h.id = 1');
  if (r?.past === null || r?.past === undefined) return undefined;
  const seq = Number(r.past);
  return { seq, reason: `row ${seq} lies past the chain head (row ${Number(r.head)}): it was written outside the chain` };
}

/**
 * Walk the chain from the first row up to the head as it was when the walk began (read first, so
 * rows appended meanwhile are simply newer, never a false "truncated"); report the first row whose
 * hash, link or position is wrong, a log ending before that head, or a row stored past the head.
 * The checkpoint-aware verifier is verifyAuditTrail (audit-verify.ts).
 */
export async function verifyAudit(db: Queryable, pageSize = 2000): Promise<VerifyResult> {
  const stray = await rowBeforeChainStart(db);
  if (stray !== undefined) return { ok: false, rows: 0, firstBrokenRow: stray, reason: `row ${stray} lies before the chain's first row: it was inserted outside the chain` };
  const [head] = await db.query<{ seq: string | number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
  const top = Number(head?.seq ?? 0);
  let prev = GENESIS;
  let expectedSeq = 1;
  let count = 0;
  for (;;) {
    const rows = (await db.query<AuditDbRow>('SELECT * FROM audit WHERE seq >= $1 AND seq <= $3 ORDER BY seq ASC LIMIT $2', [expectedSeq, pageSize, top])).map(fromDb);
    for (const r of rows) {
      if (r.seq !== expectedSeq) return { ok: false, rows: count, firstBrokenRow: expectedSeq, reason: `row ${expectedSeq} is missing` };
      if (r.prevHash !== prev) return { ok: false, rows: count, firstBrokenRow: r.seq, reason: `row ${r.seq} does not link to the row before it` };
      if (rowHash(prev, r) !== r.hash) return { ok: false, rows: count, firstBrokenRow: r.seq, reason: `row ${r.seq} was changed after it was written` };
      prev = r.hash;
      expectedSeq++;
      count++;
    }
    if (rows.length < pageSize) break;
  }
  if (head && top !== count) return { ok: false, rows: count, firstBrokenRow: count + 1, reason: `the log ends at row ${count} but ${top} rows were written` };
  if (head && head.hash !== prev) return { ok: false, rows: count, firstBrokenRow: count, reason: `row ${count} does not match the chain head` };
  const ghost = await rowPastHead(db);
  if (ghost !== undefined) return { ok: false, rows: count, firstBrokenRow: ghost.seq, reason: ghost.reason };
  return { ok: true, rows: count };
}

export type { Db };

/** The stored hash of audit row `seq`, or undefined when there is no such row. */
export async function auditHashAt(q: Queryable, seq: number): Promise<string | undefined> {
  return (await q.query<{ hash: string }>('SELECT hash FROM audit WHERE seq = $1', [seq]))[0]?.hash;
}
