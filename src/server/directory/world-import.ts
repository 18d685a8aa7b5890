// The world file and the stored directory at start (issue 21): the file is the first import of an
// empty database; on a database that already holds the org, what differs is reported and applied
// only when asked (--apply-world). An applied file is a directory change like any other: one change
// row (the access epoch moves), one audit row, and what follows from it follows the same rules as a
// live change (a site newly Guard-restricted holds its live grants for Guard; a ticket given back to
// the file's engineer ends the other's access; granters who no longer can are flagged when read).
import type { World } from '../../core/index';
import type { Db, Queryable } from '../db/index';
import type { AuditTrail } from '../audit/trail';
import { diffWorlds, worldSummary } from '../world-diff';
import { worldOf } from './cache';
import { holdLiveGrantsForGuard } from './effects';
import { clearDirectory, directoryImported, directorySeq, insertWorldDirectory, readDirectory, recordDirectoryChange } from './repository';

/** Only one process imports or applies at a time (several may start on one PostgreSQL). */
const DIRECTORY_START_LOCK = 4400002;

export interface DirectoryStart {
  /** The world decisions start from: the directory's org, people and roles with the file's engineers and tickets. */
  world: World;
  /** The last directory change it includes. */
  seq: number;
  /** What differs between the file and the stored directory, one line per kind (empty: they agree, or this was the first import). */
  differences: string[];
  /** The file was written into the directory now (first import, or applied when asked). */
  imported: boolean;
}

/**
 * Opens the directory for a process starting with `file`: imports it into an empty database, or
 * compares it with what is stored and, with `apply`, makes the directory what the file says.
 * People the identity provider added (source scim) and the file does not name are kept.
 */
export async function openDirectory(db: Db, file: World, opts: { apply: boolean; at: string; trail: AuditTrail }): Promise<DirectoryStart> {
  return db.transaction(async (tx) => {
    if (db.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [DIRECTORY_START_LOCK]);
    if (!(await directoryImported(tx))) {
      // The file's roles get the ids the directory gives them, so the index built from the file is
      // the one a read of the directory would build (without holding two copies of 100k people).
      let n = 0;
      for (const r of [...file.roles, ...(file.groupRoles ?? [])]) r.id = `role_w${++n}`;
      await insertWorldDirectory(tx, file, opts.at);
      // The first import is the org's starting state, like the world file's other seeds: no audit
      // row (the trail starts with the first act). A file applied later is a change, on record.
      await recordDirectoryChange(tx, opts.at, 'directory.import', [], [], false);
      return { world: file, seq: await directorySeq(tx), differences: [], imported: true };
    }
    const stored = (await readDirectory(tx))!;
    const before = worldOf(file, stored);
    const differences = diffWorlds(worldSummary(before), worldSummary(file));
    if (differences.length === 0 || !opts.apply) return { world: before, seq: stored.seq, differences, imported: false };
    await applyWorld(tx, opts.trail, file, before, opts.at, differences);
    const snap = (await readDirectory(tx))!;
    return { world: worldOf(file, snap), seq: snap.seq, differences, imported: true };
  });
}

async function applyWorld(tx: Queryable, trail: AuditTrail, file: World, before: World, at: string, differences: string[]): Promise<void> {
  const named = new Set(file.users.map((u) => u.id));
  const emails = new Set(file.users.map((u) => u.email.toLowerCase()));
  const kept = (await tx.query<{ id: string; email: string }>("SELECT id, email FROM people WHERE source = 'scim'"))
    .filter((p) => !named.has(p.id) && !emails.has(p.email.toLowerCase()))
    .map((p) => p.id);
  await clearDirectory(tx, kept);
  // The file's people are written again; those SCIM added stay as they are.
  await insertWorldDirectory(tx, { ...file, users: file.users }, at);
  // A world ticket's engineer is the file's again.
  await tx.query('DELETE FROM ticket_assignments WHERE key = ANY($1::text[])', [file.tickets.map((t) => t.key)]);
  const wasRestricted = new Set(before.organization.guard?.restrictedSites ?? []);
  let held = 0;
  for (const site of file.organization.guard?.restrictedSites ?? []) if (!wasRestricted.has(site)) held += (await holdLiveGrantsForGuard(tx, site, at, 'world-file')).length;
  const people = [...new Set([...before.users.map((u) => u.id), ...file.users.map((u) => u.id)])];
  await recordDirectoryChange(tx, at, 'directory.import', people, [], false);
  await trail.append(
    tx,
    {
      actor: 'world-file',
      actorKind: 'system',
      action: 'directory.import',
      resource: { type: 'directory', id: file.organization.id },
      outcome: 'done',
      detail: { first: false, differences, grantsHeldForGuard: held },
    },
    at,
  );
}
