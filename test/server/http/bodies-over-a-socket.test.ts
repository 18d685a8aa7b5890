// Request bodies as clients send them over a socket. A body framed by Content-Length is read on the
// Node server's direct path (http/route.ts readBody: no web Request built per request, a fifth of a
// check's cost); a chunked one is counted as it arrives. Both keep the 64 KiB limit (413, audited as a
// refusal), and both reach the route whole. Raw sockets, so the framing is exactly what is written.
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness } from '../helpers';

let h: Harness;
let server: Server;
let port = 0;

beforeAll(async () => {
  h = await harness('pglite');
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

/** Writes `head` and then each of `chunks` on one connection; resolves with the status and the body of the answer. */
function send(head: string, chunks: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head);
      for (const c of chunks) socket.write(c);
    });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => {
      text += d;
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = /content-length: (\d+)/i.exec(text.slice(0, end))?.[1];
      if (length !== undefined && Buffer.byteLength(text.slice(end + 4)) >= Number(length)) {
        socket.destroy();
        resolve({ status: Number(text.slice(9, 12)), body: text.slice(end + 4) });
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: Number(text.slice(9, 12)), body: text.slice(text.indexOf('\r\n\r\n') + 4) }));
  });
}

const check = (ticket: string, extra = '') => JSON.stringify({ ticket, resource: { type: 'work_item' }, ...(extra ? { note: extra } : {}) });
const head = (framing: string) => `POST /v1/access/check HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sam-token\r\nContent-Type: application/json\r\nConnection: close\r\n${framing}\r\n`;
const chunked = (body: string, size: number) => {
  const out: string[] = [];
  for (let i = 0; i < body.length; i += size) {
    const part = body.slice(i, i + size);
    out.push(`${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`);
  }
  return [...out, '0\r\n\r\n'];
};
const auditRows = async () => Number((await h.db.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_rows'))[0]!.n);

describe('request bodies over a socket', () => {
  it('a Content-Length body reaches the route whole, and one over the limit is refused (413) and on record', async () => {
    const body = check('PS-100');
    const ok = await send(head(`Content-Length: ${Buffer.byteLength(body)}\r\n`), [body]);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ allowed: expect.any(Boolean), reason: expect.any(String) });

    const rows = await auditRows();
    const big = check('PS-100', 'x'.repeat(70 * 1024));
    const refused = await send(head(`Content-Length: ${Buffer.byteLength(big)}\r\n`), [big]);
    expect(refused.status).toBe(413);
    expect(JSON.parse(refused.body).type).toMatch(/payload-too-large$/);
    expect(await auditRows()).toBe(rows + 1);
  });

  it('a chunked body reaches the route whole, and one over the limit is refused (413) and on record', async () => {
    const body = check('PS-100');
    const ok = await send(head('Transfer-Encoding: chunked\r\n'), chunked(body, 7));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ allowed: expect.any(Boolean) });

    const rows = await auditRows();
    const big = check('PS-100', 'x'.repeat(70 * 1024));
    const refused = await send(head('Transfer-Encoding: chunked\r\n'), chunked(big, 8192));
    expect(refused.status).toBe(413);
    expect(await auditRows()).toBe(rows + 1);
  });

  it('a body shorter than its Content-Length is never answered as if whole', async () => {
    const body = check('PS-100');
    const rows = await auditRows();
    // The client says 40 more bytes than it sends, then goes quiet: the parser waits for them, and
    // the route never runs on a cut body (the socket is closed unanswered after a short wait).
    const answer = await Promise.race([send(head(`Content-Length: ${Buffer.byteLength(body) + 40}\r\n`), [body]), new Promise<'waiting'>((r) => setTimeout(() => r('waiting'), 1500))]);
    expect(answer).toBe('waiting');
    expect(await auditRows()).toBe(rows);
  });
});
