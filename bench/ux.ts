// Row 6: latency a user feels, in real Chromium with the built extension.
import { notMeasured, type Row } from './lib/stats';

export async function benchUserLatency(_quick: boolean): Promise<Row[]> {
  const why = 'ticket panel and notifications are not built yet (src/background has no notifications)';
  return [
    notMeasured('ux: inbox item → notification (extension page open)', 'ms', why, '≤ 2 s'),
    notMeasured('ux: inbox item → notification (worker asleep)', 'ms', why, '≤ 35 s'),
    notMeasured('ux: sidebar rendered → panel visible (warm cache)', 'ms', why, '≤ 100 ms'),
    notMeasured('ux: sidebar rendered → panel visible (cold cache)', 'ms', why),
  ];
}
