// Rows that run against the Access API as a separate process: startup and memory with the
// 100,000-user world, grant/revoke latency, API cost over bare HTTP, audit at 1,000,000 rows.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scaleWorld } from '../eligibility';
import { notMeasured, type Row } from '../lib/stats';
import { benchGrantRevoke, pickActors } from './latency';
import { spawnApi } from './spawn-api';

export async function runServerRows(quick: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'ac-bench-'));
  try {
    const world = scaleWorld();
    const fixture = join(dir, 'world.json');
    writeFileSync(fixture, JSON.stringify(world));
    const api = await spawnApi({ fixture });
    try {
      const idle = api.rssMb();
      const actors = pickActors(world);
      rows.push(...(await benchGrantRevoke(api.base, actors, quick ? 15 : 100)));
      const used = api.rssMb();
      rows.unshift(
        { name: 'scale: API startup (100k users, fixture → /healthz)', value: api.startupMs, unit: 'ms', note: `node --import tsx src/server/main.ts --fixture <world.json> (in-memory PGlite); includes TypeScript loading` },
        { name: 'scale: API memory (RSS, 100k users)', value: used, unit: 'MB', note: `${idle.toFixed(0)} MB right after /healthz, ${used.toFixed(0)} MB after the latency rows` },
      );
    } finally {
      await api.stop();
    }
  } catch (e) {
    rows.push(notMeasured('server rows', '', `failed: ${(e as Error).message.split('\n')[0]}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const { benchApiCost } = await import('./api-cost');
  rows.push(...(await benchApiCost(quick)));
  const { benchAudit } = await import('./audit');
  rows.push(...(await benchAudit(quick)));
  return rows;
}
