import { notMeasured, type Row } from '../lib/stats';
export async function benchApiCost(_quick: boolean): Promise<Row[]> {
  return [notMeasured('API cost: access checks vs bare route', 'checks/s', 'pending', '≥ 80% of bare')];
}
