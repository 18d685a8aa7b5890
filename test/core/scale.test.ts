// Decisions cost time in the user's own roles and the ticket's candidate admins, not in org size.
import { describe, expect, it } from 'vitest';
import { generateWorld, grantEligibility, indexWorld } from '../../src/core/index';

describe('at 100,000 users', () => {
  it('indexes once, then decides quickly', () => {
    const world = generateWorld({ users: 100_000, sites: 1_000, tickets: 20_000, seed: 42 });
    const ix = indexWorld(world);
    const start = performance.now();
    for (let i = 0; i < 5_000; i++) grantEligibility(ix, world.users[(i * 19) % world.users.length]!.id, world.tickets[i]!.key);
    // ~30 µs each on a laptop; a scan of all users per decision would take seconds.
    expect(performance.now() - start).toBeLessThan(2_000);
  }, 30_000);
});
