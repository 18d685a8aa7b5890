// What the write paths of tickets share: who hears of a ticket's changes, and versions (ETags,
// If-Match). Apart from grants-service so that grants and change requests can both use them.
import { qualifiedAdmins, type Ticket, type WorldIndex } from '../../core/index';
import { HttpProblem } from '../http/problems';
import { withTicket } from './repository';

/** Admins an event about this ticket concerns: whoever could grant it (even after it closed). */
export function ticketAudience(s: { ix: WorldIndex }, t: Ticket): string[] {
  const open = withTicket(s.ix, { ...t, status: 'open' });
  return [...qualifiedAdmins(open, t.key).map((a) => a.userId), ...s.ix.orgAdmins.map((h) => h.userId)];
}

export const etagOf = (kind: string, id: string, version: number): string => `"${kind}-${id}-v${version}"`;

export function checkIfMatch(ifMatch: string | undefined, etag: string): void {
  if (!ifMatch) return;
  const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (!tags.includes('*') && !tags.includes(etag)) throw new HttpProblem('precondition-failed', `Current version is ${etag}; read it again before deciding.`);
}
