// What changed in the world file since a data folder last started (issue 19): starting the API on
// an existing --data folder with a different world file was silent, so an admin could not tell
// that people, roles, sites or products had moved under the grants and requests already stored.
// The folder keeps a summary of the world it last started with (never a token); at start the new
// world is compared with it and a short readable account goes to stderr.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { World } from '../core/index';
import { canonicalJson } from './audit';

/** The summary file in a data folder. */
export const WORLD_SUMMARY_FILE = 'access-api-world.json';

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

/** The comparable summary of a world: every entry by its key, without tokens. */
export function worldSummary(world: World): WorldSummary {
  const w = world as World & { groups?: Array<{ id: string }> };
  const by = <T>(list: T[] | undefined, key: (t: T) => string): Record<string, Record<string, unknown>> => Object.fromEntries((list ?? []).map((t) => [key(t), withoutToken(t as object)]));
  const roles: Record<string, Record<string, unknown>> = {};
  for (const r of world.roles as unknown as Array<Record<string, unknown>>) {
    // Two assignments of one role on one site (contact lists) stay apart.
    let k = roleKey(r);
    for (let i = 2; k in roles; i++) k = `${roleKey(r)} (#${i})`;
    roles[k] = r;
  }
  return {
    organization: { organization: withoutToken(world.organization) },
    sites: by(world.sites, (s) => s.id),
    products: by(world.products, (p) => `${p.site}/${p.key}`),
    people: by(world.users, (u) => u.id),
    groups: by(w.groups, (g) => g.id),
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

/**
 * Compares `world` with the summary kept in `dataDir` (if any), then keeps the new summary there.
 * Returns the lines to show (empty when nothing differs or the folder had no summary yet), plus
 * whether the folder had one. A summary that cannot be read is reported, never fatal.
 */
export function noteWorldChanges(dataDir: string, world: World): { lines: string[]; first: boolean; problem?: string } {
  const file = join(dataDir, WORLD_SUMMARY_FILE);
  const now = worldSummary(world);
  let lines: string[] = [];
  let first = true;
  let problem: string | undefined;
  if (existsSync(file)) {
    first = false;
    try {
      const kept = JSON.parse(readFileSync(file, 'utf8')) as { summary?: WorldSummary };
      lines = diffWorlds(kept.summary ?? {}, now);
    } catch (e) {
      problem = `could not read ${file} to compare the world file with the last start: ${(e as Error).message}`;
    }
  }
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ savedAt: new Date().toISOString(), summary: now })}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return { lines, first, problem };
}
