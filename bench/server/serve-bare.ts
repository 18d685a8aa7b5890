// The Access API plus one empty Hono route, served by one @hono/node-server in this process: the
// bench's "bare HTTP" peer shares the server, the socket handling and the event loop with the API.
// Prints the port on stdout once listening.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { readFileSync } from 'node:fs';

const fixture = process.argv[process.argv.indexOf('--fixture') + 1]!;
// Resolved at run time: the bench must type-check before the API exists.
const appModule = '../../src/server/app.ts';
const { createApp } = (await import(appModule)) as { createApp(opts: { world: unknown }): Promise<Hono> | Hono };
const app = await createApp({ world: JSON.parse(readFileSync(fixture, 'utf8')) });
const outer = new Hono();
// Same method, same JSON answer shape as the access check: the difference is the API's own work.
outer.post('/__bench/empty', (c) => c.json({ allowed: true, reason: 'bare' }));
outer.route('/', app);
serve({ fetch: outer.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${info.port}\n`);
});
