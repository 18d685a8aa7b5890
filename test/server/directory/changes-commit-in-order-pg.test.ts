// Directory changes commit in the order of their numbers, on PostgreSQL with two API processes. Each
// process keeps the number of the last change its index holds and reads "the changes after it"
// (directory/cache.ts); if change n+1 could commit while n was still open, a process that saw n+1
// would skip n for good. The number used to be drawn before the access epoch's row was locked, so a
// writer delayed between the two let a later writer draw n+1, lock the epoch and commit first.
// Here one writer is held (by a trigger of the test's own) right after its number is drawn, while a
// second writer on the other process writes; then both processes must see both changes.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type AccessApp } from '../../../src/server/app';
import { openPostgres, type Db } from '../../../src/server/db/index';
import { ADMIN_URL, scratchDatabase, TEST_AUDIT_KEY, WORLD } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi } from '../../support/api-call';

if (!ADMIN_URL) console.log('directory change order: PostgreSQL suite skipped because DATABASE_URL is unset');

/** The advisory lock the test holds to keep a writer waiting inside its INSERT into directory_changes. */
const HOLD = 777_001;

describe.skipIf(!ADMIN_URL)('directory changes commit in number order across processes on PostgreSQL', () => {
  const apps: AccessApp[] = [];
  const dbs: Db[] = [];
  let drop: () => Promise<void>;
  let raw: pg.Client;

  beforeAll(async () => {
    const scratch = await scratchDatabase();
    drop = scratch.drop;
    for (let i = 0; i < 2; i++) {
      const db = await openPostgres(scratch.url);
      dbs.push(db);
      apps.push(await createApp({ auditSigning: { key: TEST_AUDIT_KEY }, world: WORLD, db, rateLimitPerMinute: 1_000_000, log: () => {} }));
    }
    raw = new pg.Client({ connectionString: scratch.url });
    await raw.connect();
    // A change naming Bob waits, once its number is drawn (column defaults come before BEFORE ROW
    // triggers), until the test lets go of HOLD.
    await raw.query(`CREATE FUNCTION test_hold_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF 'bob' = ANY(NEW.people) THEN PERFORM pg_advisory_xact_lock_shared(${HOLD}); END IF;
        RETURN NEW;
      END $$`);
    await raw.query('CREATE TRIGGER test_hold_change BEFORE INSERT ON directory_changes FOR EACH ROW EXECUTE FUNCTION test_hold_change()');
  }, 60_000);
  afterAll(async () => {
    await raw?.end();
    for (const a of apps) await a.close();
    for (const d of dbs) await d.close();
    await drop?.();
  });

  /** Polls the database until `done` (a bounded wait for another session to reach a lock, not a timing assertion). */
  const until = async (what: string, done: () => Promise<boolean>) => {
    for (let i = 0; i < 800; i++) {
      if (await done()) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`gave up waiting for ${what}`);
  };
  const lockWaiters = async () => Number((await raw.query("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rows[0].n);

  it("a change held after drawing its number keeps the next one from committing; both processes' indexes then hold both", async () => {
    const before = apps.map((a) => a.ctx.directory.current);
    await raw.query('SELECT pg_advisory_lock($1)', [HOLD]);
    // Process 0 gives Bob a Confluence role: its change is held inside its INSERT.
    const first = callApi(apps[0]!.app, 'alice-token', ROUTES.createRoleAssignment, { user: 'bob', role: 'technical_contact', site: 'acme-main', products: ['confluence'] });
    await until(
      'the first change to be held',
      async () => Number((await raw.query("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted", [HOLD])).rows[0].n) === 1,
    );
    // Process 1 gives Mia one meanwhile.
    let secondDone = false;
    const second = callApi(apps[1]!.app, 'olga-token', ROUTES.createRoleAssignment, { user: 'mia', role: 'product_admin', site: 'acme-main', product: 'confluence' }).finally(() => {
      secondDone = true;
    });
    // Either it commits past the held one, or it queues behind it (two sessions waiting on locks).
    await until('the second change to commit or queue', async () => secondDone || (await lockWaiters()) >= 2);
    expect(secondDone).toBe(false);
    await raw.query('SELECT pg_advisory_unlock($1)', [HOLD]);
    const [a, b] = await Promise.all([first, second]);
    expect([a.status, b.status]).toEqual([201, 201]);

    const changes = (await raw.query('SELECT seq, people FROM directory_changes ORDER BY seq DESC LIMIT 2')).rows.reverse();
    expect(changes.map((c: { people: string[] }) => c.people)).toEqual([['bob'], ['mia']]);
    // Every process, on its next request, decides with both changes.
    for (const replica of [0, 1]) {
      for (const token of ['bob-token', 'mia-token']) {
        const e = await callApi(apps[replica]!.app, token, ROUTES.eligibility, { key: 'PS-200' });
        expect(e.json.allowed, `${token} on process ${replica}`).toBe(true);
      }
      expect(apps[replica]!.ctx.directory.current).toBe(Number(changes[1].seq));
      expect(apps[replica]!.ctx.directory.current).toBeGreaterThan(before[replica]!);
    }
  });
});
