// Asks from one admin to another to grant data access on a ticket: stored until that ticket is
// granted or closed, and listed in the asked admin's inbox.
import type { Queryable } from '../db/types';

/** A stored ask; `message` is the asker's note, null when there was none. */
export async function insertAsk(q: Queryable, ask: { id: string; ticket: string; adminId: string; fromId: string; message: string | null; at: string }): Promise<void> {
  await q.query('INSERT INTO asks (id, ticket, admin_id, from_id, message, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [ask.id, ask.ticket, ask.adminId, ask.fromId, ask.message, ask.at]);
}

/** The ticket's open asks are answered (it was granted or closed). */
export async function markAsksDone(q: Queryable, ticket: string): Promise<void> {
  await q.query('UPDATE asks SET done = true WHERE ticket = $1 AND done = false', [ticket]);
}

/** The open asks addressed to `adminId`, oldest first (`created_at` ISO text). */
export async function openAsksFor(q: Queryable, adminId: string): Promise<Array<{ id: string; ticket: string; from_id: string; created_at: string }>> {
  return q.query<{ id: string; ticket: string; from_id: string; created_at: string }>('SELECT id, ticket, from_id, created_at FROM asks WHERE admin_id = $1 AND done = false ORDER BY created_at', [
    adminId,
  ]);
}

/** The open asks `fromId` sent on `ticket`, oldest first (`created_at` ISO text). */
export async function openAsksFrom(q: Queryable, fromId: string, ticket: string): Promise<Array<{ id: string; admin_id: string; created_at: string }>> {
  return q.query<{ id: string; admin_id: string; created_at: string }>('SELECT id, admin_id, created_at FROM asks WHERE from_id = $1 AND ticket = $2 AND done = false ORDER BY created_at', [
    fromId,
    ticket,
  ]);
}

/** Open asks addressed to anyone, oldest first, at most `limit` (to pass on those whose addressee can no longer grant). */
export async function openAsks(q: Queryable, limit = 500): Promise<Array<{ id: string; ticket: string; admin_id: string; from_id: string; created_at: string }>> {
  return q.query('SELECT id, ticket, admin_id, from_id, created_at FROM asks WHERE done = false ORDER BY created_at LIMIT $1', [limit]);
}
