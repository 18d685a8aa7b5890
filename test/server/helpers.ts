// Test world and harness for the Access API: app.request() over real PGlite, or a fresh
// PostgreSQL database per suite when DATABASE_URL is set.
import { ephemeralSigningKey } from '../../src/server/audit/checkpoints';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { World } from '../../src/core/index';
import { createApp, type AccessApp, type AppOptions } from '../../src/server/app';
import { openPglite, openPostgres, type Db } from '../../src/server/db/index';
import { callApi, pathOf, send, type Answer, type Caller, type RouteCall, type StreamRoute } from '../support/api-call';

export type { StreamRoute };

/**
 * The audit signing key of every app these tests start without one: apps on one database (replicas
 * on PostgreSQL, a restart on the same PGlite) must sign its trail with one key, as in production.
 */
export const TEST_AUDIT_KEY = ephemeralSigningKey();

export const WORLD: World = {
  organization: { id: 'acme', name: 'Acme', userManagement: 'centralized', guard: { restrictedSites: ['acme-eu'] } },
  sites: [
    { id: 'acme-main', url: 'https://acme.atlassian.net', status: 'active' },
    { id: 'acme-eu', url: 'https://acme-eu.atlassian.net', status: 'active' },
    { id: 'acme-old', url: 'https://acme-old.atlassian.net', status: 'pending_deletion' },
  ],
  products: [
    { site: 'acme-main', key: 'jira', licensed: true, defaultGroup: 'jira-users', billableSeats: 41 },
    { site: 'acme-main', key: 'confluence', licensed: true, defaultGroup: 'confluence-users', billableSeats: 37 },
    { site: 'acme-eu', key: 'jira', licensed: true, defaultGroup: 'jira-users', billableSeats: 18 },
    { site: 'acme-old', key: 'jira', licensed: true, defaultGroup: 'jira-users', billableSeats: 3 },
  ],
  users: [
    { id: 'alice', name: 'Alice Ng', email: 'alice@acme.test', emailVerified: true, sites: ['acme-main', 'acme-eu'], token: 'alice-token' },
    { id: 'olga', name: 'Olga Berg', email: 'olga@acme.test', emailVerified: true, sites: ['acme-main'], token: 'olga-token' },
    { id: 'bob', name: 'Bob Stone', email: 'bob@acme.test', emailVerified: true, sites: ['acme-main'], token: 'bob-token' },
    { id: 'dev', name: 'Dev Patel', email: 'dev@acme.test', emailVerified: true, sites: ['acme-main'], token: 'dev-token' },
    { id: 'gus', name: 'Gus Lind', email: 'gus@acme.test', emailVerified: true, sites: ['acme-main'], token: 'gus-token' },
    { id: 'gwen', name: 'Gwen Ray', email: 'gwen@acme.test', emailVerified: true, sites: ['acme-main'], token: 'gwen-token' },
    { id: 'mia', name: 'Mia Cole', email: 'mia@acme.test', emailVerified: true, sites: ['acme-main'], token: 'mia-token' },
    { id: 'nora', name: 'Nora Vale', email: 'nora@elsewhere.test', emailVerified: true, sites: [], token: 'nora-token' },
  ],
  roles: [
    { user: 'alice', role: 'org_admin' },
    { user: 'olga', role: 'org_admin' },
    { user: 'bob', role: 'product_admin', site: 'acme-main', product: 'jira' },
    { user: 'dev', role: 'user_access_admin', site: 'acme-main' },
    { user: 'gus', role: 'guard_admin' },
    { user: 'gwen', role: 'guard_admin' },
  ],
  engineers: [
    { id: 'sam', name: 'Sam Ortiz', email: 'sam@vendor.test', token: 'sam-token' },
    { id: 'lee', name: 'Lee Park', email: 'lee@vendor.test', token: 'lee-token' },
  ],
  tickets: [
    ...Array.from({ length: 30 }, (_, i) => ({
      key: `PS-${100 + i}`,
      title: `Main jira ${i}`,
      site: 'acme-main',
      product: 'jira',
      reporter: 'bob',
      engineer: 'sam',
      status: 'open' as const,
      dataAccessRequested: i % 2 === 0,
    })),
    {
      key: 'PS-200',
      title: 'Confluence',
      site: 'acme-main',
      product: 'confluence',
      reporter: 'bob',
      engineer: 'sam',
      status: 'open',
      dataAccessRequested: true,
      aiConversationsRequested: ['conv-1', 'conv-2'],
    },
    ...Array.from({ length: 10 }, (_, i) => ({
      key: `EU-${i}`,
      title: `EU ${i}`,
      site: 'acme-eu',
      product: 'jira',
      reporter: 'alice',
      engineer: 'lee',
      status: 'open' as const,
      dataAccessRequested: false,
    })),
    { key: 'OLD-1', title: 'Old', site: 'acme-old', product: 'jira', reporter: 'alice', engineer: 'sam', status: 'open', dataAccessRequested: false },
    { key: 'CL-1', title: 'Closed', site: 'acme-main', product: 'jira', reporter: 'bob', engineer: 'sam', status: 'closed', dataAccessRequested: false },
  ],
};

export function writeWorldFile(world: World = WORLD): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ac-server-')), 'world.json');
  writeFileSync(file, JSON.stringify(world));
  return file;
}

export const ADMIN_URL = process.env.DATABASE_URL;

/** A throwaway PostgreSQL database on the server DATABASE_URL points at; dropped by `drop()`. */
export async function scratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = ADMIN_URL!;
  const name = `ac_test_${Math.random().toString(36).slice(2, 10)}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    },
  };
}

/** API processes sharing one scratch PostgreSQL database (scratchDatabase), as apps and their databases. */
export interface SharedDatabaseApps {
  apps: AccessApp[];
  dbs: Db[];
  /** A contract call through app `i`. */
  call(i: number, token: string | null, ...route: RouteCall): Promise<Answer>;
  /** Closes every app and database, then drops the scratch database. */
  close(): Promise<void>;
}

/**
 * Starts API processes on one scratch PostgreSQL database (DATABASE_URL must be set): `replicas`
 * copies of one org sharing its tables (default 2), or, given `schemas`, one org per schema. Each
 * signs with TEST_AUDIT_KEY, and never throttles.
 */
export async function appsOnOneDatabase(world: unknown, opts: { replicas?: number; schemas?: string[] } = {}): Promise<SharedDatabaseApps> {
  const scratch = await scratchDatabase();
  const apps: AccessApp[] = [];
  const dbs: Db[] = [];
  const schemas = opts.schemas ?? Array.from({ length: opts.replicas ?? 2 }, () => undefined);
  for (const schema of schemas) {
    const db = await openPostgres(scratch.url, schema ? { schema } : {});
    dbs.push(db);
    apps.push(await createApp({ auditSigning: { key: TEST_AUDIT_KEY }, world: world as AppOptions['world'], db, rateLimitPerMinute: 1_000_000, log: () => {} }));
  }
  return {
    apps,
    dbs,
    call: (i, token, ...route) => callApi(apps[i]!.app, token, ...route),
    close: async () => {
      for (const a of apps) await a.close();
      for (const d of dbs) await d.close();
      await scratch.drop();
    },
  };
}

export type Backend = 'pglite' | 'postgres';

export interface Harness {
  api: AccessApp;
  db: Db;
  /** A contract route, answered without a socket: `h.call('alice-token', ROUTES.grant, { key: 'PS-101' }, {})` (test/support/api-call.ts). */
  call: Caller;
  /** An event stream (`ROUTES.events`, `ROUTES.auditStream`) read in-process as it arrives; Last-Event-ID when `lastEventId` is given. */
  stream(token: string, route: StreamRoute, lastEventId?: string): Promise<EventStream>;
  /** A raw request, for what the contract cannot express on purpose (a wrong method, an unknown or hand-encoded path). */
  req(token: string, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  close(): Promise<void>;
}

/** An open event stream: its answer (`res`, body unread until `until`), then its text so far. */
export interface EventStream {
  res: Response;
  headers: Headers;
  /** Reads until the text received so far matches `re`, and returns it all; throws if the stream ends first. */
  until(re: RegExp): Promise<string>;
  /** Ends the request and cancels the body, as the Node adapter does when the client's socket closes. */
  close(): Promise<void>;
}

/** Opens `route` on an app in-process (see Harness.stream). */
export async function openStream(app: AccessApp['app'], token: string, route: StreamRoute, lastEventId?: string): Promise<EventStream> {
  const ctrl = new AbortController();
  const res = await app.request(pathOf(route), { headers: { authorization: `Bearer ${token}`, ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}) }, signal: ctrl.signal });
  let reader: ReadableStreamDefaultReader<string> | undefined;
  let text = '';
  return {
    res,
    headers: res.headers,
    async until(re) {
      reader ??= res.body!.pipeThrough(new TextDecoderStream()).getReader();
      while (!re.test(text)) {
        const chunk = await reader.read();
        if (chunk.done) throw new Error(`the stream ended before ${re}: ${text.slice(-300)}`);
        text += chunk.value;
      }
      return text;
    },
    async close() {
      ctrl.abort();
      await (reader ? reader.cancel() : res.body?.cancel())?.catch(() => {});
    },
  };
}

export async function harness(
  backend: Backend,
  opts: { rateLimitPerMinute?: number; asksPerHour?: number; world?: World; auditSigning?: AppOptions['auditSigning']; now?: () => string } = {},
): Promise<Harness> {
  let drop: (() => Promise<void>) | undefined;
  let db: Db;
  if (backend === 'postgres') {
    const scratch = await scratchDatabase();
    drop = scratch.drop;
    db = await openPostgres(scratch.url);
  } else db = await openPglite();
  const api = await createApp({
    world: opts.world ?? WORLD,
    db,
    rateLimitPerMinute: opts.rateLimitPerMinute ?? 100_000,
    asksPerHour: opts.asksPerHour,
    log: () => {},
    auditSigning: opts.auditSigning ?? { key: TEST_AUDIT_KEY },
    now: opts.now,
  });
  return {
    api,
    db,
    call: (token: string | null, ...route: RouteCall) => callApi(api.app, token, ...route),
    stream: (token, route, lastEventId) => openStream(api.app, token, route, lastEventId),
    req: (token, method, path, body, headers) => send(api.app, token, method, path, body, headers),
    async close() {
      await api.close();
      await db.close();
      await drop?.();
    },
  };
}
