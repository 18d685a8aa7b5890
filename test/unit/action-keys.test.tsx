// @vitest-environment happy-dom
// useActionKeys().run: the one way a page asks for an action, so no page can forget a parked
// action's key. Done lets the key go; parked keeps it until the popup settles that very action (the
// background's 'live' port says so); a failure keeps it for the retry.
import { render } from 'preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useActionKeys } from '../../src/shared-ext/action-keys';

type PortListener = (message: unknown) => void;
let portListeners: PortListener[] = [];
let keys: ReturnType<typeof useActionKeys>;

function Harness() {
  keys = useActionKeys();
  return null;
}

beforeEach(() => {
  portListeners = [];
  vi.stubGlobal('chrome', {
    runtime: {
      id: 'x',
      lastError: undefined,
      connect: () => ({
        onMessage: { addListener: (l: PortListener) => portListeners.push(l) },
        onDisconnect: { addListener: () => undefined },
        disconnect: () => undefined,
      }),
    },
  });
  render(<Harness />, document.createElement('div'));
});
afterEach(() => vi.unstubAllGlobals());

/** The key `run` hands the call for `action`, with the call answering `answer`. */
async function keyOf(action: string, answer: unknown = { outcome: 'done', state: 'active' }): Promise<string> {
  let seen = '';
  await keys.run(action, async (idempotencyKey) => {
    seen = idempotencyKey;
    return answer;
  });
  return seen;
}

const settle = (pendingId: string) => {
  for (const l of portListeners) l({ settled: { pendingId, result: { outcome: 'done', state: 'active' } } });
};

describe('useActionKeys().run', () => {
  it('done: the same button later is a new action (a new key)', async () => {
    const first = await keyOf('revoke:g1');
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(await keyOf('revoke:g1')).not.toBe(first);
  });

  it('parked: pressed again while the popup holds it, the same key; once the popup settles it, a new one', async () => {
    const parked = { outcome: 'parked', pendingId: 'p1', reason: 'The click did not come from you.' };
    const first = await keyOf('request:nina', parked);
    expect(await keyOf('request:nina', parked)).toBe(first);
    // Another parked action settled: this one's key stays.
    settle('p-other');
    expect(await keyOf('request:nina', parked)).toBe(first);
    settle('p1');
    expect(await keyOf('request:nina')).not.toBe(first);
  });

  it('refused or failed: the key stays for the retry, and the error reaches the page', async () => {
    let first = '';
    await expect(
      keys.run('grant:PS-101', async (k) => {
        first = k;
        throw new Error('Access API unreachable');
      }),
    ).rejects.toThrow('Access API unreachable');
    expect(await keyOf('grant:PS-101')).toBe(first);
  });

  it('keys are per action: two intents never share one', async () => {
    const parked = { outcome: 'parked', pendingId: 'p2', reason: 'r' };
    expect(await keyOf('revoke:g1', parked)).not.toBe(await keyOf('revoke:g2', parked));
  });
});
