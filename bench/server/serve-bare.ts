// The Access API plus one empty Hono route, served by one @hono/node-server in this process: the
// bench's "bare HTTP" peer shares the server, the socket handling and the event loop with the API.
// Prints the port on stdout once listening.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { readFileSync } from 'node:fs';
import { createApp } from '../../src/server/app';
import { openDb } from '../../src/server/db/index';

const fixture = process.argv[process.argv.indexOf('--fixture') + 1]!;
// The rate limit is raised so it never refuses, but its bookkeeping still runs on every check.
const db = await openDb({ databaseUrl: process.env.DATABASE_URL || undefined });
const api = await createApp({ world: JSON.parse(readFileSync(fixture, 'utf8')), db, rateLimitPerMinute: 1e9, log: () => {} });
const outer = new Hono();
// Same method, same JSON answer shape as the access check: the difference is the API's own work.
outer.post('/__bench/empty', (c) => c.json({ allowed: true, reason: 'bare' }));
outer.route('/', api.app);
serve({ fetch: outer.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${info.port}\n`);
});
