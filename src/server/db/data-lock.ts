// One process per embedded data folder. PGlite has no postmaster to refuse a second writer: two
// APIs on one folder both acknowledge writes and one side's are lost at the next start. A lock file
// naming the holder (pid and the kernel's start time for that pid) is held for the process's life;
// a lock whose holder is gone (killed, crashed) is taken over under a short-lived takeover guard.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileWhole } from './write-file';

export const LOCK_FILE = 'access-api.lock';

interface Holder {
  pid: number;
  startTime: string | null;
  host: string;
  since: string;
  what: string;
}

/** The data folder is in use by a live process; the message says by whom and what to do. */
export class DataDirLocked extends Error {
  constructor(dir: string, h: Holder) {
    super(`The data folder ${dir} is in use by ${h.what} (pid ${h.pid}, since ${h.since}). Stop that process first, or give this one another --data folder.`);
    this.name = 'DataDirLocked';
  }
}

/** The kernel's start time of `pid` (Linux /proc), to tell a live holder from a reused pid. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(h: Holder): boolean {
  if (h.host !== hostname()) return true; // another machine's process: we cannot tell, so never steal
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTimeOf(h.pid);
  return !(h.startTime && now && now !== h.startTime);
}

function readHolder(file: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as Holder;
    return Number.isInteger(h.pid) && h.pid > 0 ? h : undefined;
  } catch {
    return undefined;
  }
}

/** Creates `file` holding `me`, atomically: written aside and linked in, so no reader sees it empty. */
const create = (file: string, me: Holder): boolean => writeFileWhole(file, JSON.stringify(me), 0o600, true);

/**
 * Creates `dir` (mode 0700) if missing and locks it for this process until `release()` or exit.
 * Throws DataDirLocked when a live process holds it. A lock left by a dead process (or one whose
 * file is unreadable, e.g. cut short by a crash while being written) is taken over.
 */
export function lockDataDir(dir: string, what = 'an Access API'): { release(): void } {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  // An existing folder we own is tightened too: it holds every grant and the audit log.
  if (statSync(dir).uid === process.getuid?.()) chmodSync(dir, 0o700);
  const file = join(dir, LOCK_FILE);
  const guard = `${file}.takeover`;
  const me: Holder = { pid: process.pid, startTime: startTimeOf(process.pid), host: hostname(), since: new Date().toISOString(), what };
  for (let attempt = 0; attempt < 20; attempt++) {
    if (create(file, me)) return holding(file);
    const holder = readHolder(file);
    if (holder && alive(holder)) throw new DataDirLocked(dir, holder);
    // Stale. Only the process holding the takeover guard may remove it: two newcomers that both
    // saw it stale must not both delete-and-create (the second would delete the first's new lock).
    if (!create(guard, me)) {
      const other = readHolder(guard);
      if (!other || !alive(other))
        try {
          unlinkSync(guard);
        } catch {
          /* someone else cleared it */
        }
      continue;
    }
    try {
      const again = readHolder(file);
      if (again && alive(again)) throw new DataDirLocked(dir, again);
      try {
        unlinkSync(file);
      } catch {
        /* already gone */
      }
      if (create(file, me)) return holding(file);
    } finally {
      try {
        unlinkSync(guard);
      } catch {
        /* gone */
      }
    }
  }
  throw new Error(`could not lock the data folder ${dir}: other processes keep racing for it; try again`);
}

function holding(file: string): { release(): void } {
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    // Only our own lock: never remove one a later holder wrote after ours was taken over.
    if (readHolder(file)?.pid === process.pid)
      try {
        unlinkSync(file);
      } catch {
        /* gone */
      }
  };
  process.on('exit', release);
  return { release };
}
