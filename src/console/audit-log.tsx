// Security → Audit log: one click to show only Support's actions, and one more to narrow them to a
// ticket's grant window (from its first grant to its revocation, or now).
import { useEffect, useState } from 'preact/hooks';
import { callBackground } from '../shared-ext/messages';
import { when } from '../shared-ext/format';
import { Status } from './use-live';
import type { AuditRowView, GrantView } from './views';

interface Filter {
  supportOnly: boolean;
  ticket?: string;
}

export function AuditLog({ initialTicket }: { initialTicket?: string }) {
  const [filter, setFilter] = useState<Filter>({ supportOnly: initialTicket !== undefined, ticket: initialTicket });
  const [grants, setGrants] = useState<GrantView[]>([]);
  const [state, setState] = useState<{ rows?: AuditRowView[]; window?: { from?: string; to?: string }; total?: number; nextCursor?: string | null; error?: string; loading: boolean }>({
    loading: true,
  });
  // Cursors of the pages before this one (newest first): Previous pops, Next pushes.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const PAGE_SIZE = 100;

  useEffect(() => {
    void callBackground('listGrants', { states: ['active', 'revoked', 'pending_guard_approval', 'denied'] }).then(setGrants, () => setGrants([]));
  }, []);
  useEffect(() => {
    setCursors([undefined]);
  }, [filter.supportOnly, filter.ticket]);
  useEffect(() => {
    setState((s) => ({ ...s, loading: true }));
    parent.postMessage({ type: 'access-companion:audit-filter', supportOnly: filter.supportOnly }, '*');
    callBackground('getAudit', { supportOnly: filter.supportOnly, ticket: filter.ticket, cursor }).then(
      (out) => setState({ rows: out.rows, window: out.window, total: out.total, nextCursor: out.nextCursor, loading: false }),
      (e: Error) => setState({ error: e.message, loading: false }),
    );
  }, [filter.supportOnly, filter.ticket, cursor]);
  const first = (cursors.length - 1) * PAGE_SIZE + 1;

  const tickets = [...new Set(grants.map((g) => g.ticket))].sort();
  return (
    <>
      <fieldset class="filters" aria-label="Audit log filters">
        <button type="button" aria-pressed={filter.supportOnly} onClick={() => setFilter((f) => ({ ...f, supportOnly: !f.supportOnly }))}>
          Support actors only
        </button>
        <label class="small" for="ticket">
          Ticket's window
        </label>
        <select
          id="ticket"
          value={filter.ticket ?? ''}
          onChange={(e) => {
            const ticket = e.currentTarget.value || undefined;
            setFilter({ supportOnly: ticket ? true : filter.supportOnly, ticket });
          }}
        >
          <option value="">Any time</option>
          {tickets.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
          {filter.ticket && !tickets.includes(filter.ticket) && <option value={filter.ticket}>{filter.ticket}</option>}
        </select>
        {(filter.supportOnly || filter.ticket) && (
          <button type="button" onClick={() => setFilter({ supportOnly: false })}>
            Clear
          </button>
        )}
      </fieldset>
      {filter.ticket && state.window && (
        <p class="note">
          Window for {filter.ticket}: {when(state.window.from)} – {state.window.to ? when(state.window.to) : 'now'}
        </p>
      )}
      <Status state={{ ...state, value: state.rows }} />
      {state.rows && state.rows.length === 0 && <p class="note">No matching activity.</p>}
      {state.rows && state.rows.length > 0 && (
        <nav class="pager" aria-label="Audit pages">
          <span role="status" class="small">
            Showing {first}–{first + state.rows.length - 1}
            {state.total !== undefined ? ` of ${state.total}` : ''}
          </span>
          <button type="button" disabled={cursors.length === 1 || state.loading} onClick={() => setCursors((c) => c.slice(0, -1))}>
            Newer
          </button>
          <button type="button" disabled={!state.nextCursor || state.loading} onClick={() => setCursors((c) => [...c, state.nextCursor ?? undefined])}>
            Older
          </button>
        </nav>
      )}
      {state.rows && state.rows.length > 0 && (
        <table aria-label="Audit entries">
          <thead>
            <tr>
              <th>Date</th>
              <th>Actor</th>
              <th>Activity</th>
              <th>Resource</th>
            </tr>
          </thead>
          <tbody>
            {state.rows.map((r) => (
              <tr key={r.id}>
                <td class="small">{when(r.at)}</td>
                <td>
                  {r.actor}
                  {r.actorKind === 'engineer' && <div class="small">Atlassian Support</div>}
                </td>
                <td>{r.action}</td>
                <td class="small">
                  {r.resource}
                  {r.ticket ? ` · ${r.ticket}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
