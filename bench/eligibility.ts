// Row 2a: eligibility with qualified admins at 100,000 users / 1,000 sites / 20,000 tickets.
import { generateWorld, grantEligibility, indexWorld, qualifiedAdmins, type World } from '../src/core/index';
import { ELIGIBILITY } from './lib/expected';
import { now, summarize, type Row } from './lib/stats';

export const SCALE = { users: 100_000, sites: 1_000, tickets: 20_000, seed: 42 } as const;

export function scaleWorld(): World {
  return generateWorld(SCALE);
}

export function benchEligibility(world: World, quick: boolean): Row[] {
  const t0 = now();
  const ix = indexWorld(world);
  const indexMs = now() - t0;
  const n = quick ? 20_000 : 100_000;
  const samples: number[] = [];
  let allowed = 0;
  let admins = 0;
  // Warm-up, then one timed call per (user, ticket) pair spread over the whole world.
  for (let i = 0; i < 2_000; i++) grantEligibility(ix, world.users[(i * 7919) % world.users.length]!.id, world.tickets[i % world.tickets.length]!.key);
  for (let i = 0; i < n; i++) {
    // Half the callers are admins who qualify (the path that builds the full answer), half anyone.
    const ticket = world.tickets[(i * 31) % world.tickets.length]!.key;
    const q = i % 2 === 0 ? qualifiedAdmins(ix, ticket) : [];
    const user = q.length ? q[i % q.length]!.userId : world.users[(i * 104_729) % world.users.length]!.id;
    const s = now();
    const e = grantEligibility(ix, user, ticket);
    samples.push(now() - s);
    if (e.allowed) allowed++;
    admins += e.qualifiedAdmins.length;
  }
  const st = summarize(samples);
  return [
    {
      ...ELIGIBILITY,
      value: st.p99,
      median: st.median,
      p99: st.p99,
      latencyUnit: 'ms',
      met: st.p99 <= 10,
      note: `${n.toLocaleString('en-US')} calls over ${world.users.length.toLocaleString('en-US')} users / ${world.sites.length} sites / ${world.tickets.length.toLocaleString('en-US')} tickets (index built once in ${indexMs.toFixed(0)} ms); ${allowed} allowed, mean ${(admins / n).toFixed(1)} qualified admins listed`,
    },
  ];
}
