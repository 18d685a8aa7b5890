// Rows that need the Access API (scale: startup, memory, audit; API cost; revoke/grant latency).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { notMeasured, type Row } from './lib/stats';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..');

export async function benchServer(_quick: boolean, part: 'api' | 'api-cost' | 'audit'): Promise<Row[]> {
  if (!existsSync(join(ROOT, 'src/server/main.ts'))) {
    const why = 'the Access API (src/server) does not exist yet';
    if (part === 'api-cost') return [notMeasured('API cost: access checks vs bare route', 'checks/s', why, '≥ 80% of bare')];
    if (part === 'audit') return [notMeasured('scale: audit at 1M rows', 'ms', why)];
    return [
      notMeasured('scale: API startup with 100k-user world', 'ms', why),
      notMeasured('scale: API memory (RSS) with 100k-user world', 'MB', why),
      notMeasured('revoke ack → next check refused', 'checks allowed', why, '0'),
      notMeasured('grant ack → engineer allowed', 'ms', why),
    ];
  }
  if (part === 'api-cost') return (await import('./server/api-cost')).benchApiCost(_quick);
  if (part === 'audit') return (await import('./server/audit')).benchAudit(_quick);
  return (await import('./server/index')).runServerRows(_quick);
}
