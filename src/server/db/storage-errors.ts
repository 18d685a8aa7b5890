// Storage failures (disk full, I/O errors, a failed sync) told apart from other database errors,
// so the API can answer them as what they are: a 503 that says the storage failed, never a 500.

/**
 * The database could not write to its storage. `fenced`: a sync failed, what was written since the
 * last good sync may be lost, and the database refuses everything until the API is restarted;
 * otherwise (disk full) the statement was rolled back whole and a retry may succeed once space is
 * freed.
 */
export class StorageUnavailable extends Error {
  constructor(
    /** What failed, for people: "no space left on device". */
    readonly reason: string,
    readonly fenced: boolean,
    cause?: unknown,
  ) {
    super(`The API could not write to its storage: ${reason}`, cause === undefined ? undefined : { cause });
    this.name = 'StorageUnavailable';
  }
}

// PostgreSQL SQLSTATEs: 53100 disk_full, 58030 io_error.
const SQLSTATE: Record<string, string> = { '53100': 'no space left on device', '58030': 'an I/O error' };
// Node errno codes, as the file-system layer raises them.
const ERRNO: Record<string, string> = { ENOSPC: 'no space left on device', EDQUOT: 'disk quota exceeded', EIO: 'an I/O error', EROFS: 'the storage is read-only' };

/**
 * The storage failure `e` reports, or undefined for any other error. `reason` is short and names no
 * file (it is shown to clients); `fatal`: the database process cannot go on (PostgreSQL PANICked,
 * as it does when a sync of the WAL fails).
 */
export function storageFailureOf(e: unknown): { reason: string; fatal: boolean } | undefined {
  const err = e as { code?: unknown; severity?: unknown };
  const fatal = err?.severity === 'PANIC';
  const code = typeof err?.code === 'string' ? err.code : '';
  const kind = SQLSTATE[code] ?? ERRNO[code];
  if (kind) return { reason: kind, fatal };
  if (fatal) return { reason: 'the database stopped after a storage error', fatal };
  return undefined;
}
