// Loads a value through the background and reloads it whenever the background reports a change,
// and again whenever the live connection comes back after the service worker restarted.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { followChanges } from '../shared-ext/live';

export interface LiveState<T> {
  value?: T;
  error?: string;
  loading: boolean;
  reload(): void;
}

export function useLive<T>(load: () => Promise<T>): LiveState<T> {
  const [state, setState] = useState<{ value?: T; error?: string; loading: boolean }>({ loading: true });
  const reload = useCallback(() => {
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (value) => setState({ value, loading: false }),
      (error: Error) => setState((s) => ({ ...s, error: error.message, loading: false })),
    );
    // `load` is taken once, at mount: pages pass a fresh closure on every render.
  }, []);
  useEffect(() => {
    reload();
    const page = new AbortController();
    followChanges(() => reload(), page.signal);
    return () => page.abort();
  }, [reload]);
  return { ...state, reload };
}

export function Status({ state }: { state: { error?: string; loading: boolean; value?: unknown } }) {
  if (state.error)
    return (
      <p class="error" role="alert">
        {state.error}
      </p>
    );
  if (state.loading && state.value === undefined)
    return (
      <p class="note" role="status">
        Loading…
      </p>
    );
  return null;
}
