// Server-sent event streams (/v1/events, /v1/audit/stream) that resume honestly. Each event id is
// `<row id>.<tag>`, the tag fixed by the row's content (the audit row's hash; a digest of the change
// event), so a Last-Event-ID names one row as this server stored it. An id the server never issued
// — after an in-memory restart, a restored data folder, or plain garbage — is not trusted as a
// place to resume from (that silently skipped every row up to it): the stream sends a `reset`
// event and replays from the start, so a SIEM never loses rows without being told.
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Caller } from '../http/auth';
import type { Env } from '../http/input';
import { HttpProblem } from '../http/problems';

type SSE = Parameters<Parameters<typeof streamSSE>[1]>[0];

/** One stream's rows: where they come from, and how each is named and rendered. */
export interface StreamSource<T extends { id: number }> {
  tail: { subscribe(fn: (rows: T[]) => void): () => void };
  /** Rows after `after`, oldest first, at most 500. */
  replay(after: number): Promise<T[]>;
  /** Where a stream without Last-Event-ID starts: the newest row's id (0 when none). */
  head(): Promise<number>;
  /** The tag of the row with this id as stored now, or undefined if this stream has no such row. */
  tagAt(id: number): Promise<string | undefined>;
  tag(row: T): string;
  render(row: T): { event: string; data: string };
  /** Events sent beside the rows without an SSE id (so Last-Event-ID keeps naming rows); returns its unsubscribe. */
  sideEvents?(write: (event: { event: string; data: string }) => void): () => void;
}

/** Concurrent streams one token, and one person (all their tokens), may hold by default. */
export const STREAMS_PER_TOKEN = 4;
export const STREAMS_PER_PERSON = 8;
/** Seconds a refused stream is told to wait: streams are long-lived, so a slot frees slowly. */
const STREAM_RETRY_SECONDS = 15;

/**
 * How many event streams (/v1/events, /v1/audit/stream) are open, per token, per person and in
 * the whole process, and the caps on each. An open stream holds a socket (one file descriptor) for
 * as long as the client likes; without caps two role-less users held ~1,100 and starved the process
 * of descriptors, so grants, revokes, access checks and /healthz got empty replies (issue 19).
 * The process-wide cap (`max`) is kept well under the descriptor limit (see main.ts) so requests,
 * which come and go, always have descriptors left. Per process, like the other brakes.
 */
export class StreamBudget {
  private readonly byToken = new Map<string, number>();
  private readonly byPerson = new Map<string, number>();
  private total = 0;

  constructor(
    readonly max: number,
    readonly perToken = STREAMS_PER_TOKEN,
    readonly perPerson = STREAMS_PER_PERSON,
  ) {
    for (const [name, n] of [
      ['max', max],
      ['perToken', perToken],
      ['perPerson', perPerson],
    ] as const)
      if (!Number.isInteger(n) || n < 1) throw new Error(`the stream budget's ${name} must be a whole number of at least 1, not ${n}.`);
  }

  /** Streams open now (all callers). */
  get open(): number {
    return this.total;
  }

  /**
   * Takes one stream slot for `caller`, or throws a 429 problem (with Retry-After and a `code`:
   * `streams_per_token`, `streams_per_person`, `streams_server_full`) when a cap is reached.
   * Returns the release, which may be called any number of times (it frees the slot once).
   */
  acquire(caller: Caller): () => void {
    const person = `${caller.kind}:${caller.id}`;
    const tokenOpen = this.byToken.get(caller.tokenHash) ?? 0;
    const personOpen = this.byPerson.get(person) ?? 0;
    const refuse = (code: string, detail: string, limit: number) => new HttpProblem('rate-limited', detail, { code, limit }, 429, { 'Retry-After': String(STREAM_RETRY_SECONDS) });
    if (tokenOpen >= this.perToken) throw refuse('streams_per_token', `This token already holds ${tokenOpen} open event streams (at most ${this.perToken}); close one first.`, this.perToken);
    if (personOpen >= this.perPerson) throw refuse('streams_per_person', `You already hold ${personOpen} open event streams (at most ${this.perPerson}); close one first.`, this.perPerson);
    if (this.total >= this.max) throw refuse('streams_server_full', `The server holds as many event streams as it allows (${this.max}); retry later.`, this.max);
    this.byToken.set(caller.tokenHash, tokenOpen + 1);
    this.byPerson.set(person, personOpen + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const t = (this.byToken.get(caller.tokenHash) ?? 1) - 1;
      if (t > 0) this.byToken.set(caller.tokenHash, t);
      else this.byToken.delete(caller.tokenHash);
      const p = (this.byPerson.get(person) ?? 1) - 1;
      if (p > 0) this.byPerson.set(person, p);
      else this.byPerson.delete(person);
    };
  }
}

const ISSUED = /^(\d{1,15})\.([0-9a-f]{16})$/;

/** Where to resume after `lastEventId`, or undefined when the server never issued that id. */
async function resumePoint<T extends { id: number }>(source: StreamSource<T>, lastEventId: string): Promise<number | undefined> {
  const h = lastEventId.trim();
  if (h === '0') return 0;
  const m = ISSUED.exec(h);
  if (!m) return undefined;
  const id = Number(m[1]);
  return (await source.tagAt(id)) === m[2] ? id : undefined;
}

/**
 * Answers with the stream: from Last-Event-ID when the server issued it, from the start after a
 * `reset` event when it did not, from the present without one.
 */
export async function openStream<T extends { id: number }>(
  c: Context<Env>,
  source: StreamSource<T>,
  budget: StreamBudget,
  caller: Caller,
  live: () => Promise<boolean> = async () => true,
): Promise<Response> {
  // A slot first, so a refused stream costs nothing more; freed when the stream ends, however it ends.
  const release = budget.acquire(caller);
  try {
    return await answerStream(c, source, release, live);
  } catch (e) {
    release();
    throw e;
  }
}

async function answerStream<T extends { id: number }>(c: Context<Env>, source: StreamSource<T>, release: () => void, live: () => Promise<boolean>): Promise<Response> {
  const given = c.req.header('last-event-id');
  let from: number;
  let reset = false;
  if (given === undefined) from = await source.head();
  else {
    const point = await resumePoint(source, given);
    reset = point === undefined;
    from = point ?? 0;
  }
  const idOf = (row: T) => `${row.id}.${source.tag(row)}`;
  const startId = from === 0 ? '0' : `${from}.${(await source.tagAt(from)) ?? ''}`;
  // Reverse proxies (nginx) buffer responses by default, which would hold events back.
  c.header('X-Accel-Buffering', 'no');
  return streamSSE(c, async (stream) => {
    stream.onAbort(release);
    const off = source.sideEvents?.((e) => void stream.writeSSE(e).catch(() => {}));
    if (off) stream.onAbort(off);
    try {
      await follow(stream, source.tail, from, startId, reset ? given!.slice(0, 200) : undefined, source.replay, (row) => ({ id: idOf(row), ...source.render(row) }), live);
    } finally {
      off?.();
      release();
    }
  });
}

/**
 * Replay rows after `from` from the database, then follow the live tail, never sending an id
 * twice or out of order: live rows are buffered while the replay runs.
 */
async function follow<T extends { id: number }>(
  stream: SSE,
  tail: { subscribe(fn: (rows: T[]) => void): () => void },
  from: number,
  startId: string,
  resetFrom: string | undefined,
  replay: (after: number) => Promise<T[]>,
  render: (row: T) => { id: string; event: string; data: string },
  live: () => Promise<boolean>,
): Promise<void> {
  let sent = from;
  let buffer: T[] | undefined = [];
  let wake: (() => void) | undefined;
  const pending: T[] = [];
  const off = tail.subscribe((rows) => {
    if (buffer) buffer.push(...rows);
    else pending.push(...rows);
    wake?.();
  });
  stream.onAbort(() => {
    off();
    wake?.();
  });
  try {
    // Tell the client where it starts, even before any event: a client that reconnects with this
    // as Last-Event-ID is replayed what happened while it was away, even if nothing came before.
    await stream.write(`: connected\nid: ${startId}\n\n`);
    if (resetFrom !== undefined) {
      await stream.writeSSE({
        event: 'reset',
        data: JSON.stringify({
          reason: 'unknown_last_event_id',
          lastEventId: resetFrom,
          replayFrom: 0,
          detail: 'This server never issued that event id (a restart or a restored database); every event is sent again from the start.',
        }),
      });
    }
    for (;;) {
      const rows = await replay(sent);
      for (const row of rows) {
        await stream.writeSSE(render(row));
        sent = row.id;
      }
      if (rows.length < 500) break;
    }
    pending.push(...buffer);
    buffer = undefined;
    while (!stream.aborted && !stream.closed) {
      // The credential is asked again before each write: a stream opened with a key that has since
      // been deleted, or a session since ended, ends instead of sending what came after.
      if (!(await live())) return;
      while (pending.length > 0) {
        const row = pending.shift()!;
        if (row.id <= sent) continue;
        await stream.writeSSE(render(row));
        sent = row.id;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 15_000);
      });
      wake = undefined;
      if (pending.length === 0 && !stream.aborted) await stream.write(': keep-alive\n\n');
    }
  } finally {
    off();
  }
}
