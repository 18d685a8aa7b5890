// Start-up leaves large temporaries behind: the world file's text and its parsed JSON (22 MB and
// ~100 MB at 100k users), the PGlite template tarball (40 MB, twice: the file and its Blob). A
// freshly started API allocates little, so V8 would keep them for minutes before its first full
// collection. main.ts runs a full collection 0.2 s and 1 s after the API listens (PGlite's start-up
// promise chains let go of the template's buffers a little after it is ready, and one collection
// sometimes came too early: measured 200 MB instead of 160), so an idle sidecar's resident size is
// what it needs, not what it needed to start.
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
