// The demo portal's own backend raises requests as the logged-in person, so it takes a POST only
// from the portal's own pages: the Origin header must be the portal's origin, else 403.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDemoPages, type DemoPages } from '../../scripts/demo-pages';

let pages: DemoPages;

/** POSTs a request to the portal's backend (over 127.0.0.1, the port it listens on), with `origin` if given. */
async function raise(origin?: string): Promise<{ status: number; title: unknown }> {
  const port = new URL(pages.supportUrl).port;
  const res = await fetch(`http://127.0.0.1:${port}/demo-api/tickets?as=bob`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
    body: JSON.stringify({ site: 'acme-main', product: 'confluence', summary: 'x', grantDataAccess: true }),
  });
  const body = (await res.json()) as { title?: unknown };
  return { status: res.status, title: body.title };
}

describe('demo portal POST /demo-api/tickets', () => {
  // Started without an Access API: a request that passes the origin check is answered 503.
  beforeAll(async () => {
    pages = await startDemoPages({ supportPort: 0, adminPort: 0, productPort: 0 });
  });
  afterAll(async () => {
    await pages?.close();
  });

  test("another site's page is refused with 403 and nothing goes upstream", async () => {
    expect(await raise('http://evil.localhost:9999')).toEqual({ status: 403, title: expect.stringMatching(/portal's own pages/) });
    expect((await raise(pages.adminUrl)).status).toBe(403);
    expect((await raise(`${pages.supportUrl}.evil.test`)).status).toBe(403);
  });

  test('a POST without an Origin header is refused', async () => {
    expect((await raise()).status).toBe(403);
  });

  test("the portal's own origin passes the check", async () => {
    expect(await raise(pages.supportUrl)).toEqual({ status: 503, title: 'The demo portal was started without an Access API' });
  });
});
