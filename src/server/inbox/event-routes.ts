// The per-admin event stream (/v1/events, SSE): changes addressed to the caller, resumable by Last-Event-ID.
import { Hono } from 'hono';
import { ROUTES } from '../../api/contract';
import type { ServerContext } from '../context';
import { eventById, eventsFor, eventTag, latestEventFor, type ChangeEvent } from './events';
import type { Env } from '../http/request';
import { route, WHO } from '../http/route';
import { credentialLive } from '../http/middleware';
import { openStream } from './streams';

export function eventRoutes(_s: ServerContext): Hono<Env> {
  const r = new Hono<Env>();

  route(r, ROUTES.events, { who: WHO.people('The event stream is for admins.') }, async (c, { s, caller }) => {
    return openStream<ChangeEvent>(
      c,
      {
        tail: { subscribe: (fn) => s.events.subscribe((rows) => fn(rows.filter((e) => e.audience.includes(caller.id)))) },
        replay: (after) => eventsFor(s.db, caller.id, after),
        // The caller's own newest event: ids (and their tags) name only rows addressed to them.
        head: async () => (await latestEventFor(s.db, caller.id))?.id ?? 0,
        tagAt: async (id) => {
          const e = await eventById(s.db, id);
          return e?.audience.includes(caller.id) ? eventTag(e) : undefined;
        },
        tag: eventTag,
        render: (e) => ({ event: e.type, data: JSON.stringify({ id: e.id, type: e.type, at: e.at, ticket: e.ticket, data: e.data }) }),
      },
      s.streams,
      caller,
      () => credentialLive(s, caller),
    );
  });

  return r;
}
