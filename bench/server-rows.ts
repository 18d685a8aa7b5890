// Rows that need the Access API (scale: startup, memory, audit; API cost; revoke/grant latency).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { notMeasured, type Row } from './lib/stats';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..');

export async function benchServer(_quick: boolean): Promise<Row[]> {
  if (!existsSync(join(ROOT, 'src/server/main.ts'))) {
    const why = 'the Access API (src/server) does not exist yet';
    return [
      notMeasured('scale: API startup with 100k-user world', 'ms', why),
      notMeasured('scale: API memory (RSS) with 100k-user world', 'MB', why),
      notMeasured('API cost: access checks vs bare route', 'checks/s', why, '≥ 80% of bare'),
      notMeasured('revoke ack → next check refused', 'checks allowed', why, '0'),
      notMeasured('grant ack → engineer allowed', 'ms', why),
    ];
  }
  const { runServerRows } = await import('./server/index');
  return runServerRows(_quick);
}
