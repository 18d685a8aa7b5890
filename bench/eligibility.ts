// Row 2a: eligibility with qualified admins at 100,000 users / 1,000 sites / 20,000 tickets.
import type { World } from '../src/core/index';
import { timeEligibility } from './lib/eligibility-at-scale';
import { ELIGIBILITY } from './lib/expected';
import { summarize, type Row } from './lib/stats';

export function benchEligibility(world: World, quick: boolean): Row[] {
  const n = quick ? 20_000 : 100_000;
  const { indexMs, samples, allowed, listed } = timeEligibility(world, n);
  const st = summarize(samples);
  return [
    {
      ...ELIGIBILITY,
      value: st.p99,
      median: st.median,
      p99: st.p99,
      latencyUnit: 'ms',
      met: st.p99 <= 10,
      note: `${n.toLocaleString('en-US')} calls over ${world.users.length.toLocaleString('en-US')} users / ${world.sites.length} sites / ${world.tickets.length.toLocaleString('en-US')} tickets (index built once in ${indexMs.toFixed(0)} ms); ${allowed} allowed, mean ${(listed / n).toFixed(1)} qualified admins listed`,
    },
  ];
}
