// Decisions cost time in the user's own roles and the ticket's candidate admins, not in org size.
// Timings belong to `npm run bench`; here we check the structure: once indexed, a decision never
// walks the org's lists of users, roles or tickets.
import { describe, expect, it } from 'vitest';
import { generateWorld, grantEligibility, indexWorld } from '../../src/core/index';

function untouchable<T extends object>(name: string, list: T[]): T[] {
  return new Proxy(list, {
    get(target, prop, receiver) {
      if (prop === 'length' || prop === Symbol.iterator || typeof prop === 'string') {
        throw new Error(`decision walked world.${name}`);
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

describe('at 100,000 users', () => {
  it('indexes once, then decides without scanning the org', () => {
    const world = generateWorld({ users: 100_000, sites: 1_000, tickets: 20_000, seed: 42 });
    const ix = indexWorld(world);
    const sample = Array.from({ length: 2_000 }, (_, i) => ({
      user: world.users[(i * 19) % world.users.length]!.id,
      ticket: world.tickets[i]!.key,
    }));
    const reference = sample.map((s) => grantEligibility(ix, s.user, s.ticket));
    ix.world = { ...world, users: untouchable('users', world.users), roles: untouchable('roles', world.roles), tickets: untouchable('tickets', world.tickets) };
    const again = sample.map((s) => grantEligibility(ix, s.user, s.ticket));
    expect(again).toEqual(reference);
    expect(reference.some((e) => e.allowed)).toBe(true);
    expect(reference.some((e) => !e.allowed)).toBe(true);
  }, 60_000);
});
