// Two orgs kept in their own schemas of one PostgreSQL database (AC_PG_SCHEMA, docs/SCALE.md) never
// hear each other's announcements: an audit row one org's API commits is not taken by the other's
// for a row of its own trail (which made it refuse every write as "the trail was changed outside
// the API": 503 for the whole org), and one org's events do not wake the other's streams. Only on
// PostgreSQL (DATABASE_URL); PGlite holds one org per database.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../../src/api/contract';
import type { RouteCall } from '../../support/api-call';
import { ADMIN_URL, appsOnOneDatabase, type SharedDatabaseApps } from '../helpers';

const DEMO = JSON.parse(readFileSync(new URL('../../../fixtures/demo-world.json', import.meta.url), 'utf8'));

describe.skipIf(!ADMIN_URL)('two orgs in two schemas of one PostgreSQL database', () => {
  let orgs: SharedDatabaseApps;
  beforeAll(async () => {
    orgs = await appsOnOneDatabase(DEMO, { schemas: ['org_a', 'org_b'] });
  }, 60_000);
  afterAll(() => orgs?.close());
  const call = (org: number, token: string, ...route: RouteCall) => orgs.call(org, token, ...route);
  const head = async (org: number) => Number((await orgs.dbs[org]!.query<{ seq: string }>('SELECT seq::text FROM audit_head WHERE id = 1'))[0]!.seq);

  it("one org's busy trail leaves the other's writes and its verify alone", async () => {
    // Org A writes well past org B's head, and announces every append.
    const granted = await call(0, 'alice-token', ROUTES.grant, { key: 'PS-101' }, {});
    expect(granted.status, JSON.stringify(granted.json)).toBe(201);
    // A second grant of the same ticket is refused, and each refusal is a row of its own.
    for (let i = 0; i < 10; i++) expect((await call(0, 'alice-token', ROUTES.grant, { key: 'PS-101' }, {})).status).toBe(409);
    expect(await head(0)).toBeGreaterThan((await head(1)) + 5);
    // Let the announcements reach org B's process.
    await new Promise((r) => setTimeout(r, 1_000));
    const b = await call(1, 'alice-token', ROUTES.grant, { key: 'PS-101' }, {});
    expect(b.status, JSON.stringify(b.json)).toBe(201);
    const verdict = await call(1, 'alice-token', ROUTES.verifyAudit);
    expect(verdict.json).toMatchObject({ ok: true });
  });
});
