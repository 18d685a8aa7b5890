// One idempotency key per intended action, not per click or per HTTP call: a retry of the same
// action (after a timeout, a parked click confirmed in the popup, a second click) reuses its key, so
// the API does it at most once. A key is let go when its action is done, or when the popup settles
// the parked action it was made for; the next press is a new action. A key kept past its action's
// end would make a later press of the same button replay the old answer ("Granted") while the API
// does nothing (outside review of 2026-12-07: a bulk grant and a role assignment; then a request for
// a teammate and a flagged grant's revoke, whose pages forgot to let a parked action's key go). So
// pages never hold keys themselves: every action goes through `run`, which does the bookkeeping.
import { useEffect, useRef } from 'preact/hooks';
import { followChanges } from './live';

export function useActionKeys() {
  const keys = useRef(new Map<string, string>());
  // Parked actions by pendingId, and the one listener that lets their keys go once the popup settles them.
  const parkedActions = useRef(new Map<string, string>());
  const listening = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => listening.current?.abort(), []);

  function keyFor(action: string): string {
    let key = keys.current.get(action);
    if (!key) keys.current.set(action, (key = crypto.randomUUID()));
    return key;
  }

  function parked(action: string, pendingId: string): void {
    parkedActions.current.set(pendingId, action);
    if (listening.current) return;
    listening.current = new AbortController();
    followChanges((_why, settled) => {
      const settledAction = settled && parkedActions.current.get(settled.pendingId);
      if (settledAction === undefined || !settled) return;
      parkedActions.current.delete(settled.pendingId);
      keys.current.delete(settledAction);
    }, listening.current.signal);
  }

  return {
    /**
     * Asks for `action` (a name for the intent, e.g. `revoke:<grant id>`: the same intent, the same
     * name) through `call`, which sends the background request with the key it is given; resolves
     * to what `call` resolves to. Done: the key is let go, so the same button later is a new action.
     * Parked for the popup (`{outcome: 'parked', pendingId}`): the key is kept while the popup holds
     * it (pressing again is the same action) and let go once the popup confirms or dismisses it.
     * Refused or failed (`call` throws, e.g. BackgroundError): the key is kept, so a retry is the
     * same action, and the error is rethrown.
     */
    async run<R>(action: string, call: (idempotencyKey: string) => Promise<R>): Promise<R> {
      const out = await call(keyFor(action));
      const maybeParked = out as { outcome?: unknown; pendingId?: unknown } | null;
      if (maybeParked?.outcome === 'parked' && typeof maybeParked.pendingId === 'string') parked(action, maybeParked.pendingId);
      else keys.current.delete(action);
      return out;
    },
  };
}
