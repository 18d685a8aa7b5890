// The gate runs the API as the README does: built by `npm run build:api`, then `node main.js` from
// the build. The build is copied to a folder of the gate's own (tmp/gate-api, git-ignored) so
// that other tests rebuilding dist-api/ in the same `npm test` cannot change it under a running
// gate; node still resolves its packages from the repository's node_modules.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const GATE_API_DIR = join(ROOT, 'tmp/gate-api');

export default function setup(): void {
  const r = spawnSync('npm', ['run', '--silent', 'build:api'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`npm run build:api failed (${r.status})`);
  rmSync(GATE_API_DIR, { recursive: true, force: true });
  cpSync(join(ROOT, 'dist-api'), GATE_API_DIR, { recursive: true });
}
