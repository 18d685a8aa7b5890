// Audit rows as the API sends them: the stored row with the actor's display name and, on the audit
// log's pages, what the row is about in words (people, tickets and products by name).
import type * as W from '../api/schemas';
import { productName, siteLabel, type AccessRequest } from '../core/index';
import type { AuditRecord } from './audit';
import type { ServerContext } from './context';
import type { Queryable } from './db/index';
import { accessRequestById } from './store';

/** One audit row on the wire; `actorName` is the engineer's or user's name, an API key's name as it was when it acted, else the actor id. */
export function auditWire(s: ServerContext, row: AuditRecord, requests?: ReadonlyMap<string, AccessRequest>): W.AuditRowWire {
  const keyName = (row.detail as { keyName?: unknown } | null)?.keyName;
  const name =
    row.actorKind === 'engineer'
      ? (s.ix.engineersById.get(row.actor)?.name ?? s.ix.engineersById.get(row.actor)?.email)
      : row.actorKind === 'admin'
        ? s.ix.usersById.get(row.actor)?.name
        : row.actorKind === 'key' && typeof keyName === 'string'
          ? `API key “${keyName}”`
          : undefined;
  const resourceName = requests ? auditResourceName(s, row, requests) : undefined;
  return { ...row, id: String(row.seq), actorName: name ?? row.actor, ...(resourceName ? { resourceName } : {}) };
}

/** The product access requests a page of rows names, by id (one read each; a page holds at most 100 rows). */
export async function requestsNamedBy(q: Queryable, rows: AuditRecord[]): Promise<Map<string, AccessRequest>> {
  const ids = new Set<string>();
  for (const row of rows) {
    const r = row.resource as { type?: unknown; id?: unknown } | null;
    if (r?.type === 'access_request' && typeof r.id === 'string') ids.add(r.id);
  }
  const out = new Map<string, AccessRequest>();
  for (const id of ids) {
    const found = await accessRequestById(q, id);
    if (found) out.set(id, found);
  }
  return out;
}

/**
 * What a row is about, as an admin says it: "Confluence on acme.atlassian.net for Frank Moreau",
 * "AI conversations on PS-105", "Priya Raman", "Ticket PS-101". Undefined when the row names nothing.
 */
export function auditResourceName(s: ServerContext, row: AuditRecord, requests: ReadonlyMap<string, AccessRequest>): string | undefined {
  const r = row.resource as { type?: unknown; id?: unknown; site?: unknown; product?: unknown; kind?: unknown } | null;
  if (!r || typeof r !== 'object') return undefined;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const place = (site?: string, product?: string) =>
    product ? `${productName(product, site ? s.ix.productsBySiteKey.get(`${site}/${product}`) : undefined)}${site ? ` on ${siteLabel(s.ix.sitesById.get(site), site)}` : ''}` : undefined;
  const userName = (id: string) => s.ix.usersById.get(id)?.name ?? s.ix.engineersById.get(id)?.name ?? id;
  switch (r.type) {
    case 'access_request': {
      const req = requests.get(text(r.id) ?? '');
      const where = place(req?.site ?? text(r.site), req?.product ?? text(r.product)) ?? 'Product access';
      if (!req) return where;
      const forWhom = req.self ? userName(req.requestedBy) : 'userId' in req.for ? userName(req.for.userId) : req.for.email;
      return `${where} for ${forWhom}`;
    }
    case 'grant':
      return `${r.kind === 'ai_conversations' ? 'AI conversations' : 'Data access'}${row.ticket ? ` on ${row.ticket}` : ''}`;
    case 'admin':
      return text(r.id) ? userName(text(r.id)!) : undefined;
    case 'ticket':
      return text(r.id) ? `Ticket ${text(r.id)}` : undefined;
    case 'product':
      return place(text(r.site), text(r.product));
    default:
      // What Support opened in the product ("work item CONF-1", "page export-settings"): its own name.
      return typeof r.type === 'string' && text(r.id) ? `${r.type.replace(/_/g, ' ')} ${text(r.id)}` : undefined;
  }
}
