// A client of /v1/events learns its starting place at once, so one that drops before any event
// (a service worker Chrome stopped) and reconnects with it is replayed what happened meanwhile.
import { afterEach, describe, expect, it } from 'vitest';
import { harness, type Harness } from './helpers';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function open(token: string, lastEventId?: string) {
  const ctrl = new AbortController();
  const res = await h!.api.app.request('/v1/events', { headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }, signal: ctrl.signal });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  return {
    async until(re: RegExp): Promise<string> {
      while (!re.test(text)) text += (await reader.read()).value ?? '';
      return text;
    },
    async close() {
      ctrl.abort();
      await reader.cancel().catch(() => {});
    },
  };
}

describe('/v1/events resume', () => {
  it('announces the starting id before any event; resuming from it replays what was missed', async () => {
    h = await harness('pglite');
    await h.req('olga-token', 'POST', '/v1/tickets/PS-101/grants', {}); // an event that came before
    const first = await open('olga-token');
    const start = /^id: (\S+)$/m.exec(await first.until(/^id: \S+$/m))![1]!;
    expect(start).toMatch(/^[1-9]\d*\.[0-9a-f]{16}$/);
    await first.close();

    // While disconnected, a colleague asks Olga to grant: an event addressed to her.
    const ask = await h.req('bob-token', 'POST', '/v1/tickets/PS-200/ask', { adminId: 'olga' });
    expect(ask.status).toBe(201);
    const again = await open('olga-token', start);
    const text = await again.until(/event: ask\.created/);
    expect(text).toContain('"PS-200"');
    await again.close();
  });
});
