// Outside attack 3 (2026-12-08) on the audit log page's one where-builder (trail.ts auditWhere):
// every filter value goes to the database as a bound parameter, never as SQL text, so a quote, a
// comment or a second statement in actor, ticket, from, to or the cursor matches nothing or is
// refused (400), and the trail is untouched; the page is newest first and pages never overlap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../../src/api/contract';
import { ADMIN_URL, harness, type Backend, type Harness } from '../helpers';

const INJECTIONS = ["' OR '1'='1", "sam' OR TRUE --", "x'); DELETE FROM audit_rows; --", "sam'::text OR (a.body::jsonb->>'actor') IS NOT NULL OR 'a'='", 'sam" OR 1=1 --', '$1'];

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`audit log filters given SQL, on ${backend}`, () => {
    let h: Harness;
    let rows: number;
    beforeAll(async () => {
      h = await harness(backend);
      await h.call('alice-token', ROUTES.grant, { key: 'PS-100' }, {});
      for (let i = 0; i < 4; i++) await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-100', resource: { type: 'page', id: `p${i}` } });
      await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-102', resource: { type: 'page', id: 'q' } });
      rows = Number((await h.db.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_rows'))[0]!.n);
    });
    afterAll(async () => h?.close());
    const page = (query: Record<string, string | number>) => h.call('alice-token', ROUTES.audit, { query });

    it('actor and ticket: a quote or a comment is a value that matches nothing', async () => {
      expect((await page({ actor: 'sam' })).json.total).toBeGreaterThanOrEqual(5);
      for (const v of INJECTIONS) {
        for (const field of ['actor', 'ticket']) {
          const r = await page({ [field]: v });
          expect(r.status, `${field}=${v}`).toBe(200);
          expect(r.json, `${field}=${v}`).toMatchObject({ entries: [], total: 0, nextCursor: null });
        }
      }
      expect(Number((await h.db.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_rows'))[0]!.n)).toBe(rows);
      expect((await h.call('alice-token', ROUTES.verifyAudit)).json).toMatchObject({ ok: true });
    });

    it('from, to and the cursor: anything but a date-time or a row number is refused', async () => {
      for (const v of INJECTIONS) {
        for (const field of ['from', 'to', 'cursor']) expect((await page({ [field]: v })).status, `${field}=${v}`).toBe(400);
        expect((await page({ from: `2026-01-01T00:00:00Z${v}` })).status).toBe(400);
      }
      for (const cursor of ['-1', '1 OR 1=1', '9007199254740993', '1e3', '0x10']) expect((await page({ cursor })).status, cursor).toBe(400);
      // A date-time with an offset is the same instant: it matches as the UTC one does.
      const utc = (await page({ from: '2000-01-01T00:00:00Z' })).json.total;
      expect((await page({ from: '2000-01-01T14:00:00+14:00' })).json.total).toBe(utc);
      expect((await page({ to: '1999-12-31T23:59:59Z' })).json.total).toBe(0);
    });

    it('support means Support engineers only, and pages are newest first without overlap', async () => {
      const support = await page({ actor: 'support' });
      expect(support.json.entries.length).toBeGreaterThan(0);
      for (const e of support.json.entries) expect(e.actorKind).toBe('engineer');
      const seen: number[] = [];
      let cursor: string | null | undefined;
      do {
        const p = await page({ limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...p.json.entries.map((e: { seq: number }) => e.seq));
        cursor = p.json.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...seen].sort((a, b) => b - a));
      expect(new Set(seen).size).toBe(rows);
    });
  });
}
