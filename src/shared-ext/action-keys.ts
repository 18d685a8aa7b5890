// One idempotency key per intended action, not per click or per HTTP call: a retry of the same
// action (after a timeout, a parked click confirmed in the popup, a second click) reuses its key, so
// the API does it at most once. A key is let go when its action is done; the next one is new.
import { useRef } from 'preact/hooks';

export function useActionKeys() {
  const keys = useRef(new Map<string, string>());
  return {
    /** The key for `action` (e.g. `revoke:<grant id>`), made on first use. */
    keyFor(action: string): string {
      let key = keys.current.get(action);
      if (!key) keys.current.set(action, (key = crypto.randomUUID()));
      return key;
    },
    /** The action succeeded: the same button later is a new action. */
    done(action: string): void {
      keys.current.delete(action);
    },
  };
}
