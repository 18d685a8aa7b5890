// verify-worker.ts run from the TypeScript sources (tsx, vitest): Node 20 gives a worker thread no
// loader hooks, so it is imported through tsx here. The built API starts verify-worker.js instead.
import { tsImport } from 'tsx/esm/api';

await tsImport('./verify-worker.ts', import.meta.url);
