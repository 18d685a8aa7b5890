// Every per-caller resource has a bound (issue 19): the Idempotency-Key entries a token keeps and
// runs at once, and what one connection may hold (a client that never finishes its headers or its
// body, idle keep-alive connections, header count). Open streams: streams-cap.test.ts.
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../../src/server/http/auth';
import { createApp } from '../../../src/server/app';
import { openPglite } from '../../../src/server/db/index';
import { connectionLimits, limitConnections, serverOptions, type ConnectionLimits } from '../../../src/server/http/listen';
import { ADMIN_URL, harness, TEST_AUDIT_KEY, WORLD, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi } from '../../support/api-call';

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`Idempotency-Key entries per token on ${backend}`, () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    it('a token keeps at most keysPerToken keys (the oldest answered ones go) and runs at most pendingPerToken at once', async () => {
      h = await harness(backend);
      const api = await createApp({
        auditSigning: { key: TEST_AUDIT_KEY },
        world: WORLD,
        db: h.db,
        rateLimitPerMinute: 100_000,
        log: () => {},
        idempotencyBounds: { keysPerToken: 3, pendingPerToken: 2 },
      });
      const grant = (token: string, ticket: string, key?: string) => callApi(api.app, token, ROUTES.grant, { key: ticket }, {}, key === undefined ? {} : { headers: { 'idempotency-key': key } });
      try {
        for (let i = 0; i < 6; i++) expect((await grant('alice-token', `PS-${110 + i}`, `k${i}`)).status).toBe(201);
        const kept = async (token: string) => (await h!.db.query<{ key: string }>('SELECT key FROM idempotency WHERE token_hash = $1 ORDER BY key', [sha256(token)])).map((r) => r.key);
        expect(await kept('alice-token')).toEqual(['k3', 'k4', 'k5']);
        // The newest still replay.
        const again = await grant('alice-token', 'PS-115', 'k5');
        expect(again.headers.get('idempotent-replayed')).toBe('true');

        // Two keyed requests of olga's still running (claimed, unanswered): a third is refused and leaves nothing behind.
        const now = Date.now();
        await h!.db.query(`INSERT INTO idempotency (token_hash, key, fingerprint, created_at, owner, claimed_at) VALUES ($1, 'run-1', 'f', $2, 'o1', $2), ($1, 'run-2', 'f', $2, 'o2', $2)`, [
          sha256('olga-token'),
          now,
        ]);
        const third = await grant('olga-token', 'PS-120', 'run-3');
        expect(third.status).toBe(429);
        expect(third.headers.get('content-type')).toContain('application/problem+json');
        expect(third.headers.get('retry-after')).toBe('1');
        expect(await kept('olga-token')).toEqual(['run-1', 'run-2']);
        // Another token is not held back by olga's.
        expect((await grant('alice-token', 'PS-121', 'k6')).status).toBe(201);
        // Without a key nothing is counted.
        expect((await grant('olga-token', 'PS-120')).status).toBe(201);
      } finally {
        await api.close();
      }
    });
  });
}

describe('what one connection may hold', () => {
  let server: Server | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await cleanup?.();
    server = undefined;
    cleanup = undefined;
  });

  /** The API on a socket with `limits`, as main.ts starts it. */
  async function listen(limits: ConnectionLimits): Promise<number> {
    const db = await openPglite();
    const app = await createApp({ world: WORLD, db, log: () => {} });
    cleanup = async () => {
      await app.close();
      await db.close();
    };
    return new Promise((resolve) => {
      server = serve({ fetch: app.app.fetch, port: 0, hostname: '127.0.0.1', serverOptions: serverOptions(limits) }, (info) => resolve(info.port)) as Server;
      limitConnections(server, limits);
    });
  }

  /** Sends `text` on a raw socket and collects what comes back until the server closes it. */
  const rawExchange = (port: number, text: string) =>
    new Promise<string>((resolve) => {
      const sock = connect(port, '127.0.0.1', () => sock.write(text));
      let got = '';
      sock.setEncoding('utf8');
      sock.on('data', (d: string) => {
        got += d;
      });
      sock.on('close', () => resolve(got));
      sock.on('error', () => {});
    });

  it('a client that never finishes its headers, or its body, is answered 408 and cut off', async () => {
    const port = await listen({ ...connectionLimits(1024), headersTimeoutMs: 300, requestTimeoutMs: 600, checkIntervalMs: 50 });
    expect(await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n')).toMatch(/^HTTP\/1\.1 408/);
    expect(
      await rawExchange(port, 'POST /v1/tickets/PS-101/grants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer alice-token\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{'),
    ).toMatch(/HTTP\/1\.1 408/);
  });

  it('an idle keep-alive connection is closed, and a connection carries a bounded number of requests', async () => {
    const port = await listen({ ...connectionLimits(1024), keepAliveTimeoutMs: 200, maxRequestsPerSocket: 2 });
    const one = await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(one).toMatch(/^HTTP\/1\.1 200/);
    const three = await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(3));
    expect(three.match(/HTTP\/1\.1 200/g)).toHaveLength(2);
    expect(three).toMatch(/HTTP\/1\.1 503/);
  });

  it('the defaults main.ts applies', () => {
    expect(connectionLimits(1024)).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxRequestsPerSocket: 1_000,
      maxHeadersCount: 100,
      maxConnections: 896,
      checkIntervalMs: 1_000,
    });
  });
});
