// First step of `npm test`: the browser tests need a real Chromium and must never be skipped.
// Installs Debian's chromium when we can (root + apt-get); otherwise stops with the command to run.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const INSTALL = 'apt-get update && apt-get install -y chromium';

function hasAptGet(): boolean {
  return spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
}

if (existsSync(CHROMIUM)) {
  process.exit(0);
}
const isRoot = process.getuid?.() === 0;
if (isRoot && hasAptGet() && !process.env.CHROMIUM_PATH) {
  console.log(`Chromium not found at ${CHROMIUM}; installing it: ${INSTALL}`);
  const result = spawnSync('sh', ['-c', INSTALL], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.status === 0 && existsSync(CHROMIUM)) process.exit(0);
  console.error(`Installing Chromium failed (exit ${result.status}).`);
  process.exit(1);
}
console.error(`Chromium not found at ${CHROMIUM}. The end-to-end tests need it. Install it with:\n\n  sudo sh -c '${INSTALL}'\n\nor point CHROMIUM_PATH at an existing Chromium/Chrome binary.`);
process.exit(1);
