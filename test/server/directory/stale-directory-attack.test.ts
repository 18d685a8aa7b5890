// Outside review of 818e5b7 (checks without a per-request directory read; PGlite trusting its own
// NOTIFY announcements): a directory change acknowledged by one API process must be the next
// decision's fact in every process (DESIGN §6), whatever route, credential or path spelling that
// decision comes through. Two apps on one database: PostgreSQL replicas (appsOnOneDatabase), and on
// PGlite two apps on one embedded database (each with its own index, hearing the other's commits
// only through announcements). Each test asserts the promise; a failing one shows a break.
import { fsyncSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROUTES } from '../../../src/api/contract';
import { SCIM_ROUTES } from '../../../src/api/scim-contract';
import { createApp, type AccessApp } from '../../../src/server/app';
import { openPglite, type Db } from '../../../src/server/db/index';
import { recordDirectoryChange } from '../../../src/server/directory/repository';
import { callApi, send } from '../../support/api-call';
import { ADMIN_URL, appsOnOneDatabase, harness, TEST_AUDIT_KEY, WORLD, type Backend, type Harness } from '../helpers';

const backends: Backend[] = ADMIN_URL ? ['pglite', 'postgres'] : ['pglite'];
const read = { ticket: 'PS-101', resource: { type: 'page' } };
const SCIM = 'application/scim+json';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface Two {
  apps: AccessApp[];
  call: (i: number, token: string | null, ...args: unknown[]) => Promise<{ status: number; json: any }>;
  raw: (i: number, token: string, method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

/** Two API processes on one database: PostgreSQL replicas, or two apps on one embedded PGlite. */
async function twoApps(backend: Backend): Promise<Two> {
  let apps: AccessApp[];
  let close: () => Promise<void>;
  if (backend === 'postgres') {
    const both = await appsOnOneDatabase(WORLD);
    apps = both.apps;
    close = both.close;
  } else {
    const db: Db = await openPglite();
    apps = [];
    for (let i = 0; i < 2; i++) apps.push(await createApp({ auditSigning: { key: TEST_AUDIT_KEY }, world: structuredClone(WORLD), db, rateLimitPerMinute: 1_000_000, log: () => {} }));
    close = async () => {
      for (const a of apps) await a.close();
      await db.close();
    };
  }
  return {
    apps,
    call: (i, token, ...args) => (callApi as (...a: unknown[]) => Promise<{ status: number; json: any }>)(apps[i]!.app, token, ...args),
    raw: (i, token, method, path, body, headers) => send(apps[i]!.app, token, method, path, body, headers),
    close,
  };
}

describe.each(backends)('a directory change is the next decision in every process, on %s', (backend) => {
  let two: Two | undefined;
  let h: Harness | undefined;
  afterEach(async () => {
    await two?.close();
    await h?.close();
    two = undefined;
    h = undefined;
  });

  it('a role removal written straight into the database is the next eligibility decision (PGlite: heard, not read)', async () => {
    h = await harness(backend);
    expect((await h.call('bob-token', ROUTES.eligibility, { key: 'PS-101' })).json.allowed).toBe(true);
    await h.db.transaction(async (tx) => {
      await tx.query("DELETE FROM role_assignments WHERE user_id = 'bob'");
      await recordDirectoryChange(tx, new Date().toISOString(), 'directory.role_remove', ['bob'], []);
    });
    expect((await h.call('bob-token', ROUTES.eligibility, { key: 'PS-101' })).json.allowed).toBe(false);
    expect((await h.call('bob-token', ROUTES.grant, { key: 'PS-101' }, {})).status).toBe(403);
  });

  it('a deactivation written in an autocommit statement pair is the next authentication', async () => {
    h = await harness(backend);
    expect((await h.call('bob-token', ROUTES.me)).status).toBe(200);
    await h.db.query("UPDATE people SET active = false WHERE id = 'bob'");
    await h.db.query("INSERT INTO directory_changes (at, kind, people, groups, complete) VALUES (now()::text, 'directory.person_update', ARRAY['bob'], ARRAY[]::text[], true)");
    expect((await h.call('bob-token', ROUTES.me)).status).toBe(401);
  });

  it('a role removed through one process is refused by the other at once (eligibility, grant)', async () => {
    two = await twoApps(backend);
    expect((await two.call(1, 'bob-token', ROUTES.eligibility, { key: 'PS-101' })).json.allowed).toBe(true);
    const roles = await two.call(0, 'alice-token', ROUTES.roleAssignments, { query: { user: 'bob' } });
    for (const r of roles.json.assignments) expect((await two.call(0, 'alice-token', ROUTES.deleteRoleAssignment, { id: r.id })).status).toBe(204);
    expect((await two.call(1, 'bob-token', ROUTES.eligibility, { key: 'PS-101' })).json.allowed).toBe(false);
    expect((await two.call(1, 'bob-token', ROUTES.grant, { key: 'PS-101' }, {})).status).toBe(403);
  });

  it('a person deactivated through SCIM on one process is refused by the other from the next request', async () => {
    two = await twoApps(backend);
    const key = (await two.call(0, 'alice-token', ROUTES.createApiKey, { name: 'Okta', scopes: ['scim'] })).json.secret as string;
    expect((await two.call(1, 'bob-token', ROUTES.me)).status).toBe(200);
    const off = await two.call(
      0,
      key,
      SCIM_ROUTES.scimPatchUser,
      { id: 'bob' },
      { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] },
      { headers: { 'content-type': SCIM } },
    );
    expect(off.status, JSON.stringify(off.json)).toBe(200);
    expect((await two.call(1, 'bob-token', ROUTES.me)).status).toBe(401);
  });

  it("a SCIM key whose maker lost org admin on one process is refused by the other's SCIM at once", async () => {
    two = await twoApps(backend);
    const key = (await two.call(0, 'alice-token', ROUTES.createApiKey, { name: 'Okta', scopes: ['scim'] })).json.secret as string;
    // The other process has served this key (its index is warm), then Olga demotes Alice on the first.
    expect((await two.call(1, key, SCIM_ROUTES.scimUsers)).status).toBe(200);
    const roles = await two.call(0, 'olga-token', ROUTES.roleAssignments, { query: { user: 'alice' } });
    for (const r of roles.json.assignments) expect((await two.call(0, 'olga-token', ROUTES.deleteRoleAssignment, { id: r.id })).status).toBe(204);
    // Refused on the first process (it made the change)…
    expect((await two.call(0, key, SCIM_ROUTES.scimUsers)).status).toBe(401);
    // …and on the second, whose next SCIM decision must see it: the demoted maker's key must not
    // reinstate her (or anyone) through the other replica.
    const again = await two.call(
      1,
      key,
      SCIM_ROUTES.scimPatchUser,
      { id: 'alice' },
      { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'Alice (via stale replica)' }] },
      { headers: { 'content-type': SCIM } },
    );
    expect(again.status).toBe(401);
  });

  it("a site marked pending deletion on one process ends the engineer's access on the other, though it holds a view", async () => {
    two = await twoApps(backend);
    expect((await two.call(1, 'alice-token', ROUTES.grant, { key: 'PS-101' }, {})).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await two.call(1, 'sam-token', ROUTES.checkAccess, read)).json.allowed).toBe(true);
    expect((await two.call(0, 'sam-token', ROUTES.setSiteStatus, { id: 'acme-main' }, { status: 'pending_deletion' })).status).toBe(200);
    expect((await two.call(1, 'sam-token', ROUTES.checkAccess, read)).json.allowed).toBe(false);
  });

  it('a site Guard-restricted on one process ends the access on the other (grant held for Guard)', async () => {
    two = await twoApps(backend);
    expect((await two.call(1, 'alice-token', ROUTES.grant, { key: 'PS-101' }, {})).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await two.call(1, 'sam-token', ROUTES.checkAccess, read)).json.allowed).toBe(true);
    expect((await two.call(0, 'sam-token', ROUTES.setSiteGuard, { id: 'acme-main' }, { restricted: true })).status).toBe(200);
    expect((await two.call(1, 'sam-token', ROUTES.checkAccess, read)).json.allowed).toBe(false);
  });

  it('a reassignment on one process ends the old engineer on the other through an access_check key too', async () => {
    two = await twoApps(backend);
    const key = (await two.call(0, 'alice-token', ROUTES.createApiKey, { name: 'Sam bot', scopes: ['access_check'], engineer: 'sam' })).json.secret as string;
    expect((await two.call(1, 'alice-token', ROUTES.grant, { key: 'PS-101' }, {})).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await two.call(1, key, ROUTES.checkAccess, read)).json.allowed).toBe(true);
    expect((await two.call(0, 'sam-token', ROUTES.assignTicket, { key: 'PS-101' }, { engineer: 'lee' })).status).toBe(200);
    expect((await two.call(1, key, ROUTES.checkAccess, read)).json.allowed).toBe(false);
    expect((await two.call(1, 'sam-token', ROUTES.checkAccess, read)).json.allowed).toBe(false);
  });

  it('no spelling of the check path lets a stale view allow the old engineer', async () => {
    two = await twoApps(backend);
    expect((await two.call(1, 'alice-token', ROUTES.grant, { key: 'PS-101' }, {})).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await two.call(1, 'sam-token', ROUTES.checkAccess, read)).json.allowed).toBe(true);
    expect((await two.call(0, 'sam-token', ROUTES.assignTicket, { key: 'PS-101' }, { engineer: 'lee' })).status).toBe(200);
    for (const path of ['/v1/access/check', '/v1/access/%63heck', '/v1/%61ccess/check', '/v1/access/check/', '/v1/access/check?x=1', '/v1//access/check']) {
      for (const method of ['POST', 'post']) {
        const a = await two.raw(1, 'sam-token', method, path, read);
        expect(a.json?.allowed, `${method} ${path} → ${a.status}`).not.toBe(true);
      }
    }
    // Method override headers change nothing either.
    const over = await two.raw(1, 'sam-token', 'POST', '/v1/access/check', read, { 'x-http-method-override': 'GET' });
    expect(over.json?.allowed).not.toBe(true);
  });

  it("a person's request through any path spelling sees a role removed on the other process", async () => {
    two = await twoApps(backend);
    expect((await two.call(1, 'bob-token', ROUTES.eligibility, { key: 'PS-101' })).json.allowed).toBe(true);
    const roles = await two.call(0, 'alice-token', ROUTES.roleAssignments, { query: { user: 'bob' } });
    for (const r of roles.json.assignments) expect((await two.call(0, 'alice-token', ROUTES.deleteRoleAssignment, { id: r.id })).status).toBe(204);
    for (const path of ['/v1/tickets/PS-101/eligibility', '/v1/tickets/PS-10%31/eligibility', '/v1/tickets/PS-101/%65ligibility']) {
      for (const method of ['GET', 'HEAD']) {
        const a = await two.raw(1, 'bob-token', method, path, undefined, { 'x-http-method-override': 'POST' });
        if (method === 'GET' && a.status === 200) expect(a.json.allowed, path).toBe(false);
      }
    }
    // A grant posted with the engineer-check shape of path tricks is still decided on the new directory.
    for (const path of ['/v1/tickets/PS-101/grants', '/v1/tickets/PS-10%31/grants']) {
      const g = await two.raw(1, 'bob-token', 'POST', path, {});
      expect(g.status, path).not.toBe(201);
    }
  });
});

describe('a directory change whose sync fails (PGlite with a data folder: its announcement is suppressed)', () => {
  it('nothing is decided on either side of it until a restart, and after the restart the stored directory decides', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ac-dir-fsync-')), 'data');
    let disk: 'ok' | 'failing' = 'ok';
    const fsync = (fd: number) => {
      if (disk === 'failing') throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO', errno: -5, syscall: 'fsync' });
      fsyncSync(fd);
    };
    const db = await openPglite(dir, { fsync });
    const api = await createApp({ auditSigning: { key: TEST_AUDIT_KEY }, world: structuredClone(WORLD), db, log: () => {}, rateLimitPerMinute: 100_000 });
    expect((await callApi(api.app, 'alice-token', ROUTES.grant, { key: 'PS-101' }, {})).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await callApi(api.app, 'sam-token', ROUTES.checkAccess, read)).json.allowed).toBe(true);
    disk = 'failing';
    expect((await callApi(api.app, 'sam-token', ROUTES.setSiteStatus, { id: 'acme-main' }, { status: 'pending_deletion' })).status).toBe(503);
    disk = 'ok';
    // The batcher holds a view and the index never heard the change: no check may be answered.
    const check = await callApi(api.app, 'sam-token', ROUTES.checkAccess, read);
    expect(check.status).toBe(503);
    expect(check.json.allowed).toBeUndefined();
    expect((await callApi(api.app, 'bob-token', ROUTES.eligibility, { key: 'PS-101' })).status).toBe(503);
    await api.close();
    await db.close();

    const again = await openPglite(dir);
    const restarted = await createApp({ auditSigning: { key: TEST_AUDIT_KEY }, world: structuredClone(WORLD), db: again, log: () => {}, rateLimitPerMinute: 100_000 });
    try {
      const stored = (await again.query<{ status: string }>("SELECT status FROM dir_sites WHERE id = 'acme-main'"))[0]!.status;
      const after = await callApi(restarted.app, 'sam-token', ROUTES.checkAccess, read);
      expect(after.status).toBe(200);
      expect(after.json.allowed).toBe(stored === 'active');
    } finally {
      await restarted.close();
      await again.close();
    }
  });
});
