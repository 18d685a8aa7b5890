// Rows that need the Access API (scale: startup, memory, eligibility over HTTP, audit; API cost;
// revoke/grant latency). Loaded lazily, so the in-process sections run without the server's code.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Row } from './lib/stats';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..');

export async function benchServer(quick: boolean, part: 'api' | 'api-cost' | 'audit' | 'profile'): Promise<Row[]> {
  // The runner turns the throw into each promised row, "not measured", with its target.
  if (!existsSync(join(ROOT, 'src/server/main.ts'))) throw new Error('the Access API (src/server) does not exist yet');
  if (part === 'api-cost') return (await import('./server/api-cost')).benchApiCost(quick);
  if (part === 'profile') return (await import('./server/profile')).benchProfile(quick);
  if (part === 'audit') return (await import('./server/audit')).benchAudit(quick);
  return (await import('./server/index')).runServerRows(quick);
}
