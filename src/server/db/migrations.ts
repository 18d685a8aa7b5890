// One schema for PGlite and PostgreSQL, as an ordered list of migrations applied at start.
// Static world data (org, sites, users, roles, tickets as loaded) stays in memory; everything that
// changes lives here so several API processes on one PostgreSQL agree.
import type { Db } from './types';

// A migration is one text of plain statements split on ';', or a list of statements taken as they
// are (for bodies that contain ';', such as trigger functions).

/**
 * The one write path's statement (audit/trail.ts appendBatch): rows hashed and the head signed by
 * the caller; here only moved into place, if the head is still the one they chain from (and, for
 * access checks, the epoch still the one they were decided at), then announced on `channel` (a SQL
 * expression). A function so its statements are planned once per session.
 */
const auditAppendFunction = (
  create: 'CREATE FUNCTION' | 'CREATE OR REPLACE FUNCTION',
  channel: string,
): string => `${create} audit_append(new_seq bigint, new_hash text, old_seq bigint, old_hash text, seqs bigint[], bodies text[], hashes text[], note text, expected_epoch bigint)
     RETURNS text LANGUAGE plpgsql AS $$
     DECLARE
       e bigint;
     BEGIN
       IF expected_epoch IS NOT NULL THEN
         SELECT n INTO e FROM access_epoch WHERE id = 1 FOR SHARE;
         IF e IS DISTINCT FROM expected_epoch THEN RETURN 'epoch'; END IF;
       END IF;
       UPDATE audit_head SET seq = new_seq, hash = new_hash, signed_note = note WHERE id = 1 AND seq = old_seq AND hash = old_hash;
       IF NOT FOUND THEN RETURN 'moved'; END IF;
       INSERT INTO audit_rows (seq, body, hash, signed_note) SELECT s, b, h, CASE WHEN s = new_seq THEN note END FROM unnest(seqs, bodies, hashes) AS u(s, b, h);
       PERFORM pg_notify(${channel}, new_seq::text);
       RETURN 'ok';
     END $$`;

const MIGRATIONS: Array<string | string[]> = [
  `
  CREATE TABLE grants (
    id text PRIMARY KEY,
    ticket text NOT NULL,
    kind text NOT NULL,
    state text NOT NULL,
    version int NOT NULL,
    body jsonb NOT NULL,
    created_seq bigserial
  );
  CREATE INDEX grants_ticket ON grants (ticket);
  CREATE INDEX grants_state ON grants (state);
  -- Ticket status changes (close) and a per-ticket row to lock while deciding about its grants.
  CREATE TABLE ticket_state (
    key text PRIMARY KEY,
    status text,
    changed_at text
  );
  CREATE TABLE access_requests (
    id text PRIMARY KEY,
    site text NOT NULL,
    product text NOT NULL,
    state text NOT NULL,
    version int NOT NULL,
    body jsonb NOT NULL,
    created_seq bigserial
  );
  CREATE INDEX access_requests_site ON access_requests (site, state);
  CREATE TABLE barred_emails (email text PRIMARY KEY, at text NOT NULL, request_id text NOT NULL);
  CREATE TABLE seats (site text NOT NULL, product text NOT NULL, billable int NOT NULL, PRIMARY KEY (site, product));
  CREATE TABLE group_members (site text NOT NULL, product text NOT NULL, member text NOT NULL, grp text NOT NULL, PRIMARY KEY (site, product, member));
  CREATE TABLE asks (
    id text PRIMARY KEY,
    ticket text NOT NULL,
    admin_id text NOT NULL,
    from_id text NOT NULL,
    message text,
    created_at text NOT NULL,
    done boolean NOT NULL DEFAULT false
  );
  CREATE INDEX asks_admin ON asks (admin_id, done);
  -- The audit chain: one head row, locked FOR UPDATE by every append, so appends from any process
  -- are serialized and each row's prev_hash is the hash of the row committed just before it.
  CREATE TABLE audit_head (id int PRIMARY KEY, seq bigint NOT NULL, hash text NOT NULL);
  INSERT INTO audit_head VALUES (1, 0, '${'0'.repeat(64)}');
  CREATE TABLE audit (
    seq bigint PRIMARY KEY,
    at text NOT NULL,
    actor text NOT NULL,
    actor_kind text NOT NULL,
    action text NOT NULL,
    ticket text,
    resource jsonb,
    outcome text NOT NULL,
    detail jsonb,
    prev_hash text NOT NULL,
    hash text NOT NULL
  );
  CREATE INDEX audit_actor ON audit (actor, seq);
  CREATE INDEX audit_ticket ON audit (ticket, seq);
  CREATE TABLE events (
    id bigserial PRIMARY KEY,
    at text NOT NULL,
    type text NOT NULL,
    audience text[] NOT NULL,
    ticket text,
    data jsonb NOT NULL
  );
  CREATE TABLE idempotency (
    token_hash text NOT NULL,
    key text NOT NULL,
    fingerprint text NOT NULL,
    status int,
    headers jsonb,
    body text,
    created_at bigint NOT NULL,
    PRIMARY KEY (token_hash, key)
  );
  `,
  `
  -- Idempotency that survives a crash: the runner holding a key (owner, claimed_at) and the result
  -- of each transaction it committed, written in that same transaction, so a retry replays them.
  ALTER TABLE idempotency ADD COLUMN owner text;
  ALTER TABLE idempotency ADD COLUMN claimed_at bigint;
  ALTER TABLE idempotency ADD COLUMN results jsonb NOT NULL DEFAULT '{}'::jsonb;
  `,
  `
  -- Nothing twice: one pending product access request per person (normalized email), requester,
  -- site and product, enforced by the database so concurrent requests from any process collapse.
  -- person_key is filled for older rows at start (it needs the world's emails); a legacy pending
  -- duplicate found then is marked duplicate_of the first and decided with it.
  ALTER TABLE access_requests ADD COLUMN person_key text;
  ALTER TABLE access_requests ADD COLUMN requested_by text;
  ALTER TABLE access_requests ADD COLUMN duplicate_of text;
  CREATE UNIQUE INDEX access_requests_one_pending ON access_requests (person_key, requested_by, site, product) WHERE state = 'pending' AND duplicate_of IS NULL;
  CREATE INDEX access_requests_person ON access_requests (person_key, site, product, state);
  -- One row per person, site and product to lock while asking or deciding for that person there:
  -- a request and a decision for the same person queue instead of crossing.
  CREATE TABLE access_request_people (person_key text NOT NULL, site text NOT NULL, product text NOT NULL, PRIMARY KEY (person_key, site, product));
  `,
  `
  -- Signed checkpoints of the audit chain head (src/server/audit-checkpoints.ts). Stored here for
  -- convenience only: each carries an Ed25519 signature made with a key outside the database.
  CREATE TABLE audit_checkpoints (
    seq bigint PRIMARY KEY,
    hash text NOT NULL,
    at text NOT NULL,
    org text NOT NULL,
    key_id text NOT NULL,
    signature text NOT NULL
  );
  `,
  `
  -- Tickets raised through the API (the raise-a-request form). World-file tickets stay in memory;
  -- these live here so every process sees them and they survive restarts. Their status changes
  -- (close) go to ticket_state like any ticket's. Keys come from one sequence, skipping world keys.
  CREATE TABLE tickets (
    key text PRIMARY KEY,
    site text NOT NULL,
    product text NOT NULL,
    reporter text NOT NULL,
    body jsonb NOT NULL,
    created_seq bigserial
  );
  CREATE INDEX tickets_reporter ON tickets (reporter, created_seq);
  CREATE SEQUENCE ticket_numbers START 1000;
  `,
  [
    // The access epoch: one counter every change to grants or ticket states moves, in the same
    // transaction, by trigger (so no code path can forget it). The enforcement point decides from
    // what it read at epoch N and commits its audit rows only while the epoch is still N; a revoke
    // committed in between (by any process) makes it read again (src/server/access-check.ts).
    `CREATE TABLE access_epoch (id int PRIMARY KEY, n bigint NOT NULL)`,
    `INSERT INTO access_epoch VALUES (1, 0)`,
    `CREATE FUNCTION bump_access_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       UPDATE access_epoch SET n = n + 1 WHERE id = 1;
       RETURN NULL;
     END $$`,
    `CREATE TRIGGER grants_move_access_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON grants FOR EACH STATEMENT EXECUTE FUNCTION bump_access_epoch()`,
    `CREATE TRIGGER ticket_state_moves_access_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ticket_state FOR EACH STATEMENT EXECUTE FUNCTION bump_access_epoch()`,
    // (6 also defined append_access_checks, the enforcement point's append in the database; 11 drops it.)
  ],
  // 7 defined append_access_checks_head (a variant of 6's append); 11 drops it.
  [],
  // Sign-in sessions (server/sessions.ts): a person's API session, made from an ID token of the org's
  // provider. Only the token's SHA-256 is kept.
  `
  CREATE TABLE sessions (
    token_hash text PRIMARY KEY,
    user_id text NOT NULL,
    issuer text NOT NULL,
    subject text NOT NULL,
    -- The ID token a sign-in was made from (a second sign-in with it is a replay); NULL for a renewal.
    id_token_hash text UNIQUE,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    ended_at bigint,
    ended_reason text,
    -- A renewal's new session: the old one lives on for a short grace (requests already in flight).
    replaced_by text,
    -- When the first refused use of this session was audited (later ones are not, to bound the log).
    refused_at bigint
  );
  CREATE INDEX sessions_user ON sessions (user_id);
  CREATE INDEX sessions_expires ON sessions (expires_at);
  `,
  // 9: machine callers' API keys (src/server/api-keys.ts). Only the SHA-256 of each secret is
  // kept, unique so a presented secret is found by one index lookup. Every API process reads this
  // table on each use of a key, so a deleted row is refused everywhere from the next request.
  `
  CREATE TABLE api_keys (
    id text PRIMARY KEY,
    name text NOT NULL,
    scopes text[] NOT NULL,
    engineer text,
    secret_hash text NOT NULL UNIQUE,
    created_at text NOT NULL,
    created_by text NOT NULL,
    expires_at text,
    last_used_at text,
    created_seq bigserial
  );
  `,
  // 10: change requests and consents. Every change to them moves the access epoch like grants do,
  // so a batch of checks decided on a consent that was declined, used or ended meanwhile (by any
  // process) is decided again. (10 also defined append_access_checks_effects; 11 drops it.)
  [
    `CREATE TABLE change_requests (
       id text PRIMARY KEY,
       ticket text NOT NULL,
       state text NOT NULL,
       version int NOT NULL,
       body jsonb NOT NULL,
       created_seq bigserial
     )`,
    'CREATE INDEX change_requests_ticket ON change_requests (ticket, created_seq)',
    'CREATE INDEX change_requests_state ON change_requests (state)',
    'CREATE TRIGGER change_requests_move_access_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON change_requests FOR EACH STATEMENT EXECUTE FUNCTION bump_access_epoch()',
  ],
  // 11: the audit trail of issue 20 (src/server/audit/README.md): a row is its seq, its body (the
  // canonical JSON hashed, as text) and its hash, in audit_rows; every append signs its new head,
  // kept on the append's last row and on the head. Older rows get their body at the first start
  // (audit/legacy.ts); their old columns stay for that, nullable. `audit` becomes a view of the
  // bodies' fields, for SQL readers. The appends in the database go: TypeScript hashes every row.
  [
    `ALTER TABLE audit RENAME TO audit_rows`,
    `ALTER TABLE audit_rows ADD COLUMN body text`,
    `ALTER TABLE audit_rows ADD COLUMN signed_note text`,
    `ALTER TABLE audit_head ADD COLUMN signed_note text`,
    `CREATE INDEX audit_rows_signed ON audit_rows (seq) WHERE signed_note IS NOT NULL`,
    `ALTER TABLE audit_rows ALTER COLUMN at DROP NOT NULL, ALTER COLUMN actor DROP NOT NULL, ALTER COLUMN actor_kind DROP NOT NULL,
    ALTER COLUMN action DROP NOT NULL, ALTER COLUMN outcome DROP NOT NULL, ALTER COLUMN prev_hash DROP NOT NULL`,
    `DROP INDEX audit_actor`,
    `DROP INDEX audit_ticket`,
    `CREATE INDEX audit_body_actor ON audit_rows (((body::jsonb)->>'actor'), seq)`,
    `CREATE INDEX audit_body_ticket ON audit_rows (((body::jsonb)->>'ticket'), seq)`,
    `CREATE VIEW audit AS SELECT seq, b->>'at' AS at, b->>'actor' AS actor, b->>'actorKind' AS actor_kind, b->>'action' AS action, b->>'ticket' AS ticket,
    b->'resource' AS resource, b->>'outcome' AS outcome, b->'detail' AS detail, hash FROM (SELECT seq, body::jsonb AS b, hash FROM audit_rows) t`,
    `DROP FUNCTION IF EXISTS append_access_checks_effects`,
    `DROP FUNCTION IF EXISTS append_access_checks_head`,
    `DROP FUNCTION IF EXISTS append_access_checks`,
    auditAppendFunction('CREATE FUNCTION', "'ac_audit'"),
  ],
  // 12: the live directory (issue 21, src/server/directory/): sites, products, people, groups,
  // memberships and role assignments live here, imported once from the world file into an empty
  // database and changed at runtime (admin routes, SCIM). Every change records one row in
  // directory_changes, whose trigger moves the access epoch: a process deciding from an older
  // directory reloads what changed first (directory/cache.ts), and the enforcement point's batches
  // decided before the change are decided again. Ticket reassignments sit beside ticket_state.
  [
    `CREATE TABLE directory_meta (
       id int PRIMARY KEY,
       org jsonb NOT NULL,
       imported_at text NOT NULL,
       last_synced_at text,
       last_sync_source text
     )`,
    `CREATE TABLE dir_sites (id text PRIMARY KEY, url text NOT NULL, status text NOT NULL, guard_restricted boolean NOT NULL, position int NOT NULL)`,
    `CREATE TABLE dir_products (site text NOT NULL, key text NOT NULL, body jsonb NOT NULL, position int NOT NULL, PRIMARY KEY (site, key))`,
    `CREATE TABLE people (
       id text PRIMARY KEY,
       email text NOT NULL,
       email_normalized text NOT NULL UNIQUE,
       name text NOT NULL,
       given_name text,
       family_name text,
       external_id text,
       active boolean NOT NULL,
       email_verified boolean NOT NULL,
       sites text[] NOT NULL,
       products text[],
       source text NOT NULL,
       created_at text NOT NULL,
       updated_at text NOT NULL,
       last_synced_at text,
       version int NOT NULL,
       created_seq bigserial
     )`,
    'CREATE INDEX people_external_id ON people (external_id)',
    'CREATE INDEX people_created ON people (created_seq)',
    `CREATE TABLE dir_groups (
       id text PRIMARY KEY,
       name text NOT NULL,
       external_id text,
       source text NOT NULL,
       created_at text NOT NULL,
       updated_at text NOT NULL,
       version int NOT NULL,
       created_seq bigserial
     )`,
    `CREATE TABLE dir_memberships (group_id text NOT NULL, person_id text NOT NULL, joined_seq bigserial, PRIMARY KEY (group_id, person_id))`,
    'CREATE INDEX dir_memberships_person ON dir_memberships (person_id)',
    `CREATE TABLE role_assignments (
       id text PRIMARY KEY,
       user_id text,
       group_id text,
       role text NOT NULL,
       site text,
       product text,
       products text[],
       source text NOT NULL,
       pending_sync boolean NOT NULL DEFAULT false,
       created_at text NOT NULL,
       created_by text NOT NULL,
       created_seq bigserial,
       CHECK ((user_id IS NULL) <> (group_id IS NULL))
     )`,
    'CREATE INDEX role_assignments_user ON role_assignments (user_id)',
    'CREATE INDEX role_assignments_group ON role_assignments (group_id)',
    `CREATE TABLE ticket_assignments (key text PRIMARY KEY, engineer text NOT NULL, changed_at text NOT NULL)`,
    // people/groups: whom the change touched (processes patch just them); complete false: too many to
    // list, or a change to sites or tickets: processes build their index again.
    `CREATE TABLE directory_changes (seq bigserial PRIMARY KEY, at text NOT NULL, kind text NOT NULL, people text[] NOT NULL, groups text[] NOT NULL, complete boolean NOT NULL)`,
    'CREATE TRIGGER directory_changes_move_access_epoch AFTER INSERT ON directory_changes FOR EACH STATEMENT EXECUTE FUNCTION bump_access_epoch()',
    'CREATE TRIGGER ticket_assignments_move_access_epoch AFTER INSERT OR UPDATE OR DELETE ON ticket_assignments FOR EACH STATEMENT EXECUTE FUNCTION bump_access_epoch()',
  ],
  // 13: the directory's case-insensitive lookups (SCIM `externalId eq`, a group's `displayName eq` and
  // its name before create) compare lower(column): an index on that expression answers them instead of a
  // scan of 100,000 people. The plain external_id index served no query.
  [
    'CREATE INDEX people_external_id_lower ON people (lower(external_id))',
    'CREATE INDEX dir_groups_name_lower ON dir_groups (lower(name))',
    'CREATE INDEX dir_groups_external_id_lower ON dir_groups (lower(external_id))',
    'DROP INDEX people_external_id',
  ],
  // 14: announcements are sent on channels named for the schema (db/index.ts notifyChannel): orgs
  // kept in their own schemas of one database (AC_PG_SCHEMA) heard each other's audit rows, and one
  // org's busy trail made the other's API refuse every write ("a row announced lies past the head").
  [
    // db/index.ts notifyChannel names the same channel.
    auditAppendFunction('CREATE OR REPLACE FUNCTION', "'ac_audit_' || left(md5(current_schema()), 12)"),
  ],
  // 15: every directory change is announced with its seq (channel ac_directory, named for the
  // schema). An embedded database belongs to one process, which hears its own commits before their
  // writers go on: its directory cache knows the last change without asking the database at every
  // request (directory/cache.ts). Processes sharing a PostgreSQL still ask (an announcement may come late).
  [
    // db/index.ts notifyChannel('ac_directory', schema) names the same channel.
    `CREATE FUNCTION announce_directory_change() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       PERFORM pg_notify('ac_directory_' || left(md5(current_schema()), 12), NEW.seq::text);
       RETURN NULL;
     END $$`,
    'CREATE TRIGGER directory_changes_announce AFTER INSERT ON directory_changes FOR EACH ROW EXECUTE FUNCTION announce_directory_change()',
  ],
];

/** Several processes may start on one PostgreSQL at once: one migrates at a time. */
export const MIGRATION_LOCK = 4400001;

export async function migrate(db: Db): Promise<void> {
  for (let v = 1; v <= MIGRATIONS.length; v++) {
    await db.transaction(async (tx) => {
      // The lock comes before any DDL, even IF NOT EXISTS: two of those racing on a fresh database
      // both try to create the table and one fails on a duplicate catalog row.
      if (db.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, applied_at text NOT NULL)`);
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [v]);
      if (done.length > 0) return;
      const m = MIGRATIONS[v - 1]!;
      for (const stmt of typeof m === 'string' ? splitStatements(m) : m) await tx.query(stmt);
      await tx.query('INSERT INTO schema_migrations VALUES ($1, $2)', [v, new Date().toISOString()]);
    });
  }
}

function splitStatements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((l) => !l.trim().startsWith('--'))
    .join('\n')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}
