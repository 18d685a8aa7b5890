// Open streams cannot starve the API (issue 19): two role-less users holding ~1,100 /v1/events
// streams exhausted the descriptors of a process with `ulimit -n 1024`, and grants, revokes, access
// checks and /healthz got empty replies. Streams are capped per token, per person and per process
// (a quarter of the open-file limit); past a cap, 429 with Retry-After and a problem body; and the
// enforcement point and write routes keep working while the caps are full.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { connectionLimits, defaultMaxStreams, openFileLimit } from '../../../src/server/http/listen';
import { StreamBudget } from '../../../src/server/inbox/streams';
import { spawnApi, type RunningApi } from '../../load/helpers';
import { harness, writeWorldFile, type Harness, type StreamRoute } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi, pathOf } from '../../support/api-call';

interface Opened {
  status: number;
  retryAfter?: string;
  type?: string;
  body?: string;
  close(): void;
}

/** One stream request on its own socket: held open when answered 200, else read and closed. */
function openStream(base: string, route: StreamRoute, token: string): Promise<Opened> {
  const u = new URL(base + pathOf(route));
  return new Promise((resolve) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, agent: false, timeout: 20_000 }, (res) => {
      if (res.statusCode === 200) {
        res.resume();
        resolve({ status: 200, close: () => req.destroy() });
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], type: res.headers['content-type'], body, close: () => req.destroy() }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, close: () => req.destroy() }));
    req.end();
  });
}

describe('stream caps over real sockets, in a process limited to 1,024 open files', () => {
  let server: RunningApi | undefined;
  const held: Opened[] = [];
  afterEach(async () => {
    for (const s of held.splice(0)) s.close();
    await server?.stop();
  });

  it('two role-less users asking for 1,200 streams get 4 each and 429s; grants, revokes, checks and /healthz still answer', { timeout: 180_000 }, async () => {
    server = await spawnApi({ fixture: writeWorldFile(), launcher: ['sh', '-c', 'ulimit -n 1024 && exec "$0" "$@"'], env: { DATABASE_URL: '' } });
    // mia and nora hold no role: /v1/events is open to every signed-in org user.
    // In waves of 200 (open ones are kept), so the process's connection cap does not drop any.
    const answers: Opened[] = [];
    for (let wave = 0; wave < 6; wave++) {
      const asked: Promise<Opened>[] = [];
      for (let i = 0; i < 100; i++) for (const who of ['mia', 'nora']) asked.push(openStream(server.base, ROUTES.events, `${who}-token`));
      answers.push(...(await Promise.all(asked)));
      held.push(...answers.slice(-asked.length));
    }
    const open = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    expect(open.length).toBe(8);
    expect(refused.length).toBe(answers.length - 8);
    const sample = refused[0]!;
    expect(sample.type).toContain('application/problem+json');
    expect(Number(sample.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(sample.body!)).toMatchObject({ status: 429, code: 'streams_per_token' });

    // With the streams held, everything that must act still answers.
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200);
    const g = await callApi(server.base, 'alice-token', ROUTES.grant, { key: 'PS-105' }, {});
    expect(g.status).toBe(201);
    expect((await callApi(server.base, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-105', resource: { type: 'page' } })).json.allowed).toBe(true);
    expect((await callApi(server.base, 'alice-token', ROUTES.revoke, { id: g.json.id }, {})).status).toBe(200);
    expect((await callApi(server.base, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-105', resource: { type: 'page' } })).json.allowed).toBe(false);
    // The process budget came from its open-file limit: a quarter of 1,024.
    expect(server.stderr()).toContain('Event streams: at most 256 open at once, 4 per token, 8 per person; connections: at most 896 (open-file limit 1024)');

    // A freed slot can be taken again.
    open[0]!.close();
    let again: Opened | undefined;
    for (let i = 0; i < 50 && again?.status !== 200; i++) {
      again = await openStream(server.base, ROUTES.events, 'mia-token');
      held.push(again);
      if (again.status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(again?.status).toBe(200);
  });

  it('a full process budget (--max-streams) refuses the next stream and nothing else', { timeout: 120_000 }, async () => {
    server = await spawnApi({ fixture: writeWorldFile(), args: ['--max-streams', '6'], env: { DATABASE_URL: '' } });
    for (const who of ['bob', 'bob', 'bob', 'dev', 'dev', 'alice']) {
      const s = await openStream(server.base, who === 'alice' ? ROUTES.auditStream : ROUTES.events, `${who}-token`);
      held.push(s);
      expect(s.status).toBe(200);
    }
    const full = await openStream(server.base, ROUTES.events, 'gus-token');
    held.push(full);
    expect(full.status).toBe(429);
    expect(JSON.parse(full.body!)).toMatchObject({ code: 'streams_server_full' });
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200);
    const g = await callApi(server.base, 'alice-token', ROUTES.grant, { key: 'PS-107' }, {});
    expect(g.status).toBe(201);
    expect((await callApi(server.base, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-107', resource: { type: 'page' } })).json.allowed).toBe(true);
    expect((await callApi(server.base, 'alice-token', ROUTES.revoke, { id: g.json.id }, {})).status).toBe(200);
  });

  it('--max-streams must leave room for requests', async () => {
    await expect(spawnApi({ fixture: writeWorldFile(), args: ['--max-streams', '0'], env: { DATABASE_URL: '' }, timeoutMs: 30_000 })).rejects.toThrow(/--max-streams must be a whole number/);
  });
});

describe('stream caps in process', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('the audit stream and the event stream share one per-token cap, and a closed stream frees its slot', async () => {
    h = await harness('pglite');
    const held = [];
    for (const route of [ROUTES.events, ROUTES.events, ROUTES.auditStream, ROUTES.auditStream]) {
      const s = await h.stream('alice-token', route);
      expect(s.res.status).toBe(200);
      held.push(s);
    }
    const fifth = await h.stream('alice-token', ROUTES.auditStream);
    expect(fifth.res.status).toBe(429);
    expect(fifth.res.headers.get('retry-after')).toBe('15');
    expect(await fifth.res.json()).toMatchObject({ type: expect.stringContaining('rate-limited'), code: 'streams_per_token', limit: 4 });
    // Another person is not affected.
    const bob = await h.stream('bob-token', ROUTES.events);
    expect(bob.res.status).toBe(200);
    void bob.close();
    void held[0]!.close();
    // The abort is seen once the stream's loop wakes; the slot is then free.
    for (let i = 0; i < 100 && h.api.ctx.streams.open > 3; i++) await new Promise((r) => setTimeout(r, 20));
    expect(h.api.ctx.streams.open).toBe(3);
    const again = await h.stream('alice-token', ROUTES.events);
    expect(again.res.status).toBe(200);
    for (const s of [...held, again]) void s.close();
  });

  it('a refused stream (403) holds no slot', async () => {
    h = await harness('pglite');
    for (let i = 0; i < 6; i++) expect((await h.stream('bob-token', ROUTES.auditStream)).res.status).toBe(403);
    expect(h.api.ctx.streams.open).toBe(0);
  });
});

describe('StreamBudget', () => {
  const caller = (id: string, tokenHash = `${id}-hash`) => ({ kind: 'admin' as const, id, tokenHash });

  it('counts per token, per person (across tokens) and in all; releases once', () => {
    const b = new StreamBudget(5, 2, 3);
    const r1 = b.acquire(caller('ann', 't1'));
    b.acquire(caller('ann', 't1'));
    expect(() => b.acquire(caller('ann', 't1'))).toThrow(expect.objectContaining({ status: 429, extra: expect.objectContaining({ code: 'streams_per_token' }) }));
    b.acquire(caller('ann', 't2'));
    expect(() => b.acquire(caller('ann', 't3'))).toThrow(expect.objectContaining({ extra: expect.objectContaining({ code: 'streams_per_person' }) }));
    b.acquire(caller('ben'));
    b.acquire(caller('ben'));
    expect(() => b.acquire(caller('cy'))).toThrow(expect.objectContaining({ extra: expect.objectContaining({ code: 'streams_server_full' }) }));
    r1();
    r1();
    expect(b.open).toBe(4);
    b.acquire(caller('cy'));
    expect(() => new StreamBudget(0)).toThrow(/at least 1/);
  });

  it('sizes the process budget from the open-file limit', () => {
    expect(openFileLimit('Limit                     Soft Limit           Hard Limit           Units     \nMax open files            1024                 524288               files     \n')).toBe(
      1024,
    );
    expect(openFileLimit('Max open files            unlimited            unlimited            files\n')).toBeUndefined();
    expect(openFileLimit()).toBeGreaterThan(0);
    expect(defaultMaxStreams(1024)).toBe(256);
    expect(defaultMaxStreams(undefined)).toBe(256);
    expect(defaultMaxStreams(32)).toBe(16);
    expect(connectionLimits(1024).maxConnections).toBe(896);
  });
});
