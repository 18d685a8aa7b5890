// Start-up leaves large temporaries behind: the world file's text and its parsed JSON (22 MB and
// ~100 MB at 100k users), the PGlite template tarball (40 MB, twice: the file and its Blob). A
// freshly started API allocates little, so V8 would keep them for minutes before its first full
// collection. One full collection right after start returns them, so an idle sidecar's resident
// size is what it needs, not what it needed to start.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Run one full garbage collection now. V8 exposes `gc` only to code compiled after
 * `--expose-gc` is set, so the function is taken from a fresh context; the flag stays on for the
 * process, and nothing else calls it. Cost: one full collection (tens of ms at 100k users).
 */
export function releaseStartupMemory(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
}
