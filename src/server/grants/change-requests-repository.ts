// Change requests' rows. Every write moves the access epoch (migration 10's trigger), so the
// enforcement point never decides on a consent that changed since it read it.
import type { ChangeRequest } from '../../core/index';
import type { Queryable } from '../db/index';

const parse = (v: unknown): ChangeRequest => (typeof v === 'string' ? JSON.parse(v) : v) as ChangeRequest;

export async function changeRequestById(q: Queryable, id: string, lock = false): Promise<ChangeRequest | undefined> {
  const [r] = await q.query<{ body: unknown }>(`SELECT body FROM change_requests WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return r ? parse(r.body) : undefined;
}

/** Oldest first. With `lock`, the rows stay locked to the end of the transaction: take the ticket's lock first. */
export async function changeRequestsOfTicket(q: Queryable, ticket: string, lock = false): Promise<ChangeRequest[]> {
  return (await q.query<{ body: unknown }>(`SELECT body FROM change_requests WHERE ticket = $1 ORDER BY created_seq${lock ? ' FOR UPDATE' : ''}`, [ticket])).map((r) => parse(r.body));
}

export async function changeRequestsInStates(q: Queryable, states: string[], limit = 2000): Promise<ChangeRequest[]> {
  return (await q.query<{ body: unknown }>('SELECT body FROM change_requests WHERE state = ANY($1) ORDER BY created_seq DESC LIMIT $2', [states, limit])).map((r) => parse(r.body));
}

/** Inserts a new request, or replaces the stored one only if it is still the version `c` was made from; false: someone else changed it first. */
export async function saveChangeRequest(q: Queryable, c: ChangeRequest): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO change_requests (id, ticket, state, version, body) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, version = EXCLUDED.version, body = EXCLUDED.body
     WHERE change_requests.version = $6 RETURNING id`,
    [c.id, c.ticket, c.state, c.version, JSON.stringify(c), c.version - 1],
  );
  return rows.length === 1;
}
