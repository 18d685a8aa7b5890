// What differs between a world file and the directory the database holds (issues 19, 21): starting
// the API with a different world file was silent, so an admin could not tell that people, roles,
// sites or products had moved under the grants and requests already stored. At start the file is
// compared with the stored directory (directory/world-import.ts) and a short readable account goes
// to stderr; the file is applied only when asked (--apply-world). Tokens are never compared.
import type { World } from '../core/index';
import { canonicalJson } from '../core/canonical-json';

/** Per kind of entry, entry key → its fields (tokens left out). */
export type WorldSummary = Record<string, Record<string, Record<string, unknown>>>;

/** The kinds compared, in the order they are reported, with the word used for them. */
const KINDS: Array<[keyof WorldSummary & string, string]> = [
  ['organization', 'organization'],
  ['sites', 'sites'],
  ['products', 'products'],
  ['people', 'people'],
  ['groups', 'groups'],
  ['roles', 'roles'],
  ['engineers', 'engineers'],
  ['tickets', 'tickets'],
];

const withoutToken = <T extends object>(o: T): Record<string, unknown> => {
  const { token: _token, ...rest } = o as T & { token?: unknown };
  return rest;
};

/** How a role assignment is named: holder, role and where (its products are fields). */
const roleKey = (r: Record<string, unknown>): string => `${r.user ?? `group ${String(r.group)}`} ${String(r.role)}${r.site ? ` on ${String(r.site)}` : ''}`;

/** An org with no restricted site says nothing about Guard, however it was written. */
function orgAsStated(org: World['organization']): World['organization'] {
  if (org.guard && org.guard.restrictedSites.length > 0) return { ...org, guard: { restrictedSites: [...org.guard.restrictedSites].sort() } };
  const { guard: _guard, ...rest } = org;
  return rest;
}

/** The comparable summary of a world: every entry by its key, without tokens. */
export function worldSummary(world: World): WorldSummary {
  const by = <T>(list: T[] | undefined, key: (t: T) => string): Record<string, Record<string, unknown>> => Object.fromEntries((list ?? []).map((t) => [key(t), withoutToken(t as object)]));
  const roles: Record<string, Record<string, unknown>> = {};
  // The directory's ids and its default source are bookkeeping, not what the file says.
  const stated = [...world.roles, ...(world.groupRoles ?? [])].map((r) => {
    const { id: _id, source, ...rest } = r as Record<string, unknown>;
    return source === undefined || source === 'manual' ? rest : { ...rest, source };
  });
  for (const r of stated) {
    // Two assignments of one role on one site (contact lists) stay apart.
    let k = roleKey(r);
    for (let i = 2; k in roles; i++) k = `${roleKey(r)} (#${i})`;
    roles[k] = r;
  }
  return {
    organization: { organization: withoutToken(orgAsStated(world.organization)) },
    sites: by(world.sites, (s) => s.id),
    products: by(world.products, (p) => `${p.site}/${p.key}`),
    // When the identity provider last touched a person is bookkeeping, not what a file says.
    people: Object.fromEntries(world.users.map(({ lastSyncedAt: _synced, ...u }) => [u.id, withoutToken(u)])),
    groups: by(world.groups, (g) => g.id),
    roles,
    engineers: by(world.engineers, (e) => e.id),
    tickets: by(world.tickets, (t) => t.key),
  };
}

const MAX_NAMED = 6;
const named = (items: string[]): string => (items.length <= MAX_NAMED ? items.join(', ') : `${items.slice(0, MAX_NAMED).join(', ')} and ${items.length - MAX_NAMED} more`);
const short = (v: unknown): string => {
  const t = typeof v === 'string' ? v : canonicalJson(v);
  return t.length > 40 ? `${t.slice(0, 37)}…` : t;
};

/** What changed in one entry: field names, with old → new for short scalar values. */
function fieldChanges(before: Record<string, unknown>, after: Record<string, unknown>): string {
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return fields
    .filter((f) => canonicalJson(before[f]) !== canonicalJson(after[f]))
    .map((f) => {
      const a = before[f];
      const b = after[f];
      const scalar = (v: unknown) => v === undefined || v === null || typeof v !== 'object';
      return scalar(a) && scalar(b) ? `${f} ${a === undefined ? '(none)' : short(a)} → ${b === undefined ? '(none)' : short(b)}` : f;
    })
    .join(', ');
}

/**
 * One line per kind of entry that differs between `before` and `after` ("people: 1 added (priya);
 * 1 changed (bob: sites)"), in a fixed order; empty when the worlds agree.
 */
export function diffWorlds(before: WorldSummary, after: WorldSummary): string[] {
  const lines: string[] = [];
  for (const [kind, word] of KINDS) {
    const a = before[kind] ?? {};
    const b = after[kind] ?? {};
    const added = Object.keys(b).filter((k) => !(k in a));
    const removed = Object.keys(a).filter((k) => !(k in b));
    const changed = Object.keys(b)
      .filter((k) => k in a && canonicalJson(a[k]) !== canonicalJson(b[k]))
      .map((k) => `${k}: ${fieldChanges(a[k]!, b[k]!)}`);
    const parts: string[] = [];
    if (added.length) parts.push(`${added.length} added (${named(added)})`);
    if (removed.length) parts.push(`${removed.length} removed (${named(removed)})`);
    if (changed.length) parts.push(`${changed.length} changed (${named(changed)})`);
    if (kind === 'organization' && parts.length) lines.push(`organization: changed (${changed.map((c) => c.replace(/^organization: /, '')).join('')})`);
    else if (parts.length) lines.push(`${word}: ${parts.join('; ')}`);
  }
  return lines;
}
