// Rows ⇄ domain objects, row locks, and the world overlay: mutable facts (a ticket closed, a user
// added to a product group) live in the database and are laid over the in-memory world per decision.
import { randomBytes } from 'node:crypto';
import { isTicketKey, type AccessRequest, type Grant, type Ticket, type User, type WorldIndex } from '../../core/index';
import type { Queryable } from '../db/index';

export const newId = (prefix: string): string => `${prefix}_${randomBytes(9).toString('base64url')}`;

/** A Map that answers from `overrides` first; copying the world's maps per request would cost O(org). */
class OverlayMap<K, V> extends Map<K, V> {
  constructor(
    private readonly base: Map<K, V>,
    private readonly overrides: Map<K, V>,
  ) {
    super();
  }
  override get(k: K): V | undefined {
    return this.overrides.has(k) ? this.overrides.get(k) : this.base.get(k);
  }
  override has(k: K): boolean {
    return this.overrides.has(k) || this.base.has(k);
  }
  override get size(): number {
    return this.base.size;
  }
  override values(): MapIterator<V> {
    return this.base.values();
  }
}

export function withTicket(ix: WorldIndex, t: Ticket): WorldIndex {
  if (ix.ticketsByKey.get(t.key) === t) return ix;
  return { ...ix, ticketsByKey: new OverlayMap(ix.ticketsByKey, new Map([[t.key, t]])) };
}

export function withUser(ix: WorldIndex, u: User): WorldIndex {
  return { ...ix, usersById: new OverlayMap(ix.usersById, new Map([[u.id, u]])) };
}

// ---- tickets ----

const parse = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

/** A ticket raised through the API (not in the world file), as it was raised. */
async function raisedTicket(q: Queryable, key: string): Promise<Ticket | undefined> {
  if (!isTicketKey(key)) return undefined;
  const [r] = await q.query<{ body: unknown }>('SELECT body FROM tickets WHERE key = $1', [key]);
  return r ? parse<Ticket>(r.body) : undefined;
}

/** Stores a newly raised ticket; its key must come from nextTicketKey. */
export async function saveRaisedTicket(q: Queryable, t: Ticket): Promise<void> {
  await q.query('INSERT INTO tickets (key, site, product, reporter, body) VALUES ($1, $2, $3, $4, $5)', [t.key, t.site, t.product, t.reporter, JSON.stringify(t)]);
}

/** A fresh ticket key (`PS-<n>`) from the database's sequence, never one the world file uses. */
export async function nextTicketKey(q: Queryable, ix: WorldIndex): Promise<string> {
  for (;;) {
    const [r] = await q.query<{ n: string | number }>("SELECT nextval('ticket_numbers') AS n");
    const key = `PS-${r!.n}`;
    if (!ix.ticketsByKey.has(key)) return key;
  }
}

/** The ticket as it is now: the world's record (or the raised one) with its status from the database. */
export async function currentTicket(q: Queryable, ix: WorldIndex, key: string, lock = false): Promise<Ticket | undefined> {
  const t = ix.ticketsByKey.get(key) ?? (await raisedTicket(q, key));
  if (!t) return undefined;
  if (lock) {
    // One row per ticket to lock while deciding about its grants: racing granters queue here.
    await q.query('INSERT INTO ticket_state (key) VALUES ($1) ON CONFLICT (key) DO NOTHING', [key]);
  }
  const [row] = await q.query<{ status: string | null }>(`SELECT status FROM ticket_state WHERE key = $1${lock ? ' FOR UPDATE' : ''}`, [key]);
  return row?.status && row.status !== t.status ? { ...t, status: row.status as Ticket['status'] } : t;
}

/** Many tickets as they are now, in one read (the inbox and Support-request lists, not per row). */
export async function currentTickets(q: Queryable, ix: WorldIndex, keys: string[]): Promise<Map<string, Ticket>> {
  const unique = [...new Set(keys)];
  const out = new Map(unique.filter((k) => ix.ticketsByKey.has(k)).map((k) => [k, ix.ticketsByKey.get(k)!]));
  const others = unique.filter((k) => !out.has(k) && isTicketKey(k));
  if (others.length > 0) {
    for (const r of await q.query<{ body: unknown }>('SELECT body FROM tickets WHERE key = ANY($1::text[])', [others])) {
      const t = parse<Ticket>(r.body);
      out.set(t.key, t);
    }
  }
  const known = [...out.keys()];
  if (known.length === 0) return out;
  const rows = await q.query<{ key: string; status: string | null }>('SELECT key, status FROM ticket_state WHERE key = ANY($1::text[])', [known]);
  for (const row of rows) {
    const t = out.get(row.key)!;
    if (row.status && row.status !== t.status) out.set(row.key, { ...t, status: row.status as Ticket['status'] });
  }
  return out;
}

// ---- grants ----

interface GrantRow {
  body: Grant;
}

export async function grantById(q: Queryable, id: string, lock = false): Promise<Grant | undefined> {
  const [r] = await q.query<GrantRow>(`SELECT body FROM grants WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return r ? parse<Grant>(r.body) : undefined;
}

/** With `lock`, the rows stay locked to the end of the transaction: take the ticket's lock first. */
export async function grantsOfTicket(q: Queryable, ticket: string, lock = false): Promise<Grant[]> {
  return (await q.query<GrantRow>(`SELECT body FROM grants WHERE ticket = $1 ORDER BY created_seq${lock ? ' FOR UPDATE' : ''}`, [ticket])).map((r) => parse<Grant>(r.body));
}

export async function grantsInStates(q: Queryable, states: string[], limit = 5000): Promise<Grant[]> {
  return (await q.query<GrantRow>('SELECT body FROM grants WHERE state = ANY($1) ORDER BY created_seq DESC LIMIT $2', [states, limit])).map((r) => parse<Grant>(r.body));
}

export async function grantsOfEngineer(q: Queryable, engineer: string, states: string[]): Promise<Grant[]> {
  return (await q.query<GrantRow>(`SELECT body FROM grants WHERE state = ANY($1) AND body->>'engineer' = $2 ORDER BY created_seq DESC`, [states, engineer])).map((r) => parse<Grant>(r.body));
}

/**
 * Inserts a new grant, or replaces the stored one only if it is still the version `g` was made
 * from (g.version - 1). False means someone else changed it first: the caller lost the race.
 */
export async function saveGrant(q: Queryable, g: Grant): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO grants (id, ticket, kind, state, version, body) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, version = EXCLUDED.version, body = EXCLUDED.body
     WHERE grants.version = $7 RETURNING id`,
    [g.id, g.ticket, g.kind, g.state, g.version, JSON.stringify(g), g.version - 1],
  );
  return rows.length === 1;
}

// ---- access requests ----

export async function accessRequestById(q: Queryable, id: string, lock = false): Promise<AccessRequest | undefined> {
  const [r] = await q.query<{ body: unknown }>(`SELECT body FROM access_requests WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return r ? parse<AccessRequest>(r.body) : undefined;
}

/** The access requests with these ids (those that exist), in no order. */
export async function accessRequestsByIds(q: Queryable, ids: string[]): Promise<AccessRequest[]> {
  return (await q.query<{ body: unknown }>('SELECT body FROM access_requests WHERE id = ANY($1)', [ids])).map((r) => parse<AccessRequest>(r.body));
}

export async function accessRequestsInState(q: Queryable, states: string[], limit = 2000): Promise<AccessRequest[]> {
  return (await q.query<{ body: unknown }>('SELECT body FROM access_requests WHERE state = ANY($1) ORDER BY created_seq DESC LIMIT $2', [states, limit])).map((r) => parse<AccessRequest>(r.body));
}

export async function saveAccessRequest(q: Queryable, r: AccessRequest): Promise<void> {
  await q.query(
    `INSERT INTO access_requests (id, site, product, state, version, body) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, version = EXCLUDED.version, body = EXCLUDED.body`,
    [r.id, r.site, r.product, r.state, r.version, JSON.stringify(r)],
  );
}

export async function seatsNow(q: Queryable, ix: WorldIndex, site: string, product: string): Promise<number> {
  const [r] = await q.query<{ billable: number }>('SELECT billable FROM seats WHERE site = $1 AND product = $2', [site, product]);
  return r ? Number(r.billable) : (ix.productsBySiteKey.get(`${site}/${product}`)?.billableSeats ?? 0);
}

/** The user with product groups gained through approved access requests. */
export async function currentUser(q: Queryable, ix: WorldIndex, userId: string): Promise<User | undefined> {
  const u = ix.usersById.get(userId);
  if (!u) return undefined;
  const rows = await q.query<{ site: string; product: string }>('SELECT site, product FROM group_members WHERE member = $1', [userId]);
  if (rows.length === 0) return u;
  return { ...u, products: [...new Set([...(u.products ?? []), ...rows.map((r) => `${r.site}/${r.product}`)])] };
}

// ---- seeding ----

/** Tickets the world marks `dataAccessRequested` start as outstanding Support requests (once, ever). */
export async function seedSupportRequests(q: Queryable, ix: WorldIndex, at: string): Promise<void> {
  const grants: Grant[] = ix.world.tickets
    .filter((t) => t.dataAccessRequested && t.status === 'open')
    .map((t) => ({ id: `sr_${t.key}`, kind: 'data', ticket: t.key, site: t.site, product: t.product, engineer: t.engineer, state: 'requested', requestedAt: at, version: 1 }));
  if (grants.length === 0) return;
  // One statement with one JSON parameter: at 100k users (9,000 open requests) this is a third of
  // the time 45 multi-row INSERTs with 1,200 parameters each took, and it is the same rows.
  await q.query(
    `INSERT INTO grants (id, ticket, kind, state, version, body)
     SELECT g->>'id', g->>'ticket', g->>'kind', g->>'state', (g->>'version')::int, g FROM jsonb_array_elements($1::jsonb) AS g
     ON CONFLICT (id) DO NOTHING`,
    [JSON.stringify(grants)],
  );
}

/** Marks the ticket closed from `at` (ISO); the caller holds the ticket's row lock. */
export async function closeTicketState(q: Queryable, key: string, at: string): Promise<void> {
  await q.query('UPDATE ticket_state SET status = $2, changed_at = $3 WHERE key = $1', [key, 'closed', at]);
}
