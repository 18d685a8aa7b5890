import { notMeasured, type Row } from '../lib/stats';
export async function benchAudit(_quick: boolean): Promise<Row[]> {
  return [notMeasured('scale: audit query by actor+time (1M rows)', 'ms', 'pending'), notMeasured('scale: audit chain verification (1M rows)', 'ms', 'pending')];
}
