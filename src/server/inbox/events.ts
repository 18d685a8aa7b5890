// Change events: written in the change's transaction (after its audit append, which holds the chain
// lock, so event ids commit in id order), announced with NOTIFY, and fanned out per process.
import { canonicalJson } from '../../core/canonical-json';
import { sha256 } from '../http/auth';
import { type Db, NOTIFY_CHANNEL_SQL, type Queryable } from '../db/index';

export interface ChangeEvent {
  id: number;
  at: string;
  type: string;
  audience: string[];
  ticket: string | null;
  data: unknown;
}

export async function recordEvent(tx: Queryable, type: string, audience: Iterable<string>, ticket: string | null, data: unknown, at = new Date().toISOString()): Promise<void> {
  const who = [...new Set(audience)];
  if (who.length === 0) return;
  const [row] = await tx.query<{ id: string | number }>('INSERT INTO events (at, type, audience, ticket, data) VALUES ($1, $2, $3, $4, $5) RETURNING id', [
    at,
    type,
    who,
    ticket,
    JSON.stringify(data),
  ]);
  await tx.query(`SELECT pg_notify(${NOTIFY_CHANNEL_SQL('ac_events')}, $1)`, [String(row!.id)]);
}

type Row = { id: string | number; at: string; type: string; audience: string[]; ticket: string | null; data: unknown };
const fromRow = (r: Row): ChangeEvent => ({ id: Number(r.id), at: r.at, type: r.type, audience: r.audience, ticket: r.ticket, data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data });

export async function eventsFor(q: Queryable, userId: string, afterId: number, limit = 500): Promise<ChangeEvent[]> {
  return (await q.query<Row>('SELECT * FROM events WHERE id > $1 AND $2 = ANY(audience) ORDER BY id LIMIT $3', [afterId, userId, limit])).map(fromRow);
}

export async function eventById(q: Queryable, id: number): Promise<ChangeEvent | undefined> {
  const [row] = await q.query<Row>('SELECT * FROM events WHERE id = $1', [id]);
  return row ? fromRow(row) : undefined;
}

/** The newest event addressed to this user (newest first by primary key: recent events are found at once). */
export async function latestEventFor(q: Queryable, userId: string): Promise<ChangeEvent | undefined> {
  const [row] = await q.query<Row>('SELECT * FROM events WHERE $1 = ANY(audience) ORDER BY id DESC LIMIT 1', [userId]);
  return row ? fromRow(row) : undefined;
}

/** 16 hex digits fixed by the event's content: the same row always gets the same tag, another row with its id does not. */
export function eventTag(e: ChangeEvent): string {
  return sha256(canonicalJson({ id: e.id, at: e.at, type: e.type, ticket: e.ticket, audience: e.audience, data: e.data })).slice(0, 16);
}

/**
 * Follows a table by increasing id in one process: one query per wake-up, however many streams
 * listen. Woken by NOTIFY (any process) and by a slow poll, in case a notification was lost.
 * With nobody listening it reads no rows: the NOTIFY payload (the newest id) keeps its place, so
 * the enforcement point does not pay for a stream nobody has open.
 */
export class Tail<T extends { id: number }> {
  private last = 0;
  private readonly subs = new Set<(rows: T[]) => void>();
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly db: Db,
    private readonly channel: string,
    private readonly maxIdSql: string,
    private readonly fetch: (q: Queryable, afterId: number) => Promise<T[]>,
  ) {}

  async start(): Promise<void> {
    const [r] = await this.db.query<{ max: string | number | null }>(this.maxIdSql);
    this.last = Number(r?.max ?? 0);
    this.unlisten = await this.db.listen(this.channel, (payload) => this.wake(payload));
    this.timer = setInterval(() => this.wake(), 2_000);
    this.timer.unref();
  }

  get lastId(): number {
    return this.last;
  }

  subscribe(fn: (rows: T[]) => void): () => void {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }

  wake(payload?: string): void {
    if (this.subs.size === 0) {
      this.skipAhead(payload);
      return;
    }
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          for (;;) {
            const rows = await this.fetch(this.db, this.last);
            if (rows.length === 0) break;
            this.last = rows[rows.length - 1]!.id;
            for (const fn of this.subs) fn(rows);
          }
        } catch {
          // database away: the poll retries
        }
      } while (this.again);
      this.running = undefined;
    })();
  }

  /** Idle: move the place to the announced id; a wake that names none (reconnect) asks for it. */
  private skipAhead(payload: string | undefined): void {
    if (payload === undefined) return; // the slow poll: nothing to deliver to anyone
    const id = /^\d{1,15}$/.test(payload) ? Number(payload) : NaN;
    if (!Number.isNaN(id)) {
      this.last = Math.max(this.last, id);
      return;
    }
    void this.db
      .query<{ max: string | number | null }>(this.maxIdSql)
      .then(([r]) => {
        this.last = Math.max(this.last, Number(r?.max ?? 0));
      })
      .catch(() => {
        /* database away: the next announcement or subscriber catches up */
      });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.unlisten?.();
    await this.running;
  }
}

export function eventTail(db: Db): Tail<ChangeEvent> {
  return new Tail(db, 'ac_events', 'SELECT max(id) AS max FROM events', async (q, after) => (await q.query<Row>('SELECT * FROM events WHERE id > $1 ORDER BY id LIMIT 500', [after])).map(fromRow));
}
