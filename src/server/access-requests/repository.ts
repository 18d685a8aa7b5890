// Product access requests in the database: one pending request per person, requester, site and
// product (a unique partial index), the per-person lock row, and the person's current access.
import { accessRequestPersonKey, accessRequestPolicy, normalizeEmail, WorldError, type AccessRequest, type AccessRequestBar, type WorldIndex } from '../../core/index';
import { MIGRATION_LOCK } from '../db/migrations';
import type { Db, Queryable } from '../db/index';

const parse = (v: unknown): AccessRequest => (typeof v === 'string' ? JSON.parse(v) : v) as AccessRequest;

/**
 * Locks the (person, site, product) row to the end of the transaction. Asking and deciding for one
 * person take it first, so a request cannot slip in beside a decision that covers that person.
 */
export async function lockAccessRequestPerson(q: Queryable, personKey: string, site: string, product: string): Promise<void> {
  await q.query('INSERT INTO access_request_people (person_key, site, product) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [personKey, site, product]);
  await q.query('SELECT 1 FROM access_request_people WHERE person_key = $1 AND site = $2 AND product = $3 FOR UPDATE', [personKey, site, product]);
}

/**
 * Inserts a new pending request unless this requester already has one pending for this person,
 * site and product: then that one is returned with `created: false`. The unique partial index
 * decides, so two processes racing each other still end with one row.
 */
export async function insertPendingAccessRequest(q: Queryable, r: AccessRequest, personKey: string): Promise<{ request: AccessRequest; created: boolean }> {
  const inserted = await q.query(
    `INSERT INTO access_requests (id, site, product, state, version, body, person_key, requested_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT DO NOTHING RETURNING id`,
    [r.id, r.site, r.product, r.state, r.version, JSON.stringify(r), personKey, r.requestedBy],
  );
  if (inserted.length === 1) return { request: r, created: true };
  const existing = await pendingAccessRequestOf(q, personKey, r.requestedBy, r.site, r.product);
  if (!existing) throw new Error('access request insert conflicted, but no pending request holds the key');
  return { request: existing, created: false };
}

export async function pendingAccessRequestOf(q: Queryable, personKey: string, requestedBy: string, site: string, product: string): Promise<AccessRequest | undefined> {
  const [row] = await q.query<{ body: unknown }>(
    "SELECT body FROM access_requests WHERE person_key = $1 AND requested_by = $2 AND site = $3 AND product = $4 AND state = 'pending' ORDER BY created_seq LIMIT 1",
    [personKey, requestedBy, site, product],
  );
  return row ? parse(row.body) : undefined;
}

/** Every pending request for this person on this product and site, oldest first; locked with `lock`. */
export async function pendingForPerson(q: Queryable, personKey: string, site: string, product: string, lock = false): Promise<AccessRequest[]> {
  const rows = await q.query<{ body: unknown }>(
    `SELECT body FROM access_requests WHERE person_key = $1 AND site = $2 AND product = $3 AND state = 'pending' ORDER BY created_seq${lock ? ' FOR UPDATE' : ''}`,
    [personKey, site, product],
  );
  return rows.map((r) => parse(r.body));
}

/** The stored person key of a request (rows from before the key existed get it at start). */
export async function personKeyOf(q: Queryable, id: string): Promise<string | undefined> {
  const [row] = await q.query<{ person_key: string | null }>('SELECT person_key FROM access_requests WHERE id = $1', [id]);
  return row?.person_key ?? undefined;
}

/** Group members as stored: a user by id, a newcomer as `email:<normalized email>`. */
export const groupMember = (who: { userId?: string; email?: string }): string => who.userId ?? `email:${normalizeEmail(who.email ?? '')}`;

/** Is this person (user id or newcomer email) in the product's default group already? */
export async function hasProduct(q: Queryable, ix: WorldIndex, site: string, product: string, who: { userId?: string; email?: string }): Promise<boolean> {
  if (who.userId && ix.usersById.get(who.userId)?.products?.includes(`${site}/${product}`)) return true;
  const rows = await q.query('SELECT 1 FROM group_members WHERE site = $1 AND product = $2 AND member = $3', [site, product, groupMember(who)]);
  return rows.length > 0;
}

/**
 * Fills person_key and requested_by for rows written before they existed. A legacy pending
 * duplicate (same requester, person, site, product) is marked duplicate_of the first, so the
 * unique index holds; it is still decided together with it.
 */
export async function backfillAccessRequestKeys(db: Db, ix: WorldIndex): Promise<void> {
  await db.transaction(async (tx) => {
    if (db.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const rows = await tx.query<{ id: string; body: unknown }>('SELECT id, body FROM access_requests WHERE person_key IS NULL ORDER BY created_seq');
    for (const row of rows) {
      const r = parse(row.body);
      const key = accessRequestPersonKey(ix, r);
      const first = r.state === 'pending' ? await pendingAccessRequestOf(tx, key, r.requestedBy, r.site, r.product) : undefined;
      await tx.query('UPDATE access_requests SET person_key = $2, requested_by = $3, duplicate_of = $4 WHERE id = $1', [row.id, key, r.requestedBy, first && first.id !== r.id ? first.id : null]);
    }
  });
}

/**
 * The world file's `accessRequests` start as pending requests, once ever (by id): a demo shows
 * something on every screen. Each must pass the same policy as a live request on a fresh start.
 */
export async function seedAccessRequests(db: Db, ix: WorldIndex, at: string): Promise<void> {
  const seeds = ix.world.accessRequests ?? [];
  if (seeds.length === 0) return;
  await db.transaction(async (tx) => {
    for (const [i, seed] of seeds.entries()) {
      const id = `ar_${seed.id}`;
      if ((await tx.query('SELECT 1 FROM access_requests WHERE id = $1', [id])).length) continue;
      const verdict = accessRequestPolicy(ix, seed.requestedBy, seed.site, seed.product, seed.for, undefined);
      if (!verdict.ok) throw new WorldError(`accessRequests[${i}] ("${seed.id}")`, verdict.message);
      const r: AccessRequest = {
        id,
        site: seed.site,
        product: seed.product,
        requestedBy: seed.requestedBy,
        for: verdict.for,
        self: verdict.self,
        requesterOnSite: verdict.requesterOnSite,
        state: 'pending',
        createdAt: at,
        version: 1,
      };
      await insertPendingAccessRequest(tx, r, accessRequestPersonKey(ix, r));
    }
  });
}

/** Puts the person in the product's group on the site (approving their request). */
export async function addGroupMember(q: Queryable, site: string, product: string, who: { userId?: string; email?: string; group: string }): Promise<void> {
  await q.query('INSERT INTO group_members (site, product, member, grp) VALUES ($1, $2, $3, $4)', [site, product, groupMember(who), who.group]);
}

/** Bars `email` (normalized) from asking again, because of request `requestId`; a second bar keeps the first. */
export async function barEmailAddress(q: Queryable, email: string, at: string, requestId: string): Promise<void> {
  await q.query('INSERT INTO barred_emails (email, at, request_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [email, at, requestId]);
}

/** +1 billable seat, atomically; `firstValue` is the world's count + 1 for a product's first approval. */
export async function addSeat(q: Queryable, site: string, product: string, firstValue: number): Promise<number> {
  const [row] = await q.query<{ billable: number | string }>(
    'INSERT INTO seats (site, product, billable) VALUES ($1, $2, $3) ON CONFLICT (site, product) DO UPDATE SET billable = seats.billable + 1 RETURNING billable',
    [site, product, firstValue],
  );
  return Number(row!.billable);
}

/** The requester's bar, with the denied request behind it so the refusal can name it. */
export async function standingBar(q: Queryable, email: string): Promise<AccessRequestBar | undefined> {
  const [row] = await q.query<{ at: string; site: string | null; product: string | null }>(
    'SELECT b.at, r.site, r.product FROM barred_emails b LEFT JOIN access_requests r ON r.id = b.request_id WHERE b.email = $1',
    [normalizeEmail(email)],
  );
  return row ? { at: row.at, site: row.site ?? undefined, product: row.product ?? undefined } : undefined;
}

/** Requests the user made or that name them (by id, or by email for one made before they had an account). */
export async function requestsOf(q: Queryable, userId: string, email: string): Promise<AccessRequest[]> {
  const rows = await q.query<{ body: unknown }>(
    `SELECT body FROM access_requests
     WHERE body->>'requestedBy' = $1 OR body->'for'->>'userId' = $1 OR lower(trim(body->'for'->>'email')) = $2
     ORDER BY created_seq DESC LIMIT 200`,
    [userId, email.trim().toLowerCase()],
  );
  return rows.map((r) => (typeof r.body === 'string' ? JSON.parse(r.body) : r.body) as AccessRequest);
}

/** Billable seats counted since start, by `site/product` (products with no approval yet are absent). */
export async function billableSeats(q: Queryable): Promise<Map<string, number>> {
  const rows = await q.query<{ site: string; product: string; billable: number | string }>('SELECT site, product, billable FROM seats');
  return new Map(rows.map((x) => [`${x.site}/${x.product}`, Number(x.billable)]));
}

/** The product groups these members (groupMember keys) were added to by approvals. */
export async function groupMembershipsOf(q: Queryable, members: string[]): Promise<Array<{ member: string; site: string; product: string }>> {
  return q.query<{ member: string; site: string; product: string }>('SELECT member, site, product FROM group_members WHERE member = ANY($1::text[])', [members]);
}

/** The member keys approvals added to the product's group on the site. */
export async function groupMembers(q: Queryable, site: string, product: string): Promise<string[]> {
  return (await q.query<{ member: string }>('SELECT member FROM group_members WHERE site = $1 AND product = $2', [site, product])).map((r) => r.member);
}

/** When each of these (normalized) emails was barred from asking again; unbarred ones are absent. */
export async function barsOf(q: Queryable, emails: string[]): Promise<Map<string, string>> {
  return new Map((await q.query<{ email: string; at: string }>('SELECT email, at FROM barred_emails WHERE email = ANY($1::text[])', [emails])).map((b) => [b.email, b.at]));
}
