// One schema for PGlite and PostgreSQL, as an ordered list of migrations applied at start.
// Static world data (org, sites, users, roles, tickets as loaded) stays in memory; everything that
// changes lives here so several API processes on one PostgreSQL agree.
import type { Db } from './types';

// A migration is one text of plain statements split on ';', or a list of statements taken as they
// are (for bodies that contain ';', such as trigger functions).
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
    // The enforcement point's append, as one call: lock the chain head, and only if the access
    // epoch is still the one the batch was decided at, chain and hash the rows (sha256 over the
    // previous hash and the row's canonical JSON, whose parts around seq the caller built), insert
    // them, move the head and announce it. NULL when the epoch moved (nothing written). A function
    // so its statements are planned once per session, not once per batch.
    `CREATE FUNCTION append_access_checks(expected_epoch bigint, ats text[], actors text[], kinds text[], actions text[], tickets text[], resources text[], outcomes text[], details text[], befores text[], afters text[])
     RETURNS bigint LANGUAGE plpgsql AS $$
     DECLARE
       head_seq bigint;
       head_hash text;
       cnt int := coalesce(array_length(ats, 1), 0);
       seqs bigint[] := '{}';
       prevs text[] := '{}';
       hashes text[] := '{}';
     BEGIN
       SELECT h.seq, h.hash INTO head_seq, head_hash FROM audit_head h WHERE h.id = 1 FOR UPDATE;
       IF (SELECT e.n FROM access_epoch e WHERE e.id = 1) IS DISTINCT FROM expected_epoch THEN
         RETURN NULL;
       END IF;
       FOR i IN 1..cnt LOOP
         seqs[i] := head_seq + i;
         prevs[i] := head_hash;
         head_hash := encode(sha256(convert_to(head_hash || befores[i] || (head_seq + i)::text || afters[i], 'UTF8')), 'hex');
         hashes[i] := head_hash;
       END LOOP;
       INSERT INTO audit (seq, at, actor, actor_kind, action, ticket, resource, outcome, detail, prev_hash, hash)
         SELECT u.* FROM unnest(seqs, ats, actors, kinds, actions, tickets, resources::jsonb[], outcomes, details::jsonb[], prevs, hashes) AS u;
       UPDATE audit_head SET seq = head_seq + cnt, hash = head_hash WHERE id = 1;
       PERFORM pg_notify('ac_audit', (head_seq + cnt)::text);
       RETURN head_seq + cnt;
     END $$`,
  ],
  // 7: the enforcement point's append also answers the head it chained onto (row number and
  // hash), so the process that appended computes its rows' hashes itself and witnesses them
  // (audit-witness.ts): the checkpointer signs a head only while the rows this process wrote still
  // carry the hashes it computed, whatever the database's own function says. A new name, so an
  // API of the previous version sharing the database keeps calling the old one.
  [
    `CREATE FUNCTION append_access_checks_head(expected_epoch bigint, ats text[], actors text[], kinds text[], actions text[], tickets text[], resources text[], outcomes text[], details text[], befores text[], afters text[])
     RETURNS text[] LANGUAGE plpgsql AS $$
     DECLARE
       head_seq bigint;
       head_hash text;
       start_seq bigint;
       start_hash text;
       cnt int := coalesce(array_length(ats, 1), 0);
       seqs bigint[] := '{}';
       prevs text[] := '{}';
       hashes text[] := '{}';
     BEGIN
       SELECT h.seq, h.hash INTO head_seq, head_hash FROM audit_head h WHERE h.id = 1 FOR UPDATE;
       start_seq := head_seq;
       start_hash := head_hash;
       IF (SELECT e.n FROM access_epoch e WHERE e.id = 1) IS DISTINCT FROM expected_epoch THEN
         RETURN NULL;
       END IF;
       FOR i IN 1..cnt LOOP
         seqs[i] := head_seq + i;
         prevs[i] := head_hash;
         head_hash := encode(sha256(convert_to(head_hash || befores[i] || (head_seq + i)::text || afters[i], 'UTF8')), 'hex');
         hashes[i] := head_hash;
       END LOOP;
       INSERT INTO audit (seq, at, actor, actor_kind, action, ticket, resource, outcome, detail, prev_hash, hash)
         SELECT u.* FROM unnest(seqs, ats, actors, kinds, actions, tickets, resources::jsonb[], outcomes, details::jsonb[], prevs, hashes) AS u;
       UPDATE audit_head SET seq = head_seq + cnt, hash = head_hash WHERE id = 1;
       PERFORM pg_notify('ac_audit', (head_seq + cnt)::text);
       RETURN ARRAY[(head_seq + cnt)::text, head_hash, start_seq::text, start_hash];
     END $$`,
  ],
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
  // 10: change requests and consents (src/server/changes-service.ts). Every change to them moves the
  // access epoch like grants do, so a batch of checks decided on a consent that was declined, used
  // or ended meanwhile (by any process) is decided again. The enforcement point's append with
  // effects locks the epoch row before the chain head (the order every writer takes them: its
  // change moves the epoch by trigger, then its audit row locks the head), appends the checks, marks
  // the one-time consents they used as used, and writes their events, all in one statement: a
  // consent is used exactly when the check it allowed is on record.
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
    `CREATE FUNCTION append_access_checks_effects(expected_epoch bigint, used_ids text[], used_bodies text[], ev_ats text[], ev_types text[], ev_audiences text[], ev_tickets text[], ev_datas text[],
       ats text[], actors text[], kinds text[], actions text[], tickets text[], resources text[], outcomes text[], details text[], befores text[], afters text[])
     RETURNS text[] LANGUAGE plpgsql AS $$
     DECLARE
       head text[];
       used int;
       ev_id bigint;
     BEGIN
       PERFORM 1 FROM access_epoch e WHERE e.id = 1 AND e.n = expected_epoch FOR UPDATE;
       IF NOT FOUND THEN
         RETURN NULL;
       END IF;
       head := append_access_checks_head(expected_epoch, ats, actors, kinds, actions, tickets, resources, outcomes, details, befores, afters);
       IF head IS NULL THEN
         RETURN NULL;
       END IF;
       IF coalesce(array_length(used_ids, 1), 0) > 0 THEN
         UPDATE change_requests c SET state = 'used', version = (u.body::jsonb->>'version')::int, body = u.body::jsonb
           FROM unnest(used_ids, used_bodies) AS u(id, body)
           WHERE c.id = u.id AND c.state = 'approved' AND c.version = (u.body::jsonb->>'version')::int - 1;
         GET DIAGNOSTICS used = ROW_COUNT;
         IF used <> array_length(used_ids, 1) THEN
           RAISE EXCEPTION 'a consent changed after the access epoch it was decided at';
         END IF;
       END IF;
       FOR i IN 1..coalesce(array_length(ev_types, 1), 0) LOOP
         INSERT INTO events (at, type, audience, ticket, data)
           VALUES (ev_ats[i], ev_types[i], ARRAY(SELECT jsonb_array_elements_text(ev_audiences[i]::jsonb)), ev_tickets[i], ev_datas[i]::jsonb)
           RETURNING id INTO ev_id;
         PERFORM pg_notify('ac_events', ev_id::text);
       END LOOP;
       RETURN head;
     END $$`,
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
