// The world the eligibility rows share and the loop that times them: bench/eligibility.ts (roles of
// their own at 100,000 users) and bench/directory.ts (roles through groups) call these, and the
// server rows start from the same world.
import { generateWorld, grantEligibility, indexWorld, qualifiedAdmins, type World } from '../../src/core/index';
import { now } from './stats';

export const SCALE = { users: 100_000, sites: 1_000, tickets: 20_000, seed: 42 } as const;

/** The generated world at SCALE (the same one for a seed). */
export function scaleWorld(): World {
  return generateWorld(SCALE);
}

export interface EligibilityTimings {
  /** Building the index, once, in ms. */
  indexMs: number;
  /** Each timed call, in ms. */
  samples: number[];
  /** Answers that allowed the caller. */
  allowed: number;
  /** Qualified admins listed, summed over the answers. */
  listed: number;
}

/**
 * Indexes `world` once, warms up with 2,000 calls, then times `n` calls of grantEligibility spread
 * over the whole world: half by an admin who qualifies (the path that builds the full answer), half
 * by anyone.
 */
export function timeEligibility(world: World, n: number): EligibilityTimings {
  const t0 = now();
  const ix = indexWorld(world);
  const indexMs = now() - t0;
  const samples: number[] = [];
  let allowed = 0;
  let listed = 0;
  for (let i = 0; i < 2_000; i++) grantEligibility(ix, world.users[(i * 7919) % world.users.length]!.id, world.tickets[i % world.tickets.length]!.key);
  for (let i = 0; i < n; i++) {
    const ticket = world.tickets[(i * 31) % world.tickets.length]!.key;
    const q = i % 2 === 0 ? qualifiedAdmins(ix, ticket) : [];
    const user = q.length ? q[i % q.length]!.userId : world.users[(i * 104_729) % world.users.length]!.id;
    const s = now();
    const e = grantEligibility(ix, user, ticket);
    samples.push(now() - s);
    if (e.allowed) allowed++;
    listed += e.qualifiedAdmins.length;
  }
  return { indexMs, samples, allowed, listed };
}
