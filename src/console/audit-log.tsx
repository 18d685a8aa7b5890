// Security → Audit log: one click to show only Support's actions, and one more to narrow them to a
// ticket's grant window (from its first grant to its revocation, or now); people, tickets and
// products by name, refusals with their reason, an export of what the filter shows, and Verify (the
// signed trail's check, in words). Someone the API does not let read the log gets its answer, not
// filters or tools for a log they cannot see.
import { useEffect, useState } from 'preact/hooks';
import { callBackground } from '../shared-ext/messages';
import { displayText, when } from '../shared-ext/format';
import { auditCsv, auditJsonLines, EXPORT_MAX_ROWS, saveFile } from './audit-export';
import { Status } from './use-live';
import { AuditVerdict, AuditVerifyButton, type AuditVerifyState } from './audit-verify';
import type { AuditRowView, GrantView } from '../shared-ext/views';

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
  // The filters appear once the API has answered with rows at all: a caller it refuses sees why, not controls.
  const [readable, setReadable] = useState(false);
  const [exporting, setExporting] = useState<string | undefined>();
  const [verdict, setVerdict] = useState<AuditVerifyState>({ kind: 'idle' });
  const cursor = cursors.at(-1);
  const PAGE_SIZE = 100;

  useEffect(() => {
    void callBackground('listGrants', { states: ['active', 'revoked', 'pending_guard_approval', 'denied'] }).then(setGrants, () => setGrants([]));
  }, []);
  useEffect(() => {
    setCursors([undefined]);
  }, [filter.supportOnly, filter.ticket]);
  // The API says up front whether I may read the log (/v1/me capabilities): if not, no filters and no query.
  const [mayRead, setMayRead] = useState<boolean | undefined>();
  useEffect(() => {
    void callBackground('getMe').then(
      (me) => setMayRead(me.capabilities?.includes('read_audit') ?? true),
      () => setMayRead(true), // unknown: ask the log itself, whose refusal says why
    );
  }, []);
  useEffect(() => {
    if (!mayRead) return;
    setState((s) => ({ ...s, loading: true }));
    parent.postMessage({ type: 'access-companion:audit-filter', supportOnly: filter.supportOnly }, '*');
    callBackground('getAudit', { supportOnly: filter.supportOnly, ticket: filter.ticket, cursor }).then(
      (out) => {
        setReadable(true);
        setState({ rows: out.rows, window: out.window, total: out.total, nextCursor: out.nextCursor, loading: false });
      },
      (e: Error) => setState({ error: e.message, loading: false }),
    );
  }, [filter.supportOnly, filter.ticket, cursor, mayRead]);
  const first = (cursors.length - 1) * PAGE_SIZE + 1;

  const titles = new Map(grants.map((g) => [g.ticket, g.title]));
  const tickets = [...titles.keys()].sort();

  async function exportAs(format: 'csv' | 'jsonl') {
    setExporting(`Exporting…`);
    try {
      const rows: AuditRowView[] = [];
      let next: string | undefined;
      do {
        const out = await callBackground('getAudit', { supportOnly: filter.supportOnly, ticket: filter.ticket, cursor: next });
        rows.push(...out.rows);
        next = out.nextCursor ?? undefined;
      } while (next && rows.length < EXPORT_MAX_ROWS);
      const name = `audit-log${filter.ticket ? `-${filter.ticket}` : ''}${filter.supportOnly ? '-support' : ''}.${format}`;
      if (format === 'csv') saveFile(name, 'text/csv', auditCsv(rows));
      else saveFile(name, 'application/jsonl', auditJsonLines(rows));
      setExporting(`Exported ${rows.length} row${rows.length === 1 ? '' : 's'} to ${name}${next ? ` (the first ${EXPORT_MAX_ROWS}; narrow the filter for the rest)` : ''}.`);
    } catch (e) {
      setExporting(`Export failed: ${(e as Error).message}`);
    }
  }

  if (mayRead === false)
    return (
      <p class="error" role="alert">
        The audit log is for org admins: the Access API does not let you read it. Ask an org admin for the entries you need.
      </p>
    );
  if (!readable) return <Status state={{ ...state, value: state.rows }} />;
  return (
    <>
      <fieldset class="filters" aria-label="Audit log filters">
        <button type="button" aria-pressed={filter.supportOnly} onClick={() => setFilter((f) => ({ ...f, supportOnly: !f.supportOnly }))}>
          Support actors only
        </button>
        <label class="small" for="ticket">
          Ticket
        </label>
        <select
          id="ticket"
          value={filter.ticket ?? ''}
          onChange={(e) => {
            const ticket = e.currentTarget.value || undefined;
            setFilter({ supportOnly: ticket ? true : filter.supportOnly, ticket });
          }}
        >
          <option value="">All tickets</option>
          {tickets.map((t) => (
            <option key={t} value={t}>
              {titles.get(t) ? `${t} · ${titles.get(t)}` : t}
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
      <fieldset class="tools" aria-label="Audit log tools">
        <AuditVerifyButton onState={setVerdict} />
        <button type="button" disabled={exporting === 'Exporting…'} onClick={() => void exportAs('csv')}>
          Export CSV
        </button>
        <button type="button" disabled={exporting === 'Exporting…'} onClick={() => void exportAs('jsonl')}>
          Export JSON Lines
        </button>
      </fieldset>
      <AuditVerdict state={verdict} />
      {exporting && (
        <p class="small" role="status">
          {exporting}
        </p>
      )}
      {filter.ticket && state.window && (
        <p class="note">
          Support's activity on {filter.ticket} within its grant window: {when(state.window.from)} – {state.window.to ? when(state.window.to) : 'now'}
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
                  {/* Shown through displayText; the export keeps the log's own text. */}
                  {displayText(r.actor)}
                  {r.actorKind === 'engineer' && <div class="small">Atlassian Support</div>}
                  {r.actorKind === 'key' && <div class="small">API key</div>}
                </td>
                <td>
                  {r.action}
                  {r.outcome === 'refused' && <div class="small refused">Refused{r.reason ? `: ${displayText(r.reason)}` : ''}</div>}
                </td>
                <td class="small">
                  {displayText(r.resource)}
                  {r.ticket && !r.resource.includes(r.ticket) ? `${r.resource ? ' · ' : ''}${r.ticket}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
