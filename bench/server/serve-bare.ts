// The Access API plus its peers, served by one @hono/node-server in this process: the bench's
// "bare HTTP" route and its two durable floors share the server, the socket handling, the event
// loop and the database with the API. Prints the port on stdout once listening.
//   POST /__bench/empty          an empty route (same method and answer shape as the check)
//   POST /__bench/append         appends one row to the same database in its own transaction
//                                (synced like every commit of the API when the database syncs)
//   POST /__bench/append-batched the same row, group-committed like the check (one multi-row
//                                insert per transaction for every request waiting)
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { readFileSync } from 'node:fs';
import { createApp } from '../../src/server/app';
import { openDb, type Db } from '../../src/server/db/index';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const fixture = arg('--fixture')!;
// --data DIR: PGlite in a folder, each commit synced (as deployed); without it, in memory.
// --unsafe-no-sync: nothing synced (PGlite fsync off, PostgreSQL synchronous_commit=off).
const sync = !process.argv.includes('--unsafe-no-sync');
// The rate limit is raised so it never refuses, but its bookkeeping still runs on every check.
const db = await openDb({ databaseUrl: process.env.DATABASE_URL || undefined, schema: process.env.AC_PG_SCHEMA || undefined, dataDir: arg('--data'), sync });
const api = await createApp({ world: JSON.parse(readFileSync(fixture, 'utf8')), db, rateLimitPerMinute: 1e9, log: () => {} });
// A row about as wide as an audit row: a time, who, what, and the request body as jsonb.
await db.query('CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, at text NOT NULL, actor text NOT NULL, body jsonb NOT NULL)');
const INSERT = 'INSERT INTO bench_floor (at, actor, body) VALUES ';

const outer = new Hono();
// Same method, same JSON answer shape as the access check: the difference is the API's own work.
outer.post('/__bench/empty', (c) => c.json({ allowed: true, reason: 'bare' }));
outer.post('/__bench/append', async (c) => {
  const body = await c.req.text();
  await db.transaction((tx) => tx.query(`${INSERT}($1, $2, $3)`, [new Date().toISOString(), c.req.header('authorization')?.slice(-8) ?? '', body]));
  return c.json({ allowed: true, reason: 'floor' });
});
const batcher = groupCommit(db);
outer.post('/__bench/append-batched', async (c) => {
  await batcher([new Date().toISOString(), c.req.header('authorization')?.slice(-8) ?? '', await c.req.text()]);
  return c.json({ allowed: true, reason: 'floor, group commit' });
});
outer.route('/', api.app);
serve({ fetch: outer.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${info.port}\n`);
});

/** The check's group commit without the check: wait a turn of the event loop, then one transaction inserts every waiting row. */
function groupCommit(d: Db): (row: unknown[]) => Promise<void> {
  let queue: Array<{ row: unknown[]; done: (e?: unknown) => void }> = [];
  let running = false;
  const drain = async () => {
    running = true;
    while (queue.length) {
      await new Promise<void>((r) => setImmediate(r));
      const batch = queue.splice(0, 256);
      queue = queue.length ? queue : [];
      const params = batch.flatMap((b) => b.row);
      const values = batch.map((_, i) => `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3})`).join(', ');
      try {
        await d.transaction((tx) => tx.query(INSERT + values, params));
        for (const b of batch) b.done();
      } catch (e) {
        for (const b of batch) b.done(e);
      }
    }
    running = false;
  };
  return (row) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ row, done: (e) => (e ? reject(e) : resolve()) });
      if (!running) void drain();
    });
}
