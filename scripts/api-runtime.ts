// How the Access API's node process is started, in one place: `npm run api` (package.json spells
// the same out, and test/unit/api-runtime.test.ts keeps the two equal), `npm start` and the
// benchmarks all start it with these. Each setting is here because it was measured
// (`npm run bench`, docs/SCALE.md "A server that fits a small box"):
//
// - `--max-semi-space-size=4` (MB): V8's young generation grows to 3 × 16 MB by default and
//   stays there; the API's requests allocate little, so 4 MB semi-spaces cost no measurable
//   throughput and keep ~25 MB off an idle API. (1 MB saves 6 MB more but doubles the start-up
//   of a 100k-user org, which allocates its world in the young generation first.)
// - `MALLOC_ARENA_MAX=2`: glibc gives each thread that allocates its own malloc arena (the
//   WebAssembly compiler and libuv threads), each keeping its freed memory; two are plenty.
// - `MALLOC_TRIM_THRESHOLD_=1048576` (bytes): return freed memory at the top of the C heap to the
//   kernel once more than 1 MB of it is free; start-up's transient C allocations (compiler zones,
//   the template unpacking) otherwise stay resident for the life of the process.
// - `--enable-source-maps`: stack traces in the log name the TypeScript sources.

/** Node options, before the entry script. */
export const API_NODE_ARGS: readonly string[] = ['--enable-source-maps', '--max-semi-space-size=4'];

/** Environment for the API process (added to the caller's). */
export const API_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '1048576' };

/** The built entry, relative to the repository root. */
export const API_ENTRY = 'dist-api/main.js';

/** The command line `npm run api` runs (package.json's "api" script), from the settings above. */
export function apiScript(): string {
  return [...Object.entries(API_ENV).map(([k, v]) => `${k}=${v}`), 'node', ...API_NODE_ARGS, API_ENTRY].join(' ');
}
