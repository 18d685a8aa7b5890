// Where pending access requests come from besides the API: the world file's seeds (once, checked
// by the same policy) and rows written before person keys existed (backfilled at start, legacy
// duplicates kept but decided together). And a hostile caller cannot grow the per-person lock table.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/server/app';
import { backfillAccessRequestKeys } from '../../../src/server/access-requests/repository';
import { openPglite } from '../../../src/server/db/index';
import { readFileSync } from 'node:fs';
import { harness, TEST_AUDIT_KEY, WORLD, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

describe('access requests: seeds, legacy rows, hostile input (PGlite)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const seeded = {
    ...WORLD,
    accessRequests: [
      { id: 'seed-nora', site: 'acme-main', product: 'jira', requestedBy: 'nora' },
      { id: 'seed-new', site: 'acme-main', product: 'jira', requestedBy: 'bob', for: { email: 'New.Person@acme.test' } },
    ],
  };

  it('world seeds start pending once: a decided seed is not seeded again on the next start', async () => {
    h = await harness('pglite', { world: seeded });
    const list = (await h.call('alice-token', ROUTES.accessRequests)).json.requests;
    expect(list.map((r: { id: string; kind: string }) => [r.id, r.kind]).sort()).toEqual([
      ['ar_seed-new', 'new_person'],
      ['ar_seed-nora', 'self_off_site'],
    ]);
    expect((await h.call('alice-token', ROUTES.denyAccessRequest, { id: 'ar_seed-nora' }, {})).status).toBe(200);
    const again = await createApp({ auditSigning: { key: TEST_AUDIT_KEY }, world: seeded, db: h.db, log: () => {} });
    const states = await h.db.query<{ id: string; state: string }>('SELECT id, state FROM access_requests ORDER BY id');
    expect(states).toEqual([
      { id: 'ar_seed-new', state: 'pending' },
      { id: 'ar_seed-nora', state: 'denied' },
    ]);
    await again.close();
  });

  it('a seed the policy refuses stops the start, naming the entry', async () => {
    const db = await openPglite();
    const bad = {
      ...WORLD,
      users: WORLD.users.map((u) => (u.id === 'nora' ? { ...u, emailVerified: false } : u)),
      accessRequests: [{ id: 'x', site: 'acme-main', product: 'jira', requestedBy: 'nora' }],
    };
    await expect(createApp({ world: bad, db, log: () => {} })).rejects.toThrow(/^accessRequests\[0\] \("x"\): Verify your email/);
    await db.close();
  });

  it('rows from before person keys get them at start; a legacy pending duplicate is decided with the first', async () => {
    h = await harness('pglite');
    const body = (id: string) =>
      JSON.stringify({
        id,
        site: 'acme-main',
        product: 'jira',
        requestedBy: 'bob',
        for: { email: 'Legacy@X.test ' },
        self: false,
        requesterOnSite: true,
        state: 'pending',
        createdAt: '2026-01-01T00:00:00.000Z',
        version: 1,
      });
    for (const id of ['ar_old1', 'ar_old2']) {
      await h.db.query("INSERT INTO access_requests (id, site, product, state, version, body) VALUES ($1, 'acme-main', 'jira', 'pending', 1, $2)", [id, body(id)]);
    }
    await backfillAccessRequestKeys(h.db, h.api.ctx.ix);
    const rows = await h.db.query<{ id: string; person_key: string; duplicate_of: string | null }>('SELECT id, person_key, duplicate_of FROM access_requests ORDER BY id');
    expect(rows).toEqual([
      { id: 'ar_old1', person_key: 'legacy@x.test', duplicate_of: null },
      { id: 'ar_old2', person_key: 'legacy@x.test', duplicate_of: 'ar_old1' },
    ]);
    // Asking again is the first request, not a third.
    const again = await h.call('bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira', for: { email: 'legacy@x.test' } });
    expect([again.status, again.json.id]).toEqual([200, 'ar_old1']);
    expect((await h.call('alice-token', ROUTES.approveAccessRequest, { id: 'ar_old1' }, {})).status).toBe(200);
    expect((await h.call('alice-token', ROUTES.accessRequest, { id: 'ar_old2' })).json).toMatchObject({ state: 'approved', decidedWith: 'ar_old1' });
    const seats = await h.db.query<{ billable: number }>("SELECT billable FROM seats WHERE site = 'acme-main' AND product = 'jira'");
    expect(Number(seats[0]!.billable)).toBe(42);
  });

  it('refused asks for unknown products, users or malformed emails leave no lock rows behind', async () => {
    h = await harness('pglite');
    const asks = [
      { site: 'acme-main', product: 'nope' },
      { site: 'nowhere', product: 'jira' },
      { site: 'acme-main', product: 'jira', for: { userId: 'ghost' } },
      { site: 'acme-main', product: 'jira', for: { email: 'not an email' } },
    ];
    for (const a of asks) expect((await h.call('bob-token', ROUTES.requestProductAccess, a)).status).toBeGreaterThanOrEqual(400);
    expect(await h.db.query('SELECT * FROM access_request_people')).toEqual([]);
  });

  it('original org: a site admin reviews the requests of every site they administer, aggregated, and no other', async () => {
    const world = JSON.parse(readFileSync(new URL('../../../fixtures/original-world.json', import.meta.url), 'utf8'));
    world.roles.push({ user: 'sid', role: 'site_admin', site: 'globex-old' });
    world.users.find((u: { id: string }) => u.id === 'max').sites.push('globex-apac', 'globex-old');
    h = await harness('pglite', { world });
    const ask = async (site: string) => (await h!.call('max-token', ROUTES.requestProductAccess, { site, product: 'jira' })).json.id as string;
    const [main, apac, old] = [await ask('globex-main'), await ask('globex-apac'), await ask('globex-old')];
    const listed = async (token: string) => (await h!.call(token, ROUTES.accessRequests)).json.requests.map((r: { id: string }) => r.id).sort();
    expect(await listed('sid-token')).toEqual([main, old].sort());
    expect(await listed('olga-token')).toEqual([main, apac, old].sort());
    // Sara's site-admin role waits on a SCIM sync: not in effect, so she reviews nothing yet.
    expect(await listed('sara-token')).toEqual([]);
    expect((await h.call('sid-token', ROUTES.approveAccessRequest, { id: apac }, {})).status).toBe(403);
    expect((await h.call('sid-token', ROUTES.approveAccessRequest, { id: old }, {})).status).toBe(200);
  });
});
