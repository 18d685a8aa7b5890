// Shared pieces of the load and fault tests: a small world shaped for them, the API as a real
// process (bench/server/spawn-api), a JSON client and a raw SSE reader.
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RoleAssignment, Ticket, User, World } from '../../src/core/index';
import { ROUTES } from '../../src/api/contract';
import { callApi, pathOf, type Answer, type StreamRoute } from '../support/api-call';

export { spawnApi, type RunningApi } from '../../bench/server/spawn-api';

/**
 * Two active unrestricted sites (a, b) and one Guard-restricted site (g); `orgAdmins` org admins,
 * `siteAdmins` user-access admins split between a and b, `guardAdmins` Guard admins; `tickets`
 * open tickets per site, all Confluence, each with its own engineer.
 */
export function loadWorld(o: { orgAdmins: number; siteAdmins: number; guardAdmins?: number; tickets: number }): World {
  const sites = ['site-a', 'site-b', 'site-g'];
  const users: User[] = [];
  const roles: RoleAssignment[] = [];
  const user = (id: string) => users.push({ id, name: `User ${id}`, email: `${id}@load.test`, emailVerified: true, sites: ['site-a', 'site-b'], token: `${id}-token` });
  for (let i = 0; i < o.orgAdmins; i++) {
    user(`org-${i}`);
    roles.push({ user: `org-${i}`, role: 'org_admin' });
  }
  for (let i = 0; i < o.siteAdmins; i++) {
    user(`sa-${i}`);
    roles.push({ user: `sa-${i}`, role: 'user_access_admin', site: i % 2 === 0 ? 'site-a' : 'site-b' });
  }
  for (let i = 0; i < (o.guardAdmins ?? 0); i++) {
    user(`guard-${i}`);
    roles.push({ user: `guard-${i}`, role: 'guard_admin' });
  }
  user('member');
  const tickets: Ticket[] = [];
  const engineers = [];
  for (const site of sites) {
    for (let i = 0; i < o.tickets; i++) {
      const key = `LT${site.slice(-1).toUpperCase()}-${i}`;
      engineers.push({ id: `eng-${key}`, email: `eng-${key}@vendor.test`, token: `eng-${key}-token` });
      tickets.push({ key, title: `Load ${key}`, site, product: 'confluence', reporter: 'member', engineer: `eng-${key}`, status: 'open', dataAccessRequested: true });
    }
  }
  return {
    organization: { id: 'load', name: 'Load Org', userManagement: 'centralized', guard: { restrictedSites: ['site-g'] } },
    sites: sites.map((id) => ({ id, url: `https://${id}.example.test`, status: 'active' as const })),
    products: sites.flatMap((site) => ['jira', 'confluence'].map((key) => ({ site, key, licensed: true, defaultGroup: `${key}-users`, billableSeats: 10 }))),
    users,
    roles,
    engineers,
    tickets,
  };
}

export function writeWorld(world: World): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ac-load-')), 'world.json');
  writeFileSync(file, JSON.stringify(world));
  return file;
}

export interface AuditEntry {
  id: string;
  actor: string;
  action: string;
  ticket: string | null;
  outcome: string;
  resource: { type?: string; id?: string } | null;
}

/** The whole audit log as an org admin reads it over the API, every page, checked for shape; `filter` narrows it (`{ ticket }`, `{ actor }`). */
export async function auditLog(base: string, token: string, filter: { ticket?: string; actor?: string } = {}): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  let cursor: string | null = null;
  do {
    const a: Answer = await callApi(base, token, ROUTES.audit, { query: { limit: 500, ...filter, ...(cursor ? { cursor } : {}) } });
    if (a.status !== 200 || !a.type.includes('application/json') || !Array.isArray(a.json?.entries)) throw new Error(`audit answered ${a.status} ${a.type}: ${JSON.stringify(a.json).slice(0, 200)}`);
    for (const e of a.json.entries) {
      if (typeof e.action !== 'string' || typeof e.actor !== 'string' || typeof e.outcome !== 'string') throw new Error(`audit entry without action/actor/outcome: ${JSON.stringify(e)}`);
      out.push(e);
    }
    cursor = a.json.nextCursor;
  } while (cursor);
  return out;
}

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** One SSE subscription on its own socket (resuming after `lastEventId` when given); collects every event until closed. */
export function subscribe(base: string, route: StreamRoute, token: string, onEvent?: (e: SseEvent) => void, lastEventId?: string): { events: SseEvent[]; ready: Promise<void>; close(): void } {
  const events: SseEvent[] = [];
  const path = pathOf(route);
  const u = new URL(base + path);
  let resolveReady!: () => void;
  let rejectReady!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  const req = http.request(
    {
      host: u.hostname,
      port: u.port,
      path: u.pathname + u.search,
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) },
      agent: false,
    },
    (res) => {
      if (res.statusCode !== 200) {
        rejectReady(new Error(`SSE ${path} answered ${res.statusCode}`));
        res.resume();
        return;
      }
      resolveReady();
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.search(/\r?\n\r?\n/)) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(buf[i] === '\r' ? i + 4 : i + 2);
          const e: SseEvent = { data: '' };
          const data: string[] = [];
          for (const line of block.split(/\r?\n/)) {
            if (line.startsWith(':')) continue;
            const [k, ...rest] = line.split(':');
            const v = rest.join(':').replace(/^ /, '');
            if (k === 'id') e.id = v;
            else if (k === 'event') e.event = v;
            else if (k === 'data') data.push(v);
          }
          if (data.length === 0 && !e.event) continue;
          e.data = data.join('\n');
          events.push(e);
          onEvent?.(e);
        }
      });
    },
  );
  req.on('error', (e) => rejectReady(e));
  req.end();
  return { events, ready, close: () => req.destroy() };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
