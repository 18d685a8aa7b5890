// Server-sent event streams (/v1/events, /v1/audit/stream) that resume honestly. Each event id is
// `<row id>.<tag>`, the tag fixed by the row's content (the audit row's hash; a digest of the change
// event), so a Last-Event-ID names one row as this server stored it. An id the server never issued
// — after an in-memory restart, a restored data folder, or plain garbage — is not trusted as a
// place to resume from (that silently skipped every row up to it): the stream sends a `reset`
// event and replays from the start, so a SIEM never loses rows without being told.
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Env } from './http';

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
export async function openStream<T extends { id: number }>(c: Context<Env>, source: StreamSource<T>): Promise<Response> {
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
    const off = source.sideEvents?.((e) => void stream.writeSSE(e).catch(() => {}));
    if (off) stream.onAbort(off);
    await follow(stream, source.tail, from, startId, reset ? given!.slice(0, 200) : undefined, source.replay, (row) => ({ id: idOf(row), ...source.render(row) }));
    off?.();
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
