// A ticket's window of Support activity can hold more rows than one page: /v1/audit says how many
// match (total) and pages through all of them, down to Support's first access.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness } from '../helpers';
import type { Answer } from '../../support/api-call';
import { ROUTES } from '../../../src/api/contract';

describe('audit paging', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness('pglite');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('pages through a ticket window of 250 Support rows with a total, first access included', async () => {
    const grant = await h.call('alice-token', ROUTES.grant, { key: 'PS-102' }, {});
    expect(grant.status).toBe(201);
    for (let i = 0; i < 250; i++) {
      const r = await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-102', resource: { type: 'work_item', id: `X-${i}` } });
      expect(r.json.allowed).toBe(true);
    }
    const seen: { seq: number; resource: { id: string } }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: Answer = await h.call('alice-token', ROUTES.audit, { query: { actor: 'support', ticket: 'PS-102', cursor: cursor || undefined } });
      expect(r.status).toBe(200);
      expect(r.json.total).toBe(250);
      seen.push(...r.json.entries);
      cursor = r.json.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(250);
    expect(new Set(seen.map((e) => e.seq)).size).toBe(250);
    expect(seen.at(-1)!.resource.id).toBe('X-0'); // Support's first access, on the last page
  });

  it('a page that ends exactly at the last row has no next cursor', async () => {
    const r = await h.call('alice-token', ROUTES.audit, { query: { actor: 'support', ticket: 'PS-102', limit: 125 } });
    const last = await h.call('alice-token', ROUTES.audit, { query: { actor: 'support', ticket: 'PS-102', limit: 125, cursor: r.json.nextCursor } });
    expect(last.json.entries).toHaveLength(125);
    expect(last.json.nextCursor).toBeNull();
  });
});
