// A route is declared once (src/server/http/route.ts): the policy beside it says who may call, how a
// refusal is recorded and whether an Idempotency-Key replays it, and the handler's writes go
// through the journal-aware context it is handed. The old on() still runs through the same
// pipeline. Exercised on a small app of its own over the real server context and PGlite, with
// contract routes as the fixtures' method, path and body.
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { honoPath, ROUTES, routeKey } from '../../../src/api/contract';
import { authenticate } from '../../../src/server/http/middleware';
import { errorProblem, HttpProblem, problem, problemResponse } from '../../../src/server/http/problems';
import { TARGET } from '../../../src/server/http/refusals';
import { on, type Env } from '../../../src/server/http/request';
import { policyOf, route, WHO } from '../../../src/server/http/route';
import { harness, type Harness } from '../helpers';
import { callApi, type RouteCall } from '../../support/api-call';

describe('route declarations', () => {
  let h: Harness;
  let app: Hono<Env>;
  const runs = { declared: 0, never: 0 };

  beforeAll(async () => {
    h = await harness('pglite');
    const base = h.api.ctx;
    const r = new Hono<Env>();
    route(r, ROUTES.closeTicket, { who: WHO.people('People only.'), refusal: { action: 'ticket.close', target: TARGET.ticket } }, async (c, { s, caller, params }) => {
      runs.declared++;
      await s.db.transaction((tx) => s.trail.append(tx, { actor: caller.id, actorKind: 'admin', action: 'ticket.close', ticket: params.key, outcome: 'done' }, s.now()));
      return c.json({ key: params.key, run: runs.declared }, 201);
    });
    route(r, ROUTES.requestAccess, { replay: 'never' }, async (c) => {
      runs.never++;
      return c.json({ run: runs.never }, 201);
    });
    on(r, ROUTES.signOut, async () => {
      throw problem('request-refused', 'Refused by an old-style route.', { code: 'old_style' });
    });
    app = new Hono<Env>();
    app.onError((e, c) => problemResponse(c, errorProblem(e) ?? new HttpProblem('internal')));
    app.use('*', async (c, next) => {
      c.set('server', base);
      await next();
    });
    app.use('/v1/*', authenticate(base));
    app.route('/v1', r);
  });
  afterAll(async () => {
    await h?.close();
  });

  const call = (token: string, ...route: RouteCall) => callApi(app, token, ...route);
  const rowsAfter = async (seq: number) =>
    (
      await h.db.query<{ seq: number; action: string; outcome: string; ticket: string | null; detail: unknown }>('SELECT seq, action, outcome, ticket, detail FROM audit WHERE seq > $1 ORDER BY seq', [
        seq,
      ])
    ).map((r) => ({
      ...r,
      detail: typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail,
    }));
  const head = async () => Number((await h.db.query<{ n: number | string }>('SELECT coalesce(max(seq), 0) AS n FROM audit'))[0]!.n);

  it('keeps its declaration on the registered handler', () => {
    const declared = policyOf(app, 'POST', honoPath(ROUTES.closeTicket.path));
    expect(declared?.def).toBe(ROUTES.closeTicket);
    expect(declared?.policy.refusal?.action).toBe('ticket.close');
  });

  it("refuses whom `who` does not admit, before the handler runs, with one row named by the route's refusal", async () => {
    const before = await head();
    const res = await call('sam-token', ROUTES.closeTicket, { key: 'PS-101' }, {});
    expect(res.status).toBe(403);
    expect(runs.declared).toBe(0);
    const rows = await rowsAfter(before);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'ticket.close', outcome: 'refused', ticket: 'PS-101', detail: { code: 'forbidden', status: 403 } });
  });

  it('runs a journaled write once per Idempotency-Key, its transaction recorded under the key', async () => {
    const before = await head();
    const first = await call('alice-token', ROUTES.closeTicket, { key: 'PS-101' }, {}, { headers: { 'idempotency-key': 'declared-1' } });
    const again = await call('alice-token', ROUTES.closeTicket, { key: 'PS-101' }, {}, { headers: { 'idempotency-key': 'declared-1' } });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.json).toEqual(first.json);
    expect(runs.declared).toBe(1);
    expect(await rowsAfter(before)).toHaveLength(1);
    const [key] = await h.db.query<{ results: unknown }>("SELECT results FROM idempotency WHERE key = 'declared-1'");
    const results = typeof key!.results === 'string' ? JSON.parse(key!.results) : key!.results;
    expect(Object.keys(results as object)).toEqual(['0']);
  });

  it("ignores the Idempotency-Key on a route declared replay: 'never'", async () => {
    const a = await call('sam-token', ROUTES.requestAccess, { key: 'PS-101' }, {}, { headers: { 'idempotency-key': 'never-1' } });
    const b = await call('sam-token', ROUTES.requestAccess, { key: 'PS-101' }, {}, { headers: { 'idempotency-key': 'never-1' } });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(runs.never).toBe(2);
  });

  it('records a refusal of a route registered with the old on() as request.refused, naming the route', async () => {
    const before = await head();
    const res = await call('alice-token', ROUTES.signOut, {});
    expect(res.status).toBe(422);
    const rows = await rowsAfter(before);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'request.refused', outcome: 'refused', detail: { code: 'old_style', route: routeKey(ROUTES.signOut) } });
  });
});
