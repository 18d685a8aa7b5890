// The audit trail: one write path for every row, and its reads (all of its SQL). How it fits together: README.md.
import type * as W from '../../api/schemas';
import type { AuditAction } from '../../api/vocabulary';
import { afterCommit, type Db, type Queryable } from '../db/index';
import { canonicalJson } from '../../core/canonical-json';
import { checkRange, GENESIS, readRange, rowHash } from './chain';
import { parseHead, signedBy, signHead, type SigningKey } from './checkpoints';
import { signBoundary } from './legacy';

/** A row as stored: its body's fields, its seq, its hash and the hash before it (the wire row without the names views add). */
export type AuditRecord = Omit<W.AuditRowWire, 'id' | 'actorName' | 'resourceName'>;
/** `key`: a machine caller's API key (actor = the key's id; its name is in the row's detail as keyName). */
export type ActorKind = AuditRecord['actorKind'];

/** A row as written: `action` only from the shared vocabulary, so every action written has a label an admin reads. */
export type AuditInput = Pick<AuditRecord, 'actor' | 'actorKind'> & Partial<Pick<AuditRecord, 'ticket' | 'resource' | 'detail'>> & { action: AuditAction; outcome: 'allowed' | 'refused' | 'done' };

/** A row's body: the canonical JSON stored, hashed and shown, byte for byte. */
export function auditBody(input: AuditInput, at: string): string {
  const { actor, actorKind, action, outcome } = input;
  return canonicalJson({ at, actor, actorKind, action, ticket: input.ticket ?? null, resource: input.resource ?? null, outcome, detail: input.detail ?? null });
}

/** The head is not one this process may sign on top of: the trail was changed outside the API. */
export class TrailTampered extends Error {}

type Head = { seq: number; hash: string };

/** One API process's writer of one database's trail (ServerContext.trail; README.md: One write path). */
export class AuditTrail {
  private last?: Head;
  /** The highest row any API process was seen to commit and announce (app.ts: the audit tail's newest), if known. */
  seenHead: () => number | undefined = () => undefined;

  constructor(
    public key: SigningKey,
    readonly org: string,
  ) {}

  /**
   * The trail of `db` ready for this process to append to with `key` (at start), in one transaction:
   * signs the legacy boundary once, when `upgrade` (legacy.ts); when the newest head is signed by `previous`, hands the
   * trail over to `key` with a head both sign (an `audit.key_rotate` row); throws when another key signed it.
   */
  static async open(db: Db, key: SigningKey, org: string, at: string, previous?: SigningKey, upgrade = false): Promise<AuditTrail> {
    const trail = new AuditTrail(key, org);
    await db.transaction(async (tx) => {
      await signBoundary(tx, previous ?? key, org, at, upgrade);
      const [h] = await tx.query<{ signed_note: string | null }>('SELECT signed_note FROM audit_head WHERE id = 1 FOR UPDATE');
      const newest = h?.signed_note ? parseHead(h.signed_note) : undefined;
      if (newest && newest.org !== org)
        throw new Error(`the audit trail's newest head is of org "${newest.org}", not this API's org "${org}": this database holds another org's trail (run npm run audit:verify)`);
      const current = newest?.keyId;
      if (current === undefined || current === key.keyId) return;
      if (previous?.keyId !== current)
        throw new Error(
          `the audit trail's newest head is signed by key ${current}, not by this API's key ${key.keyId}: start with that key (--audit-key), or hand over to this one by passing the old key as --audit-key-previous`,
        );
      trail.key = previous;
      const detail = { from: previous.keyId, to: key.keyId };
      await trail.appendBatch(tx, [{ at, input: { actor: 'system', actorKind: 'system', action: 'audit.key_rotate', outcome: 'done', detail } }], { rotateTo: key });
    });
    return trail;
  }

  /** Appends one row inside the caller's transaction: the change and its row commit together. */
  async append(q: Queryable, input: AuditInput, at = new Date().toISOString()): Promise<void> {
    await this.appendBatch(q, [{ input, at }]);
  }

  /**
   * Appends rows and signs the new head (kept on the last row and on the head), in one statement
   * inside the caller's transaction (or on its own, committed): the rows, the head and its signed
   * note commit together or not at all. `guard.epoch`: only while the access epoch is still this
   * one (the enforcement point decided at it); false (nothing written) when it moved.
   * `rotateTo`: the head is signed by the current key and this one, which signs from then on.
   * Retries when another process moved the head; throws TrailTampered when the head is not one to sign on.
   */
  async appendBatch(q: Queryable, items: { input: AuditInput; at: string }[], opts: { guard?: { epoch: string }; rotateTo?: SigningKey } = {}): Promise<boolean> {
    if (items.length === 0) return true;
    const bodies = items.map(({ input, at }) => auditBody(input, at));
    for (let attempt = 0; attempt < 100; attempt++) {
      const start = attempt === 0 && this.last ? this.last : await this.checkedHead(q);
      let hash = start.hash;
      const hashes = bodies.map((body) => (hash = rowHash(hash, body)));
      const seqs = bodies.map((_, i) => start.seq + 1 + i);
      const seq = start.seq + bodies.length;
      const note = signHead(opts.rotateTo ? [this.key, opts.rotateTo] : [this.key], { seq, hash, at: items.at(-1)!.at, org: this.org });
      const args = [seq, hash, start.seq, start.hash, seqs, bodies, hashes, note, opts.guard?.epoch ?? null];
      const [r] = await q.query<{ a: string }>('SELECT audit_append($1, $2, $3, $4, $5::bigint[], $6::text[], $7::text[], $8, $9::bigint) AS a', args).catch((e: unknown) => {
        // The head moved only under its row lock, so no append leaves a row past it: one was stored there.
        if ((e as { code?: unknown }).code !== '23505') throw e;
        throw new TrailTampered(`not signing on top of the audit head at row ${start.seq}: a row numbered ${seqs[0]}..${seq} lies past it; the trail was changed outside the API`);
      });
      if (r?.a === 'epoch') return false;
      if (r?.a !== 'ok') continue;
      const [last, key] = [{ seq, hash }, opts.rotateTo ?? this.key];
      afterCommit(q, () => {
        if (!this.last || this.last.seq < last.seq) this.last = last;
        this.key = key;
      });
      return true;
    }
    throw new Error('the audit head kept moving: the append was retried 100 times');
  }

  /** The head as stored, once it is shown to extend what this process knows (README.md: One write path); else throws TrailTampered. */
  private async checkedHead(q: Queryable): Promise<Head> {
    // What this process knew when it began: a commit of its own may land while this runs.
    const [last, seen] = [this.last, this.seenHead()];
    let h: { seq: string; hash: string; signed_note: string | null } | undefined;
    // A statement begun before this process's last commit may still see the head before it: read again.
    for (let i = 0; i < 3 && (!h || Math.max(last?.seq ?? 0, seen ?? 0) > Number(h.seq)); i++)
      [h] = await q.query<{ seq: string; hash: string; signed_note: string | null }>('SELECT seq::text, hash, signed_note FROM audit_head WHERE id = 1');
    if (!h) throw new TrailTampered('the audit head row is missing');
    const head = { seq: Number(h.seq), hash: h.hash };
    const refuse = (why: string) => new TrailTampered(`not signing on top of the audit head at row ${head.seq}: ${why}; the trail was changed outside the API`);
    if (last && last.seq > head.seq) throw refuse(`row ${last.seq}, which this API wrote, lies past it`);
    if (seen !== undefined && seen > head.seq) throw refuse(`row ${seen}, which an API process committed and announced, lies past it`);
    if (head.seq === 0) return head;
    let note: ReturnType<typeof parseHead> | undefined;
    try {
      note = h.signed_note ? parseHead(h.signed_note) : undefined;
    } catch (e) {
      throw refuse(`its signed head cannot be read (${(e as Error).message})`);
    }
    if (!note || note.seq !== head.seq || note.hash !== head.hash || !signedBy(note, this.key.publicKey)) throw refuse("it carries no head signed with this API's key");
    if (note.org !== this.org) throw refuse(`its signed head is of org "${note.org}", not "${this.org}"`);
    if (!last) return head;
    const r = checkRange({ rows: await readRange(q, last.seq, head.seq), after: last.seq, signed: [], legacyUntil: 0 });
    if (r.first !== last.hash || r.seq !== head.seq || r.hash !== head.hash) throw refuse(`the rows from row ${last.seq}, which this API wrote, do not chain up to it`);
    return head;
  }
}

// ---- reads: every shown field comes from the stored body ----

/**
 * Which rows: by `actor` (an actor's id, or `support`: rows by Support engineers, in person or through
 * an access_check API key bound to one), on `ticket`, at `from`..`to` (ISO 8601), with seq below `before` and above `after`.
 */
type AuditFilter = { actor?: string; ticket?: string; from?: string; to?: string; before?: number; after?: number };

/** The conditions of `f` over `audit_rows a`, joined by AND (TRUE when none), its values pushed to `params`. */
function auditWhere(f: AuditFilter, params: unknown[]): string {
  const [p, field] = [(v: unknown) => `$${params.push(v)}`, (name: string) => `(a.body::jsonb->>'${name}')`];
  const where = [
    f.actor && f.actor !== 'support' && `${field('actor')} = ${p(f.actor)}`,
    f.actor === 'support' && `(${field('actorKind')} = 'engineer' OR (${field('actorKind')} = 'key' AND a.body::jsonb->'detail'->>'engineer' IS NOT NULL))`,
    f.ticket && `${field('ticket')} = ${p(f.ticket)}`,
    f.from && `${field('at')} >= ${p(new Date(f.from).toISOString())}`,
    f.to && `${field('at')} <= ${p(new Date(f.to).toISOString())}`,
    f.before !== undefined && `a.seq < ${p(f.before)}`,
    f.after !== undefined && `a.seq > ${p(f.after)}`,
  ].filter(Boolean);
  return where.join(' AND ') || 'TRUE';
}

/** Rows matching `f`, at most `f.limit`, in `f.order` of seq. */
export async function listAudit(db: Queryable, f: AuditFilter & { limit: number; order: 'desc' | 'asc' }): Promise<AuditRecord[]> {
  const params: unknown[] = [];
  const rows = await db.query<{ seq: string | number; body: string; hash: string; prev: string | null }>(
    `SELECT a.seq, a.body, a.hash, (SELECT p.hash FROM audit_rows p WHERE p.seq = a.seq - 1) AS prev FROM audit_rows a WHERE ${auditWhere(f, params)} ORDER BY a.seq ${f.order} LIMIT $${params.push(f.limit)}`,
    params,
  );
  return rows.map((r) => ({ ...(JSON.parse(r.body) as AuditRecord), seq: Number(r.seq), prevHash: r.prev ?? GENESIS, hash: r.hash }));
}

/** How many rows match the filter on every page (cursor bounds ignored): the "of N" a pager shows. */
export async function countAudit(db: Queryable, f: Omit<AuditFilter, 'before' | 'after'>): Promise<number> {
  const params: unknown[] = [];
  const [row] = await db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM audit_rows a WHERE ${auditWhere(f, params)}`, params);
  return Number(row?.n ?? 0);
}

/** Signed heads (each kept on the last row its append wrote) with seq > `after`, oldest first, at most `limit`, as notes. */
export async function listSignedHeads(q: Queryable, after = 0, limit = 100): Promise<string[]> {
  const rows = await q.query<{ signed_note: string }>('SELECT signed_note FROM audit_rows WHERE signed_note IS NOT NULL AND seq > $1 ORDER BY seq LIMIT $2', [after, limit]);
  return rows.map((r) => r.signed_note);
}
