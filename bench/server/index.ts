// Rows that run against the Access API as a separate process: startup and memory with the
// 100,000-user world (and with the small demo world, to show what is fixed cost), grant/revoke latency.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scaleWorld } from '../eligibility';
import { notMeasured, type Row } from '../lib/stats';
import { benchGrantRevoke, pickActors } from './latency';
import { ROOT, spawnApi } from './spawn-api';

export async function runServerRows(quick: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'ac-bench-'));
  try {
    // The demo world first: what startup costs before the world's size matters (tsx, PGlite, migrations).
    const small = await spawnApi({ fixture: join(ROOT, 'fixtures/demo-world.json') });
    const smallMs = small.startupMs;
    const smallRss = small.rssMb();
    await small.stop();
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
        { name: 'scale: API startup (100k users, fixture → /healthz)', value: api.startupMs, unit: 'ms', note: `node --import tsx src/server/main.ts --fixture <world.json> (in-memory PGlite), spawn to first 200 from /healthz; the demo world takes ${smallMs.toFixed(0)} ms (tsx, PGlite, migrations)` },
        { name: 'scale: API memory (RSS, 100k users)', value: used, unit: 'MB', note: `${idle.toFixed(0)} MB right after /healthz, ${used.toFixed(0)} MB after the latency rows; the demo world: ${smallRss.toFixed(0)} MB` },
      );
    } finally {
      await api.stop();
    }
  } catch (e) {
    rows.push(notMeasured('server rows', '', `failed: ${(e as Error).message.split('\n')[0]}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
