// The panel's first line: how fresh what it shows is, and why not when it is stale.
import type { TicketView } from '../shared-ext/ticket-view';
import { useNow } from '../shared-ext/use-now';
import { ago } from './labels';

/** Ticks by itself: the age it states is never more than one tick old. */
export function Freshness({ view, refreshing }: { view: TicketView; refreshing: boolean }) {
  const now = useNow();
  const age = view.fetchedAt ? ago(now - view.fetchedAt) : 'never';
  if (view.stale && view.problem)
    return (
      <p class="status stale" role="status" data-fresh="false">
        Stale, from {age}: {view.problem.message}
      </p>
    );
  if (view.stale)
    return (
      <p class="status" role="status" data-fresh="false">
        From cache, {age}
        {refreshing ? ' · refreshing…' : ''}
      </p>
    );
  return (
    <p class="status" role="status" data-fresh="true">
      Up to date · {age}
    </p>
  );
}
