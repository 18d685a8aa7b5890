// Event streams resume honestly: a Last-Event-ID this server never issued (after an in-memory
// restart, a restored data folder, or garbage) gets a reset event and a replay from the start
// instead of silently skipping every row up to it. On PGlite always, and on PostgreSQL when
// DATABASE_URL is set.
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_URL, harness, type Backend, type Harness, type StreamRoute } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

if (!ADMIN_URL) console.log('server stream reset: PostgreSQL suite skipped because DATABASE_URL is unset');

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (open.length) await open.pop()!();
});

/** An event stream closed after the test. */
async function stream(h: Harness, route: StreamRoute, token: string, lastEventId?: string) {
  const s = await h.stream(token, route, lastEventId);
  open.push(s.close);
  return s;
}

const lastId = (text: string) => [...text.matchAll(/^id: (\S+)$/gm)].at(-1)![1]!;

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`stream resume on ${backend}`, () => {
    const hs: Harness[] = [];
    afterEach(async () => {
      while (open.length) await open.pop()!();
      while (hs.length) await hs.pop()!.close();
    });
    const make = async () => {
      const h = await harness(backend);
      hs.push(h);
      return h;
    };

    it('an event id from before an in-memory restart replays from the start after a reset event', async () => {
      const before = await make();
      await before.call('alice-token', ROUTES.grant, { key: 'PS-101' }, {});
      await before.call('alice-token', ROUTES.grant, { key: 'PS-103' }, {});
      await before.call('alice-token', ROUTES.grant, { key: 'PS-105' }, {});
      const s1 = await stream(before, ROUTES.events, 'olga-token', '0');
      const seen = lastId(await s1.until(/"PS-105"/));
      const a1 = await stream(before, ROUTES.auditStream, 'alice-token', '0');
      const seenAudit = lastId(await a1.until(/"PS-105"[\s\S]*\n\n/));

      // The restarted server has written as many rows again, under the same ids, about other things.
      const after = await make();
      for (const t of ['PS-111', 'PS-113', 'PS-115', 'PS-117']) expect((await after.call('alice-token', ROUTES.grant, { key: t }, {})).status).toBe(201);
      const s2 = await stream(after, ROUTES.events, 'olga-token', seen);
      expect(s2.headers.get('x-accel-buffering')).toBe('no');
      const text = await s2.until(/"PS-117"/);
      expect(text).toMatch(/event: reset\n/);
      expect(text.indexOf('event: reset')).toBeLessThan(text.indexOf('"PS-111"'));
      const a2 = await stream(after, ROUTES.auditStream, 'alice-token', seenAudit);
      expect(a2.headers.get('x-accel-buffering')).toBe('no');
      const audit = await a2.until(/"PS-117"/);
      expect(audit).toMatch(/event: reset\n/);
      expect(audit).toMatch(/^id: 1\.[0-9a-f]{16}$/m); // from the very first row
    });

    it('a restored database that reused ids is detected; an id it did issue resumes without a reset', async () => {
      const h = await make();
      await h.call('alice-token', ROUTES.grant, { key: 'PS-107' }, {});
      const s1 = await stream(h, ROUTES.events, 'olga-token');
      const start = lastId(await s1.until(/^id: \S+$/m));
      await h.call('alice-token', ROUTES.grant, { key: 'PS-109' }, {});
      const seen = lastId(await s1.until(/"PS-109"/));
      await s1.close();

      // Resuming from an id it issued: only what came after, no reset.
      await h.call('alice-token', ROUTES.grant, { key: 'PS-119' }, {});
      const ok = await stream(h, ROUTES.events, 'olga-token', seen);
      const okText = await ok.until(/"PS-119"/);
      expect(okText).not.toContain('event: reset');
      expect(okText).not.toContain('"PS-109"');
      await ok.close();

      // A backup from before PS-109 is restored, and the next change takes PS-109's id.
      const id = Number(seen.split('.')[0]);
      await h.db.query('DELETE FROM events WHERE id >= $1', [id]);
      await h.db.query(`UPDATE events SET id = $1 WHERE id = (SELECT max(id) FROM events)`, [id]);
      const again = await stream(h, ROUTES.events, 'olga-token', seen);
      const text = await again.until(/"PS-107"/);
      expect(text).toMatch(/event: reset\n/);
      expect(start).toMatch(/^\d+\.[0-9a-f]{16}$/);
    });

    it('ids the server never issued (garbage, untagged numbers) reset the stream rather than swallow it', async () => {
      const h = await make();
      await h.call('alice-token', ROUTES.grant, { key: 'PS-121' }, {});
      for (const bad of ['999999', '5.0123456789abcdef', 'not-an-id']) {
        const s = await stream(h, ROUTES.auditStream, 'alice-token', bad);
        const text = await s.until(/"PS-121"/);
        expect(text, bad).toMatch(/event: reset\ndata: \{[^\n]*"replayFrom":0/);
        await s.close();
      }
    });
  });
}
