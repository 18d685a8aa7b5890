// Outside review of 818e5b7's readBody (Content-Length bodies read on a direct path, chunked ones
// counted by Hono's bodyLimit, GET/HEAD bodies ignored): framings a client controls must never get
// a decision on a body the route did not see whole, must keep the size limit, and every refused
// write must leave exactly one audit row (a 413 too). Raw sockets, so the framing is what is written.
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../../src/api/contract';
import { ADMIN_URL, harness, type Backend, type Harness } from '../helpers';

const backends: Backend[] = ADMIN_URL ? ['pglite', 'postgres'] : ['pglite'];

describe.each(backends)('request framing tricks over a socket, on %s', (backend) => {
  let h: Harness;
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    h = await harness(backend);
    await new Promise<void>((resolve) => {
      server = serve({ fetch: h.api.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
        port = info.port;
        resolve();
      }) as Server;
    });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await h.close();
  });

  /** Writes `raw` on one connection; resolves with every status line's code and the text, when the server closes or `waitMs` passes. */
  function exchange(raw: string[], waitMs = 1500): Promise<{ statuses: number[]; text: string }> {
    return new Promise((resolve, reject) => {
      let text = '';
      const done = () => resolve({ statuses: [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1])), text });
      const socket = connect(port, '127.0.0.1', () => {
        for (const part of raw) socket.write(part);
      });
      const timer = setTimeout(() => {
        socket.destroy();
        done();
      }, waitMs);
      socket.setEncoding('utf8');
      socket.on('data', (d) => {
        text += d;
      });
      socket.on('error', (e) => (text ? undefined : reject(e)));
      socket.on('close', () => {
        clearTimeout(timer);
        done();
      });
    });
  }

  const auditRows = async () => Number((await h.db.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_rows'))[0]!.n);
  const check = JSON.stringify({ ticket: 'PS-101', resource: { type: 'page' } });
  const head = (method: string, path: string, token: string, framing: string) =>
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nConnection: close\r\n${framing}\r\n`;

  it('Content-Length together with Transfer-Encoding is never decided (no answer of allowed, nothing half-read)', async () => {
    expect((await h.call('alice-token', ROUTES.grant, { key: 'PS-101' }, {})).status).toBe(201);
    const chunk = `${Buffer.byteLength(check).toString(16)}\r\n${check}\r\n0\r\n\r\n`;
    // A smuggling shape: Content-Length covers only part of the chunked body.
    const out = await exchange([head('POST', '/v1/access/check', 'sam-token', `Content-Length: 4\r\nTransfer-Encoding: chunked\r\n`), chunk]);
    expect(out.statuses).toEqual([400]);
    expect(out.text).not.toMatch(/"allowed":true/);
  });

  it('a huge declared Content-Length is refused at once (413) and on record, without waiting for the body', async () => {
    const before = await auditRows();
    const out = await exchange([head('POST', '/v1/access/check', 'sam-token', 'Content-Length: 99999999999999\r\n'), check]);
    expect(out.statuses[0]).toBe(413);
    expect(await auditRows()).toBe(before + 1);
  });

  it('a Content-Length too long for the fast path (16 digits) is still refused (413) and on record', async () => {
    const before = await auditRows();
    const out = await exchange([head('POST', '/v1/access/check', 'sam-token', 'Content-Length: 1000000000000000\r\n'), check]);
    expect(out.statuses[0]).toBe(413);
    expect(await auditRows()).toBe(before + 1);
  });

  it('a DELETE with an over-limit body, chunked or by Content-Length, is refused (413), on record, and deletes nothing', async () => {
    const made = await h.call('alice-token', ROUTES.createRoleAssignment, { user: 'olga', role: 'product_admin', site: 'acme-main', product: 'confluence' });
    expect(made.status).toBe(201);
    const path = `/v1/role-assignments/${made.json.id}`;
    const big = 'x'.repeat(70 * 1024);
    for (const framing of ['chunked', 'length'] as const) {
      const before = await auditRows();
      const raw =
        framing === 'chunked'
          ? [
              head('DELETE', path, 'alice-token', 'Transfer-Encoding: chunked\r\n'),
              `${(big.length / 2).toString(16)}\r\n${big.slice(0, big.length / 2)}\r\n`,
              `${(big.length / 2).toString(16)}\r\n${big.slice(big.length / 2)}\r\n0\r\n\r\n`,
            ]
          : [head('DELETE', path, 'alice-token', `Content-Length: ${big.length}\r\n`), big];
      const out = await exchange(raw);
      expect(out.statuses[0], framing).toBe(413);
      expect(await auditRows(), framing).toBe(before + 1);
    }
    const still = await h.call('alice-token', ROUTES.roleAssignments, { query: { user: 'olga' } });
    expect(still.json.assignments.map((a: { id: string }) => a.id)).toContain(made.json.id);
  });

  it("a GET's body (small, chunked or over the limit) never changes its answer or reaches a write", async () => {
    const plain = await h.call('bob-token', ROUTES.eligibility, { key: 'PS-101' });
    const path = '/v1/tickets/PS-101/eligibility';
    const body = JSON.stringify({ allowed: true });
    const small = await exchange([head('GET', path, 'bob-token', `Content-Length: ${body.length}\r\n`), body]);
    expect(small.statuses[0]).toBe(200);
    expect(small.text).toContain(`"allowed":${plain.json.allowed}`);
    const chunked = await exchange([head('GET', path, 'bob-token', 'Transfer-Encoding: chunked\r\n'), `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`]);
    expect(chunked.statuses[0]).toBe(200);
    // A GET whose declared body is over the limit: refused or answered, never a decision changed by it.
    const huge = await exchange([head('GET', path, 'bob-token', 'Content-Length: 99999999\r\n')]);
    expect(huge.statuses.length).toBeGreaterThan(0);
    if (huge.statuses[0] === 200) expect(huge.text).toContain(`"allowed":${plain.json.allowed}`);
  });

  it('a pipelined request hidden in a Content-Length: 0 check body is answered as its own request, each on record once', async () => {
    const before = await auditRows();
    const second = `${head('POST', '/v1/access/check', 'sam-token', `Content-Length: ${check.length}\r\n`).replace('Connection: close\r\n', '')}${check}`;
    const out = await exchange([head('POST', '/v1/access/check', 'sam-token', 'Content-Length: 0\r\n').replace('Connection: close\r\n', 'Connection: keep-alive\r\n'), second], 2500);
    // The first is an empty body (400, on record); the second is a check of its own (on record).
    expect(out.statuses).toEqual([400, 200]);
    expect(await auditRows()).toBe(before + 2);
  });
});
