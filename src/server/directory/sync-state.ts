// When the identity provider last synced a person, said beside the `scim_not_synced` cause.
import type { CauseWire } from '../../api/schemas';
import type { Queryable } from '../db/index';
import { personById } from './repository';

/**
 * `eligibility` with `lastSyncedAt` on its `scim_not_synced` cause: when SCIM last changed
 * `personId` (the directory's own record, people.last_synced_at; ISO 8601), or null when it never
 * has (a role the world file marks `pendingSync` on a person SCIM has not touched). One indexed read,
 * only when that cause shows; anything else is returned as it is.
 */
export async function withLastSynced<E extends { causes: CauseWire[] }>(q: Queryable, personId: string, eligibility: E): Promise<E> {
  if (!eligibility.causes.some((c) => c.code === 'scim_not_synced')) return eligibility;
  const lastSyncedAt = (await personById(q, personId))?.lastSyncedAt ?? null;
  return { ...eligibility, causes: eligibility.causes.map((c) => (c.code === 'scim_not_synced' ? { ...c, lastSyncedAt } : c)) };
}
