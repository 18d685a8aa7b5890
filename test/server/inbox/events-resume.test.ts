// A client of /v1/events learns its starting place at once, so one that drops before any event
// (a service worker Chrome stopped) and reconnects with it is replayed what happened meanwhile.
import { afterEach, describe, expect, it } from 'vitest';
import { harness, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe(`${ROUTES.events.path} resume`, () => {
  it('announces the starting id before any event; resuming from it replays what was missed', async () => {
    h = await harness('pglite');
    await h.call('olga-token', ROUTES.grant, { key: 'PS-101' }, {}); // an event that came before
    const first = await h.stream('olga-token', ROUTES.events);
    const start = /^id: (\S+)$/m.exec(await first.until(/^id: \S+$/m))![1]!;
    expect(start).toMatch(/^[1-9]\d*\.[0-9a-f]{16}$/);
    await first.close();

    // While disconnected, a colleague asks Olga to grant: an event addressed to her.
    const ask = await h.call('bob-token', ROUTES.ask, { key: 'PS-200' }, { adminId: 'olga' });
    expect(ask.status).toBe(201);
    const again = await h.stream('olga-token', ROUTES.events, start);
    const text = await again.until(/event: ask\.created/);
    expect(text).toContain('"PS-200"');
    await again.close();
  });
});
