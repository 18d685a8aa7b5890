// Test world and harness for the Access API: app.request() over real PGlite, or a fresh
// PostgreSQL database per suite when DATABASE_URL is set.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { World } from '../../src/core/index';
import { createApp, type AccessApp, type AppOptions } from '../../src/server/app';
import { openPglite, openPostgres, type Db } from '../../src/server/db/index';

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

export type Backend = 'pglite' | 'postgres';

export interface Harness {
  api: AccessApp;
  db: Db;
  req(token: string, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; type: string; headers: Headers; json: any }>;
  close(): Promise<void>;
}

export async function harness(backend: Backend, opts: { rateLimitPerMinute?: number; world?: World; auditSigning?: AppOptions['auditSigning']; now?: () => string } = {}): Promise<Harness> {
  let drop: (() => Promise<void>) | undefined;
  let db: Db;
  if (backend === 'postgres') {
    const scratch = await scratchDatabase();
    drop = scratch.drop;
    db = await openPostgres(scratch.url);
  } else db = await openPglite();
  const api = await createApp({ world: opts.world ?? WORLD, db, rateLimitPerMinute: opts.rateLimitPerMinute ?? 100_000, log: () => {}, auditSigning: opts.auditSigning, now: opts.now });
  return {
    api,
    db,
    async req(token, method, path, body, headers = {}) {
      const res = await api.app.request(path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = text;
      }
      return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, json };
    },
    async close() {
      await api.close();
      await db.close();
      await drop?.();
    },
  };
}
