// The gate runs the API as the README does: built once by `npm run build:api` before any test.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const r = spawnSync('npm', ['run', '--silent', 'build:api'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`npm run build:api failed (${r.status})`);
}
