// Machine callers on scoped keys (DESIGN §6): org admins make, list and delete keys; the secret is
// shown once and stored only as its SHA-256; scopes are enforced per route; an access_check key
// checks as the engineer it was bound to; every use is attributed to the key in the audit trail
// (and the chain still verifies); expired, deleted and made-up keys are 401s and meet the brake.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type AccessApp } from '../../../src/server/app';
import { verifyAuditTrail } from '../../../src/server/audit/verify';
import { openPglite, openPostgres, type Db } from '../../../src/server/db/index';
import { API_KEYS_MAX } from '../../../src/api/vocabulary';
import { ADMIN_URL, scratchDatabase, WORLD, TEST_AUDIT_KEY } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi, describeCall, type Caller, type RouteCall } from '../../support/api-call';
import { SCIM_ROUTES } from '../../../src/api/scim-contract';

const PROBLEM = 'application/problem+json';
const HOUR = 3_600_000;

let opened: Array<{ api: AccessApp; db: Db }> = [];
let drops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const { api, db } of opened) {
    await api.close();
    await db.close();
  }
  for (const d of drops) await d();
  opened = [];
  drops = [];
});

type Backend = 'pglite' | 'postgres';
let backend: Backend = 'pglite';

/** An API on the suite's backend (or the given db) with a clock the test moves. */
async function start(db?: Db, clock = { ms: Date.parse('2026-12-07T09:00:00.000Z') }) {
  let d = db;
  if (!d && backend === 'postgres') {
    const scratch = await scratchDatabase();
    drops.push(scratch.drop);
    d = await openPostgres(scratch.url);
  }
  d ??= await openPglite();
  const api = await createApp({ auditSigning: { key: TEST_AUDIT_KEY }, world: WORLD, db: d, log: () => {}, rateLimitPerMinute: 100_000, now: () => new Date(clock.ms).toISOString() });
  opened.push({ api, db: d });
  /** The app, as if requests came over a socket from `peer` when one is named. */
  const over = (peer?: string) => ({ request: (path: string, init: RequestInit) => api.app.request(path, init, peer ? { incoming: { socket: { remoteAddress: peer } } } : undefined) });
  /** Calls a contract route on this API; `from(peer)`'s calls come from that address. */
  const from =
    (peer?: string): Caller =>
    (token: string | null, ...call: RouteCall) =>
      callApi(over(peer), token, ...call);
  return { api, db: d, call: from(), from, clock };
}
type Api = Awaited<ReturnType<typeof start>>;

const check = (ticket = 'PS-101') => ({ ticket, resource: { type: 'work_item', id: ticket } });
const makeKey = async (a: Api, body: Record<string, unknown>, token = 'alice-token') => {
  const r = await a.call(token, ROUTES.createApiKey, body);
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json as { id: string; secret: string; name: string; scopes: string[]; engineer: string | null };
};
const auditRows = async (a: Api) => (await a.call('alice-token', ROUTES.audit, { query: { limit: 500 } })).json.entries as any[];

for (const b of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(b === 'postgres' && !ADMIN_URL)(`API keys on ${b}`, () => {
    beforeEach(() => {
      backend = b;
    });
    describe('made, listed and deleted by org admins', () => {
      it('shows the secret once, lists keys without it, and stores only its SHA-256', async () => {
        const a = await start();
        const made = await makeKey(a, { name: 'SIEM export', scopes: ['audit_read'] });
        expect(made.secret).toMatch(/^acak_[A-Za-z0-9_-]{43}$/);
        // 43 base64url characters after the prefix: 258 bits written, 256 of them random.
        expect(Buffer.from(made.secret.slice(5), 'base64url')).toHaveLength(32);
        const again = await makeKey(a, { name: 'SIEM export 2', scopes: ['audit_read'] });
        expect(again.secret).not.toBe(made.secret);

        const list = await a.call('alice-token', ROUTES.apiKeys);
        expect(list.status).toBe(200);
        expect(list.text).not.toContain(made.secret);
        expect(list.text).not.toContain(made.secret.slice(5, 25));
        const listed = list.json.keys.find((k: any) => k.id === made.id);
        expect(listed).toMatchObject({ name: 'SIEM export', scopes: ['audit_read'], engineer: null, createdBy: 'alice', createdByName: 'Alice Ng', expiresAt: null, lastUsedAt: null });
        expect(listed).not.toHaveProperty('secret');
        expect(list.json.engineers.map((e: any) => e.id)).toEqual(['sam', 'lee']);

        // The database holds the hash, never the secret, in any column of any table we write.
        const [row] = await a.db.query<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = $1', [made.id]);
        expect(row!.secret_hash).toBe(createHash('sha256').update(made.secret).digest('hex'));
        for (const table of ['api_keys', 'audit', 'idempotency', 'events']) {
          const dump = JSON.stringify(await a.db.query(`SELECT * FROM ${table}`));
          expect(dump, table).not.toContain(made.secret.slice(5));
        }
      });

      it('ignores Idempotency-Key on create, so no stored answer keeps a copy of the secret', async () => {
        const a = await start();
        const headers = { 'idempotency-key': 'make-siem-key' };
        const one = await a.call('alice-token', ROUTES.createApiKey, { name: 'k', scopes: ['audit_read'] }, { headers });
        const two = await a.call('alice-token', ROUTES.createApiKey, { name: 'k', scopes: ['audit_read'] }, { headers });
        expect([one.status, two.status]).toEqual([201, 201]);
        expect(two.json.id).not.toBe(one.json.id);
        expect(two.headers.get('idempotent-replayed')).toBeNull();
        expect(one.headers.get('cache-control')).toBe('no-store');
        expect(JSON.stringify(await a.db.query('SELECT * FROM idempotency'))).not.toContain(one.json.secret.slice(5));
      });

      it("acts on its maker's authority: refused once the maker is no longer an org admin, and once they are deactivated", async () => {
        const a = await start();
        const byAlice = await makeKey(a, { name: 'SIEM export', scopes: ['audit_read'] });
        const byOlga = await makeKey(a, { name: 'Okta provisioning', scopes: ['scim'] }, 'olga-token');
        expect((await a.call(byAlice.secret, ROUTES.audit, { query: { limit: 1 } })).status).toBe(200);
        // Olga takes Alice's org admin role away: Alice's key stops at its next use; Olga's still works.
        const roles = (await a.call('olga-token', ROUTES.roleAssignments, { query: { user: 'alice' } })).json.assignments as { id: string; role: string }[];
        const orgAdmin = roles.find((r) => r.role === 'org_admin');
        expect(orgAdmin).toBeDefined();
        expect((await a.call('olga-token', ROUTES.deleteRoleAssignment, { id: orgAdmin!.id })).status).toBe(204);
        expect((await a.call(byAlice.secret, ROUTES.audit, { query: { limit: 1 } })).status).toBe(401);
        expect((await a.call(byOlga.secret, SCIM_ROUTES.scimUsers, { query: { count: 1 } })).status).toBe(200);
        // Olga deactivated (by her own SCIM key, say): her key cannot reinstate her, it is refused from then on.
        expect(
          (
            await a.call(
              byOlga.secret,
              SCIM_ROUTES.scimPatchUser,
              { id: 'olga' },
              { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] },
            )
          ).status,
        ).toBe(200);
        expect(
          (
            await a.call(
              byOlga.secret,
              SCIM_ROUTES.scimPatchUser,
              { id: 'olga' },
              { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: true } }] },
            )
          ).status,
        ).toBe(401);
      });

      it('refuses everyone but org admins, and keys themselves (403 problem)', async () => {
        const a = await start();
        const key = await makeKey(a, { name: 'audit', scopes: ['audit_read'] });
        for (const token of ['bob-token', 'gus-token', 'sam-token', key.secret]) {
          const made = await a.call(token, ROUTES.createApiKey, { name: 'x', scopes: ['audit_read'] });
          expect(made.status, token).toBe(403);
          expect(made.type).toContain(PROBLEM);
          expect((await a.call(token, ROUTES.apiKeys)).status, token).toBe(403);
          expect((await a.call(token, ROUTES.deleteApiKey, { id: key.id })).status, token).toBe(403);
        }
        expect((await a.call('olga-token', ROUTES.apiKeys)).json.keys).toHaveLength(1);
        expect((await a.call('nobody-token', ROUTES.apiKeys)).status).toBe(401);
      });

      it.each([
        ['no name', { scopes: ['audit_read'] }, 400],
        ['a blank name', { name: '   ', scopes: ['audit_read'] }, 400],
        ['no scopes', { name: 'k', scopes: [] }, 400],
        ['an unknown scope', { name: 'k', scopes: ['admin'] }, 400],
        ['a repeated scope', { name: 'k', scopes: ['audit_read', 'audit_read'] }, 400],
        ['an unknown field', { name: 'k', scopes: ['audit_read'], owner: 'me' }, 400],
        ['an expiry that is not ISO 8601', { name: 'k', scopes: ['audit_read'], expiresAt: 'next tuesday' }, 400],
        ['an expiry without its offset', { name: 'k', scopes: ['audit_read'], expiresAt: '2027-01-01T00:00:00' }, 400],
        ['an expiry in the past', { name: 'k', scopes: ['audit_read'], expiresAt: '2026-12-07T08:59:59Z' }, 422],
        ['an expiry of now', { name: 'k', scopes: ['audit_read'], expiresAt: '2026-12-07T09:00:00Z' }, 422],
        ['access_check without an engineer', { name: 'k', scopes: ['access_check'] }, 422],
        ['an engineer who does not exist', { name: 'k', scopes: ['access_check'], engineer: 'mallory' }, 422],
        ['an admin as the engineer', { name: 'k', scopes: ['access_check'], engineer: 'alice' }, 422],
        ['an engineer without access_check', { name: 'k', scopes: ['audit_read'], engineer: 'sam' }, 422],
      ])('refuses %s as a problem (400 or 422), makes nothing, and records the refusal', async (_what, body, status) => {
        const a = await start();
        const r = await a.call('alice-token', ROUTES.createApiKey, body);
        expect(r.status, JSON.stringify(r.json)).toBe(status);
        expect(r.type).toContain(PROBLEM);
        expect(r.json.detail).toBeTruthy();
        expect(await a.db.query('SELECT id FROM api_keys')).toHaveLength(0);
        const refused = (await auditRows(a)).filter((row) => row.action === 'api_key.create');
        expect(refused).toHaveLength(1);
        expect(refused[0]).toMatchObject({ actor: 'alice', outcome: 'refused' });
      });

      it(`refuses a key past the org's ${API_KEYS_MAX} (422 problem)`, async () => {
        const a = await start();
        await a.db.query(
          `INSERT INTO api_keys (id, name, scopes, secret_hash, created_at, created_by) SELECT 'key_' || i, 'k' || i, '{audit_read}', md5(i::text), '2026-12-07T09:00:00.000Z', 'alice' FROM generate_series(1, ${API_KEYS_MAX}) AS i`,
        );
        const r = await a.call('alice-token', ROUTES.createApiKey, { name: 'one too many', scopes: ['audit_read'] });
        expect(r.status).toBe(422);
        expect(r.json.code).toBe('too_many_keys');
        expect((await a.call('alice-token', ROUTES.deleteApiKey, { id: 'key_1' })).status).toBe(204);
        expect((await a.call('alice-token', ROUTES.createApiKey, { name: 'now fits', scopes: ['audit_read'] })).status).toBe(201);
      });

      it('deleting an unknown key is a 404 problem', async () => {
        const a = await start();
        const r = await a.call('alice-token', ROUTES.deleteApiKey, { id: 'key_nope' });
        expect(r.status).toBe(404);
        expect(r.type).toContain(PROBLEM);
      });
    });

    describe('in use', () => {
      it('an access_check key checks as its engineer, and its rows name the key; the chain still verifies', async () => {
        const a = await start();
        const key = await makeKey(a, { name: 'Support tooling', scopes: ['access_check'], engineer: 'sam' });
        // Sam's ticket with an active grant: allowed, as for Sam's own token.
        expect((await a.call('alice-token', ROUTES.grant, { key: 'PS-100' }, {})).status).toBe(201);
        const allowed = await a.call(key.secret, ROUTES.checkAccess, check('PS-100'));
        expect(allowed.status, JSON.stringify(allowed.json)).toBe(200);
        expect(allowed.json.allowed).toBe(true);
        // Lee's ticket: the key is Sam, so it is refused.
        const other = await a.call(key.secret, ROUTES.checkAccess, check('EU-1'));
        expect(other.status).toBe(200);
        expect(other.json.allowed).toBe(false);
        // A non-string action is a 400, recorded as a refusal by the key.
        expect((await a.call(key.secret, ROUTES.checkAccess, { ...check('PS-100'), action: 5 })).status).toBe(400);

        const rows = (await auditRows(a)).filter((r) => r.action === 'access.check');
        expect(rows).toHaveLength(3);
        for (const r of rows) {
          expect(r).toMatchObject({ actor: key.id, actorKind: 'key', actorName: 'API key “Support tooling”' });
          expect(r.detail).toMatchObject({ keyName: 'Support tooling', engineer: 'sam' });
        }
        expect(rows.map((r) => r.outcome).sort()).toEqual(['allowed', 'refused', 'refused']);
        // Sam's own token is still Sam's personal token, attributed to Sam.
        expect((await a.call('sam-token', ROUTES.checkAccess, check('PS-100'))).json.allowed).toBe(true);
        expect((await auditRows(a))[0]).toMatchObject({ actor: 'sam', actorKind: 'engineer', action: 'access.check' });

        // Support's activity on the ticket (and the "Support actors" filter) shows what the key did.
        const activity = (await a.call('alice-token', ROUTES.activity, { key: 'PS-100' })).json.entries;
        expect(activity.filter((r: any) => r.actorKind === 'key').map((r: any) => r.actorName)).toEqual(['API key “Support tooling”', 'API key “Support tooling”']);
        const support = (await a.call('alice-token', ROUTES.audit, { query: { actor: 'support' } })).json.entries;
        expect(support.filter((r: any) => r.actor === key.id)).toHaveLength(3);

        expect(await verifyAuditTrail(a.db)).toMatchObject({ ok: true });
        expect(await verifyAuditTrail(a.db, {})).toMatchObject({ ok: true });
        expect((await a.call('alice-token', ROUTES.verifyAudit)).json).toMatchObject({ ok: true });
      });

      it('creation and deletion are audited by the admin, without the secret', async () => {
        const a = await start();
        const key = await makeKey(a, { name: 'Nightly SIEM', scopes: ['audit_read', 'scim'], expiresAt: '2027-06-01T00:00:00+02:00' });
        expect((await a.call('olga-token', ROUTES.deleteApiKey, { id: key.id })).status).toBe(204);
        const rows = (await auditRows(a)).filter((r) => r.action.startsWith('api_key.'));
        expect(rows.map((r) => [r.action, r.actor, r.outcome])).toEqual([
          ['api_key.delete', 'olga', 'done'],
          ['api_key.create', 'alice', 'done'],
        ]);
        expect(rows[1].resource).toEqual({ type: 'api_key', id: key.id, name: 'Nightly SIEM' });
        expect(rows[1].detail).toEqual({ scopes: ['audit_read', 'scim'], engineer: null, expiresAt: '2027-05-31T22:00:00.000Z' });
        expect(JSON.stringify(rows)).not.toContain(key.secret.slice(5));
      });

      it('enforces scopes per route (403 problem, the refusal on record against the key)', async () => {
        const a = await start();
        const audit = await makeKey(a, { name: 'SIEM', scopes: ['audit_read'] });
        const checker = await makeKey(a, { name: 'tooling', scopes: ['access_check'], engineer: 'sam' });
        const scim = await makeKey(a, { name: 'IdP', scopes: ['scim'] });

        for (const route of [ROUTES.audit, ROUTES.verifyAudit, ROUTES.auditCheckpoints]) expect((await a.call(audit.secret, route)).status, route.path).toBe(200);
        // Every API has a signing key now (issue 20): the public key route answers, past the scope check.
        expect((await a.call(audit.secret, ROUTES.auditPublicKey)).status).toBe(200);

        const outside: Array<[string, RouteCall]> = [
          [audit.secret, [ROUTES.checkAccess, check()]],
          [audit.secret, [ROUTES.me]],
          [audit.secret, [ROUTES.grants]],
          [audit.secret, [ROUTES.events]],
          [checker.secret, [ROUTES.audit]],
          [checker.secret, [ROUTES.auditStream]],
          [checker.secret, [ROUTES.ticket, { key: 'PS-101' }]],
          [checker.secret, [ROUTES.closeTicket, { key: 'PS-101' }, {}]],
          [checker.secret, [ROUTES.requestAccess, { key: 'PS-101' }, {}]],
          [scim.secret, [ROUTES.audit]],
          [scim.secret, [ROUTES.checkAccess, check()]],
        ];
        for (const [secret, call] of outside) {
          const r = await a.call(secret, ...call);
          expect(r.status, describeCall(...call)).toBe(403);
          expect(r.type).toContain(PROBLEM);
          expect(r.json.code).toBe('key_scope');
        }
        const refusals = (await auditRows(a)).filter((r) => r.outcome === 'refused');
        // The refused writes (not the reads) are on record, each against the key that tried.
        expect(refusals.map((r) => [r.actor, r.actorKind, r.detail.keyName, r.detail.code])).toEqual([
          [scim.id, 'key', 'IdP', 'key_scope'],
          [checker.id, 'key', 'tooling', 'key_scope'],
          [checker.id, 'key', 'tooling', 'key_scope'],
          [audit.id, 'key', 'SIEM', 'key_scope'],
        ]);
      });

      it('a deleted key is refused (401 problem) from its next use', async () => {
        const a = await start();
        const key = await makeKey(a, { name: 'SIEM', scopes: ['audit_read'] });
        expect((await a.call(key.secret, ROUTES.audit)).status).toBe(200);
        expect((await a.call('alice-token', ROUTES.deleteApiKey, { id: key.id })).status).toBe(204);
        const after = await a.call(key.secret, ROUTES.audit);
        expect(after.status).toBe(401);
        expect(after.type).toContain(PROBLEM);
        expect(after.headers.get('www-authenticate')).toContain('Bearer');
        expect((await a.call('alice-token', ROUTES.apiKeys)).json.keys).toEqual([]);
        expect((await a.call('alice-token', ROUTES.deleteApiKey, { id: key.id })).status).toBe(404);
      });

      it('an expired key is refused (401) from the moment it expires', async () => {
        const a = await start();
        const key = await makeKey(a, { name: 'short', scopes: ['audit_read'], expiresAt: new Date(a.clock.ms + HOUR).toISOString() });
        expect((await a.call(key.secret, ROUTES.audit)).status).toBe(200);
        a.clock.ms += HOUR - 1;
        expect((await a.call(key.secret, ROUTES.audit)).status).toBe(200);
        a.clock.ms += 1;
        expect((await a.call(key.secret, ROUTES.audit)).status).toBe(401);
        // Still listed (the admin sees it expired) until deleted.
        expect((await a.call('alice-token', ROUTES.apiKeys)).json.keys[0].expiresAt).toBe(new Date(a.clock.ms).toISOString());
      });

      it('a key whose engineer left the directory (a restart on a new world file) is refused with 403, not run as nobody', async () => {
        const a = await start();
        const key = await makeKey(a, { name: 'tooling', scopes: ['access_check'], engineer: 'lee' });
        expect((await a.call(key.secret, ROUTES.checkAccess, check('EU-1'))).status).toBe(200);
        await a.api.close();
        opened = opened.filter((o) => o.api !== a.api);
        const withoutLee = { ...WORLD, engineers: WORLD.engineers.filter((e) => e.id !== 'lee'), tickets: WORLD.tickets.filter((t) => t.engineer !== 'lee') };
        const b = await createApp({ auditSigning: { key: TEST_AUDIT_KEY }, world: withoutLee, db: a.db, log: () => {}, rateLimitPerMinute: 100_000 });
        opened.push({ api: b, db: a.db });
        const r = await callApi(b.app, key.secret, ROUTES.checkAccess, check('PS-101'));
        expect(r.status).toBe(403);
        expect(r.json.code).toBe('key_engineer_gone');
      });

      it('records the last use at most once a minute', async () => {
        const a = await start();
        const key = await makeKey(a, { name: 'SIEM', scopes: ['audit_read'] });
        const lastUsed = async () => (await a.call('alice-token', ROUTES.apiKeys)).json.keys[0].lastUsedAt;
        const first = new Date(a.clock.ms).toISOString();
        await a.call(key.secret, ROUTES.audit);
        expect(await lastUsed()).toBe(first);
        a.clock.ms += 59_000;
        await a.call(key.secret, ROUTES.audit);
        expect(await lastUsed()).toBe(first);
        a.clock.ms += 1_000;
        await a.call(key.secret, ROUTES.audit);
        expect(await lastUsed()).toBe(new Date(a.clock.ms).toISOString());
      });

      it('made-up, deleted and expired keys meet the failed-authentication brake like bad tokens', async () => {
        const a = await start();
        const peer = '203.0.113.50';
        const deleted = await makeKey(a, { name: 'old', scopes: ['audit_read'] });
        await a.call('alice-token', ROUTES.deleteApiKey, { id: deleted.id });
        const guesses = [deleted.secret, ...Array.from({ length: 19 }, (_, i) => `acak_${String(i).padStart(43, 'x')}`)];
        for (const g of guesses) expect((await a.from(peer)(g, ROUTES.audit)).status).toBe(401);
        const braked = await a.from(peer)(`acak_${'y'.repeat(43)}`, ROUTES.audit);
        expect(braked.status).toBe(429);
        expect(braked.type).toContain(PROBLEM);
        expect(Number(braked.headers.get('retry-after'))).toBeGreaterThan(0);
        // A valid key from that address is never braked.
        const live = await makeKey(a, { name: 'live', scopes: ['audit_read'] });
        expect((await a.from(peer)(live.secret, ROUTES.audit)).status).toBe(200);
      });
    });
  });
}

describe.skipIf(!ADMIN_URL)('API keys across API processes on one PostgreSQL', () => {
  it('a key deleted through one process is refused by the other on its next use', async () => {
    const scratch = await scratchDatabase();
    drops.push(scratch.drop);
    const one = await start(await openPostgres(scratch.url));
    const two = await start(await openPostgres(scratch.url));
    const key = await makeKey(one, { name: 'tooling', scopes: ['access_check'], engineer: 'sam' });
    expect((await two.call(key.secret, ROUTES.checkAccess, check())).status).toBe(200);
    expect((await one.call('alice-token', ROUTES.deleteApiKey, { id: key.id })).status).toBe(204);
    expect((await two.call(key.secret, ROUTES.checkAccess, check())).status).toBe(401);
    expect((await one.call(key.secret, ROUTES.checkAccess, check())).status).toBe(401);
    expect(await verifyAuditTrail(one.db)).toMatchObject({ ok: true });
  });
});
