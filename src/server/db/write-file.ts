// Files written whole: a reader, a crash or a second process never sees one half written.
import { randomBytes } from 'node:crypto';
import { linkSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Writes `text` to a new file (with `mode`) beside `file`, then renames it into place or,
 * `exclusive`, links it there unless a file is there already (then returns false).
 */
export function writeFileWhole(file: string, text: string, mode: number, exclusive = false): boolean {
  const tmp = join(dirname(file), `.${randomBytes(6).toString('hex')}.tmp`);
  writeFileSync(tmp, text, { mode, flag: 'wx' });
  try {
    if (exclusive) linkSync(tmp, file);
    else renameSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return false;
  } finally {
    if (exclusive) unlinkSync(tmp);
  }
}
