// CLI: npm run api -- --fixture FILE --port N [--data DIR] [--trust-proxy 10.0.0.0/8,::1]; DATABASE_URL selects PostgreSQL.
import { serve } from '@hono/node-server';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createApp } from './app';
import { openDb } from './db/index';

const { values } = parseArgs({
  options: {
    fixture: { type: 'string' },
    port: { type: 'string', default: '4400' },
    host: { type: 'string', default: '127.0.0.1' },
    data: { type: 'string' },
    'rate-limit': { type: 'string' },
    // Proxies whose X-Forwarded-For names the client (addresses or CIDR ranges, comma-separated; repeatable).
    'trust-proxy': { type: 'string', multiple: true },
  },
});

if (!values.fixture) {
  console.error('usage: npm run api -- --fixture FILE [--port 4400] [--data DIR] [--trust-proxy ADDR|CIDR,...]   (DATABASE_URL → PostgreSQL)');
  process.exit(2);
}

let world: unknown;
try {
  world = JSON.parse(readFileSync(values.fixture, 'utf8'));
} catch (e) {
  console.error(`cannot read ${values.fixture}: ${(e as Error).message}`);
  process.exit(2);
}

// A limit that is not a number must stop the start: Number('abc') is NaN, and a NaN limit never trips.
const rateText = (values['rate-limit'] ?? (process.env.AC_RATE_LIMIT || '600')).trim();
if (!/^[1-9]\d{0,8}$/.test(rateText)) {
  console.error(`${values['rate-limit'] !== undefined ? '--rate-limit' : 'AC_RATE_LIMIT'} must be a whole number of requests a minute (at least 1), not "${rateText}"`);
  process.exit(2);
}

const databaseUrl = process.env.DATABASE_URL || undefined;
const db = await openDb({ databaseUrl, dataDir: values.data, schema: process.env.AC_PG_SCHEMA || undefined });
let api;
try {
  const trustProxy = (values['trust-proxy'] ?? (process.env.AC_TRUST_PROXY ? [process.env.AC_TRUST_PROXY] : [])).flatMap((v) => v.split(','));
  api = await createApp({ world, db, rateLimitPerMinute: Number(rateText), trustProxy });
} catch (e) {
  console.error((e as Error).message);
  await db.close();
  process.exit(2);
}
const port = Number(values.port);
const server = serve({ fetch: api.app.fetch, port, hostname: values.host }, () => {
  console.error(`Access API on http://${values.host}:${port} (${db.kind}${values.data ? `, data in ${values.data}` : databaseUrl ? '' : ', in memory'})`);
});

const shutdown = async () => {
  server.close();
  await api.close();
  await db.close();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
