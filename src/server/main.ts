// CLI: npm run api -- --fixture FILE --port N [--data DIR] [--trust-proxy 10.0.0.0/8,::1] [--audit-key FILE]
// [--audit-key-previous FILE] [--sign-legacy-boundary] [--max-streams N] [--extension-ids LIST] [--unsafe-no-sync]; DATABASE_URL selects PostgreSQL.
import { serve } from '@hono/node-server';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createApp } from './app';
import type { DirectoryStart } from './directory/world-import';
import { ephemeralSigningKey, loadOrCreateSigningKey, publicKeyFileOf, type SigningKey } from './audit/checkpoints';
import { lockDataDir } from './db/data-lock';
import { openDb } from './db/index';
import { connectionLimits, defaultMaxStreams, limitConnections, openFileLimit, serverOptions } from './http/listen';
import { releaseStartupMemory } from './startup-memory';
import { STREAMS_PER_PERSON, STREAMS_PER_TOKEN } from './inbox/streams';

const USAGE = `usage: npm run api -- --fixture FILE [options]     (DATABASE_URL set → PostgreSQL)
  --fixture FILE             the org's world file (JSON), required
  --port N                   port to listen on (default 4400)
  --host ADDR                address to listen on (default 127.0.0.1)
  --data DIR                 keep the embedded database in DIR (locked to one process; default: in memory)
  --audit-key FILE           Ed25519 private key (PEM) that signs every audit head; created (0600) if missing.
                             Default: one beside --data (DIR-audit-signing-key.pem), else a key held in memory;
                             required with DATABASE_URL (every replica is given the same file)
  --audit-key-previous FILE  the key the trail was signed with until now: hand it over to --audit-key
  --sign-legacy-boundary     once, when upgrading from a version before signed heads: check the old rows
                             against their old checkpoints and sign their boundary (without it, refuse)
  --unsafe-no-sync           UNSAFE, throwaway data only: acknowledge writes without syncing them to disk
                             (PGlite fsync off; PostgreSQL synchronous_commit=off); a crash can lose them
  --rate-limit N             requests a minute per valid token
  --trust-proxy ADDR|CIDR    proxies whose X-Forwarded-For names the client (comma-separated; repeatable)
  --max-streams N            event streams open at once in this process (default: a quarter of the open-file limit)
  --apply-world              on a database that already holds the org, make its directory what the world file says
                             (without it a differing world file is only reported: the stored directory decides)
  --extension-ids LIST       extensions whose pages may read answers (CORS), besides the demo build: Chrome ids,
                             chrome-extension://ID or moz-extension://UUID origins (comma-separated; repeatable)
  --help                     this text`;

let values: {
  fixture?: string;
  port: string;
  host: string;
  data?: string;
  'rate-limit'?: string;
  'audit-key'?: string;
  'audit-key-previous'?: string;
  'sign-legacy-boundary'?: boolean;
  'trust-proxy'?: string[];
  'unsafe-no-sync'?: boolean;
  'max-streams'?: string;
  'extension-ids'?: string[];
  'apply-world'?: boolean;
  help?: boolean;
};
try {
  ({ values } = parseArgs({
    options: {
      fixture: { type: 'string' },
      port: { type: 'string', default: '4400' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string' },
      'rate-limit': { type: 'string' },
      'audit-key': { type: 'string' },
      'audit-key-previous': { type: 'string' },
      'sign-legacy-boundary': { type: 'boolean' },
      // Proxies whose X-Forwarded-For names the client (addresses or CIDR ranges, comma-separated; repeatable).
      'trust-proxy': { type: 'string', multiple: true },
      'unsafe-no-sync': { type: 'boolean' },
      'max-streams': { type: 'string' },
      'extension-ids': { type: 'string', multiple: true },
      'apply-world': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (e) {
  console.error(`${(e as Error).message}\n\n${USAGE}`);
  process.exit(2);
}

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!values.fixture) {
  console.error(USAGE);
  process.exit(2);
}

// Where start-up time goes, printed once the API listens: ms since the process started (node's
// own start and module loading are the first phase).
const phases: Array<[string, number]> = [['node and modules', performance.now()]];
const startupSummary = (p: Array<[string, number]>): string =>
  `${Math.round(p[p.length - 1]![1])} ms (${p.map(([name, at], i) => `${name} ${Math.round(at - (i ? p[i - 1]![1] : 0))} ms`).join(', ')})`;

let world: unknown;
try {
  world = JSON.parse(readFileSync(values.fixture, 'utf8'));
  phases.push(['world file', performance.now()]);
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

// Open streams each hold a descriptor for as long as the client likes: the process allows a
// quarter of its open-file limit by default, and never so many that requests find none (listen.ts).
const fdLimit = openFileLimit();
const limits = connectionLimits(fdLimit);
const streamsText = (values['max-streams'] ?? (process.env.AC_MAX_STREAMS || String(defaultMaxStreams(fdLimit)))).trim();
if (!/^[1-9]\d{0,6}$/.test(streamsText) || Number(streamsText) >= limits.maxConnections) {
  console.error(
    `${values['max-streams'] !== undefined ? '--max-streams' : 'AC_MAX_STREAMS'} must be a whole number of streams (at least 1) below the connection cap ${limits.maxConnections} (open-file limit ${fdLimit ?? 'unknown'}), not "${streamsText}"`,
  );
  process.exit(2);
}

const databaseUrl = process.env.DATABASE_URL || undefined;
// Before the database opens: a second process on the same folder must not even start PGlite on it.
if (values.data && !databaseUrl) {
  try {
    lockDataDir(values.data);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
}

// Every append signs its head with a key kept outside the database: --audit-key, else one beside
// the data folder, else (in memory) a key that lives as long as the database. Replicas on one
// PostgreSQL must sign with one key, so there it must be given.
const keyFile =
  values['audit-key'] ??
  (process.env.AC_AUDIT_KEY || undefined) ??
  (values.data && !databaseUrl ? join(dirname(resolve(values.data)), `${basename(resolve(values.data))}-audit-signing-key.pem`) : undefined);
if (!keyFile && databaseUrl) {
  console.error('DATABASE_URL needs --audit-key FILE: every replica on one database must sign the audit trail with the same key (give each the same file).');
  process.exit(2);
}
let auditKey: SigningKey;
let previousKey: SigningKey | undefined;
try {
  if (keyFile) {
    const { key, created, readableByOthers } = loadOrCreateSigningKey(keyFile);
    auditKey = key;
    if (created) console.error(`Created the audit signing key ${keyFile} (mode 0600); its public key is ${publicKeyFileOf(keyFile)}`);
    if (readableByOthers) console.error(`Warning: the audit signing key ${keyFile} is readable by other users; anyone who can read it can sign a rewritten audit chain (chmod 600 it).`);
  } else {
    auditKey = ephemeralSigningKey();
    console.error(`The audit trail is in memory and signed with a key held in memory (key id ${auditKey.keyId}); it ends with this process.`);
  }
  const previous = values['audit-key-previous'];
  if (previous && !existsSync(previous)) throw new Error(`--audit-key-previous ${previous} does not exist`);
  if (previous) previousKey = loadOrCreateSigningKey(previous).key;
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}

// The built API (dist-api/) carries a fresh PGlite data folder made at build time: a new embedded
// database starts from it instead of running initdb (under tsx there is none, and initdb runs).
const template = process.env.AC_PGLITE_TEMPLATE || fileURLToPath(new URL('./pglite-template.tar', import.meta.url));
// Durable unless the deployment opts out for throwaway data, by flag or AC_UNSAFE_NO_SYNC=1.
const sync = !(values['unsafe-no-sync'] || process.env.AC_UNSAFE_NO_SYNC === '1');
const db = await openDb({ databaseUrl, dataDir: values.data, schema: process.env.AC_PG_SCHEMA || undefined, pglite: { template }, sync });
phases.push(['database', performance.now()]);
let api;
try {
  const trustProxy = (values['trust-proxy'] ?? (process.env.AC_TRUST_PROXY ? [process.env.AC_TRUST_PROXY] : [])).flatMap((v) => v.split(','));
  const parsed = world;
  // The raw JSON is not needed once the app holds its parsed world (at 100k users it is ~60 MB of
  // heap), and a module-level variable would keep it for the life of the process.
  world = undefined;
  api = await createApp({
    world: parsed,
    db,
    rateLimitPerMinute: Number(rateText),
    trustProxy,
    auditSigning: { key: auditKey, previous: previousKey, signLegacyBoundary: values['sign-legacy-boundary'] === true },
    streams: { max: Number(streamsText) },
    applyWorld: values['apply-world'] === true,
    extensionIds: (values['extension-ids'] ?? (process.env.AC_EXTENSION_IDS ? [process.env.AC_EXTENSION_IDS] : [])).flatMap((v) => v.split(',')),
  });
  phases.push(['world and app', performance.now()]);
  reportWorldChanges(api.directoryStart);
} catch (e) {
  console.error((e as Error).message);
  await db.close();
  process.exit(2);
}
const port = Number(values.port);
const server = serve({ fetch: api.app.fetch, port, hostname: values.host, serverOptions: serverOptions(limits) }, () => {
  console.error(`Access API on http://${values.host}:${port} (${db.kind}${values.data ? `, data in ${values.data}` : databaseUrl ? '' : ', in memory'})`);
  console.error(
    `Event streams: at most ${streamsText} open at once, ${STREAMS_PER_TOKEN} per token, ${STREAMS_PER_PERSON} per person; connections: at most ${limits.maxConnections} (open-file limit ${fdLimit ?? 'unknown'})`,
  );
  console.error(`${db.durability.durable ? 'Durable' : 'NOT DURABLE'}: ${db.durability.note}`);
  console.error(`Started in ${startupSummary(phases)}`);
  // Once the start-up's last promise chains have let go of their buffers.
  for (const ms of [200, 1000]) setTimeout(releaseStartupMemory, ms).unref();
});
limitConnections(server as Server, limits);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  server.close();
  await api.close();
  await db.close();
  process.exit(0);
};
// `kill -USR2 <pid>`: where this process's memory is, as one JSON line on stderr (bytes): the V8
// heap, memory outside it (PGlite's WebAssembly memory and its in-memory files are most of
// `external`), and the resident total.
process.on('SIGUSR2', () => {
  const m = process.memoryUsage();
  console.error(`memory ${JSON.stringify({ rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers })}`);
});
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

/** Says on stderr what differs between the world file and the directory the database holds, and whether it was applied. */
function reportWorldChanges(start: Omit<DirectoryStart, 'world'>): void {
  if (start.differences.length === 0) return;
  if (start.imported) console.error('The world file differed from the directory in the database and was applied (--apply-world):');
  else console.error('The world file differs from the directory in the database (the database decides; start with --apply-world to make the directory what the file says):');
  for (const l of start.differences) console.error(`  ${l}`);
  console.error('  What the database already holds (grants, requests, the audit trail) stays; grants made by someone who no longer could are flagged for org admins.');
}
