// Audit rows as the API sends them: the stored row with the actor's display name and, on the audit
// log's pages, what the row is about in words (people, tickets and products by name).
import type * as W from '../../api/schemas';
import { productName, productOnSite, type AccessRequest } from '../../core/index';
import type { AuditRecord } from './trail';
import type { ServerContext } from '../context';
import type { Queryable } from '../db/index';
import { accessRequestsByIds } from '../grants/repository';
import { aiConversationsWire } from '../grants/views';

type Named = { type?: unknown; id?: unknown; site?: unknown; product?: unknown; kind?: unknown } | null;
const text = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** One audit row on the wire; `actorName` is the engineer's or user's name, an API key's name as it was when it acted, else the actor id. */
export function auditWire(s: ServerContext, row: AuditRecord, requests?: ReadonlyMap<string, AccessRequest>): W.AuditRowWire {
  const [engineer, keyName] = [s.ix.engineersById.get(row.actor), text((row.detail as { keyName?: unknown } | null)?.keyName)];
  const names = { engineer: engineer?.name ?? engineer?.email, admin: s.ix.usersById.get(row.actor)?.name, key: keyName === undefined ? undefined : `API key “${keyName}”`, system: undefined };
  const resourceName = requests ? auditResourceName(s, row, requests) : undefined;
  return { ...row, id: String(row.seq), actorName: names[row.actorKind] ?? row.actor, ...(resourceName ? { resourceName } : {}) };
}

/** The product access requests a page of rows names, by id (one read). */
export async function requestsNamedBy(q: Queryable, rows: AuditRecord[]): Promise<Map<string, AccessRequest>> {
  const ids = rows.flatMap(({ resource }) => ((resource as Named)?.type === 'access_request' && text((resource as Named)?.id)) || []);
  return new Map((await accessRequestsByIds(q, [...new Set(ids)])).map((r) => [r.id, r]));
}

/**
 * What a row is about, as an admin says it: "Confluence on acme.atlassian.net for Frank Moreau",
 * "AI conversations on PS-105", "Priya Raman", "Ticket PS-101". Undefined when the row names nothing.
 */
function auditResourceName(s: ServerContext, row: AuditRecord, requests: ReadonlyMap<string, AccessRequest>): string | undefined {
  const r = row.resource as Named;
  if (!r || typeof r !== 'object') return undefined;
  const [id, on] = [text(r.id), row.ticket ? ` on ${row.ticket}` : ''];
  const place = (site?: string, product?: string) => (product ? (site ? productOnSite(s.ix, site, product) : productName(product)) : undefined);
  const userName = (id: string) => s.ix.usersById.get(id)?.name ?? s.ix.engineersById.get(id)?.name ?? id;
  switch (r.type) {
    case 'access_request': {
      const req = requests.get(id ?? '');
      const where = place(req?.site ?? text(r.site), req?.product ?? text(r.product)) ?? 'Product access';
      return req ? `${where} for ${req.self ? userName(req.requestedBy) : 'userId' in req.for ? userName(req.for.userId) : req.for.email}` : where;
    }
    case 'grant': {
      const ids = (row.detail as { conversations?: unknown } | null)?.conversations;
      const named = Array.isArray(ids) ? ids.filter((c): c is string => typeof c === 'string') : [];
      return r.kind !== 'ai_conversations' ? `Data access${on}` : `AI conversations${named.length ? ` ${conversationList(s, row.ticket ?? undefined, named)}` : ''}${on}`;
    }
    case 'admin':
      return id && userName(id);
    case 'ticket':
      return id && `Ticket ${id}`;
    case 'product':
      return place(text(r.site), text(r.product));
    default: // What Support opened in the product ("work item CONF-1", "page export-settings"): its own name.
      return typeof r.type === 'string' && id ? `${r.type.replace(/_/g, ' ')} ${id}` : undefined;
  }
}

/**
 * Conversations as an admin knows them: `“Export failure triage” (Tomás Ferreira), rovo-conv-8813`:
 * the title and owner the ticket's record gives, else the id.
 */
function conversationList(s: ServerContext, ticket: string | undefined, ids: string[]): string {
  const t = ticket ? s.ix.ticketsByKey.get(ticket) : undefined;
  const known = new Map((t ? aiConversationsWire(s, t) : []).map((c) => [c.id, c]));
  const named = (c: W.AiConversationWire) => `${c.title ? `“${c.title}”` : c.id}${c.owner ? ` (${c.ownerName ?? c.owner})` : ''}`;
  return ids.map((id) => named(known.get(id) ?? { id })).join(', ');
}
