// Access requests: pending product access requests the signed-in reviewer decides, aggregated
// across the org's sites; filters by site, product and kind; approve or deny one at a time or the
// selected ones together (each decided on its own, each result shown); recently decided below.
import { useState } from 'preact/hooks';
import { callBackground, type ClickEvidence } from '../shared-ext/messages';
import { useActionKeys } from '../shared-ext/action-keys';
import { GuardedButton, parkedText, vouched, withSelection } from '../shared-ext/guarded-button';
import { MAX_MESSAGE_LENGTH, stateLabel } from '../api/vocabulary';
import { useLive, Status } from './use-live';
import { useSettledAction } from '../shared-ext/use-settled';
import { KIND_LABEL, RequestCard } from './access-request-card';
import { seatChanges, seatChangeSentence } from './seat-changes';
import type { AccessRequestBulkRowView, AccessRequestKindView, AccessRequestView } from '../shared-ext/views';

interface Filter {
  site: string;
  product: string;
  kind: string;
}

const matches = (r: AccessRequestView, f: Filter) => (!f.site || r.site === f.site) && (!f.product || r.product === f.product) && (!f.kind || r.kind === f.kind);

export function AccessRequests() {
  const list = useLive(() => callBackground('listAccessRequests'));
  const [filter, setFilter] = useState<Filter>({ site: '', product: '', kind: '' });
  // Each selected request, and whether the tick that selected it counted (see GuardedCheckbox).
  const [selected, setSelected] = useState<Map<string, boolean>>(new Map());
  // Requests decided in the toolbar popup after a card here parked them: their cards are gone, so the page says it.
  const [decidedInPopup, setDecidedInPopup] = useState<Map<string, string>>(new Map());
  const all = list.value ?? [];
  const pendingAll = all.filter((r) => r.state === 'pending');
  const pending = pendingAll.filter((r) => matches(r, filter));
  const decided = all.filter((r) => r.state !== 'pending');
  const labels = new Map(all.map((r) => [r.id, `${r.forWhom.label} · ${r.productName}`]));
  // Only what is shown can be decided: a filter hides a selection instead of deciding it unseen.
  const chosen = pending.filter((r) => selected.has(r.id)).map((r) => r.id);
  const select = (id: string, on: boolean, click: ClickEvidence) =>
    setSelected((prev) => {
      const next = new Map(prev);
      if (on) next.set(id, vouched(click));
      else next.delete(id);
      return next;
    });

  const sites = [...new Map(pendingAll.map((r) => [r.site, r.siteHost])).entries()].sort();
  const products = [...new Map(pendingAll.map((r) => [r.product, r.productName])).entries()].sort();
  return (
    <>
      <h2>Pending product access requests</h2>
      <Status state={list} />
      {pendingAll.length > 0 && (
        <fieldset class="filters" aria-label="Filter requests">
          <select aria-label="Site" value={filter.site} onChange={(e) => setFilter({ ...filter, site: e.currentTarget.value })}>
            <option value="">All sites</option>
            {sites.map(([id, hostName]) => (
              <option key={id} value={id}>
                {hostName}
              </option>
            ))}
          </select>
          <select aria-label="Product" value={filter.product} onChange={(e) => setFilter({ ...filter, product: e.currentTarget.value })}>
            <option value="">All products</option>
            {products.map(([key, name]) => (
              <option key={key} value={key}>
                {name}
              </option>
            ))}
          </select>
          <select aria-label="Kind of request" value={filter.kind} onChange={(e) => setFilter({ ...filter, kind: e.currentTarget.value })}>
            <option value="">Every kind</option>
            {(Object.keys(KIND_LABEL) as AccessRequestKindView[]).map((k) => (
              <option key={k} value={k}>
                {KIND_LABEL[k]}
              </option>
            ))}
          </select>
          <span class="small">
            {pending.length} of {pendingAll.length} shown
          </span>
        </fieldset>
      )}
      {list.value && pending.length === 0 && <p class="note">{pendingAll.length ? 'No pending request matches these filters.' : 'Nothing waiting for review.'}</p>}
      {pending.length > 0 && (
        <BulkBar
          ids={chosen}
          ticks={chosen.map((id) => selected.get(id) ?? false)}
          selectedRequests={pending.filter((r) => selected.has(r.id))}
          labels={labels}
          onDone={() => {
            setSelected(new Map());
            list.reload();
          }}
        />
      )}
      {[...decidedInPopup].map(([id, said]) => (
        <p key={id} class="result ok" role="status" data-request={id}>
          {said}
        </p>
      ))}
      {pending.map((r) => (
        <RequestCard
          key={r.id}
          request={r}
          selected={selected.has(r.id)}
          onSelect={(on, click) => select(r.id, on, click)}
          onDone={(said) => {
            if (said) setDecidedInPopup((prev) => new Map(prev).set(r.id, said));
            list.reload();
          }}
        />
      ))}
      {decided.length > 0 && (
        <>
          <h2>Recently decided</h2>
          <table aria-label="Decided access requests">
            <thead>
              <tr>
                <th>For</th>
                <th>Product · site</th>
                <th>State</th>
                <th>Message</th>
              </tr>
            </thead>
            <tbody>
              {decided.map((r) => (
                <tr key={r.id} data-request={r.id}>
                  <td>
                    {r.forWhom.label}
                    <div class="small">asked by {r.requester.name}</div>
                  </td>
                  <td>
                    {r.productName}
                    <div class="small">{r.siteHost}</div>
                  </td>
                  <td>
                    <span class={`lozenge ${r.state}`}>{stateLabel(r.state)}</span>
                    {r.decidedWith && <div class="small">with {labels.get(r.decidedWith) ?? 'another request for this person'}</div>}
                  </td>
                  <td class="small">{r.message ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

function BulkBar({ ids, ticks, selectedRequests, labels, onDone }: { ids: string[]; ticks: boolean[]; selectedRequests: AccessRequestView[]; labels: Map<string, string>; onDone: () => void }) {
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [parked, setParked] = useState<{ pendingId: string; text: string; names: Map<string, string> } | undefined>();
  const [results, setResults] = useState<AccessRequestBulkRowView[]>([]);
  const [resultLabels, setResultLabels] = useState<Map<string, string>>(new Map());
  const keys = useActionKeys();
  // Parked here and settled in the popup: show what was done, as if decided here.
  useSettledAction(parked?.pendingId, (settled) => {
    if (settled.result.outcome === 'dismissed') return setParked({ pendingId: '', text: 'Dismissed in the toolbar popup: nothing was decided.', names: new Map() });
    setResultLabels(parked?.names ?? new Map());
    setResults(settled.result.requestRows ?? []);
    setParked(undefined);
    onDone();
  });
  // People, not requests: several requests for one person are one seat and one bar.
  const barred = new Set(selectedRequests.filter((r) => r.denyBars).map((r) => r.person.key)).size;
  const barRule = selectedRequests.find((r) => r.denyBars)?.barRule;
  // Every selected request by name, for the keyboard confirmation (which then vouches for the selection).
  const named = ids.map((id) => labels.get(id) ?? id).join('; ');

  async function decide(decision: 'approve' | 'deny', click: ClickEvidence) {
    setBusy(true);
    setParked(undefined);
    const text = decision === 'deny' ? message.trim() || undefined : undefined;
    const action = `bulk:${decision}:${[...ids].sort().join(',')}:${text ?? ''}`;
    const names = new Map(ids.map((id) => [id, labels.get(id) ?? id]));
    try {
      const out = await keys.run(action, (idempotencyKey) => callBackground('bulkDecideAccessRequests', { ids, decision, message: text, idempotencyKey, click: withSelection(click, ticks) }));
      if (out.outcome === 'parked') return setParked({ pendingId: out.pendingId, text: parkedText(out.reason), names });
      setResultLabels(names);
      setResults(out.requestRows ?? []);
      onDone();
    } catch (error) {
      setResultLabels(names);
      setResults(ids.map((id) => ({ id, ok: false, reason: (error as Error).message })));
    } finally {
      setBusy(false);
    }
  }

  return (
    <fieldset class="bulk" aria-label="Decide selected requests">
      <h2>Selected ({ids.length})</h2>
      {ids.length > 0 && <p class="small">Approving {seatChangeSentence(seatChanges(selectedRequests)).replace(/^Adds/, 'adds')} Each request is decided on its own.</p>}
      {barred > 0 && (
        <p class="warn" id="bulk-bar-warning">
          Denying bars {barred === 1 ? 'one person' : `${barred} people`} among these. {barRule}
        </p>
      )}
      {ids.length === 0 ? (
        <p class="small">Tick requests below to approve or deny them together.</p>
      ) : (
        <>
          <label class="small" for="bulk-msg">
            Message with a denial (optional)
          </label>
          <textarea id="bulk-msg" aria-describedby={barred > 0 ? 'bulk-bar-warning' : undefined} maxLength={MAX_MESSAGE_LENGTH} value={message} onInput={(e) => setMessage(e.currentTarget.value)} />
          <div class="actions">
            <GuardedButton class="primary" disabled={ids.length === 0 || busy} confirm={`Approve ${ids.length} selected: ${named}`} act={(click) => void decide('approve', click)}>
              Approve selected ({ids.length})
            </GuardedButton>
            <GuardedButton class="danger" disabled={ids.length === 0 || busy} confirm={`Deny ${ids.length} selected: ${named}`} act={(click) => void decide('deny', click)}>
              Deny selected ({ids.length})
            </GuardedButton>
          </div>
        </>
      )}
      {parked && (
        <p class="parked" role="alert">
          {parked.text}
        </p>
      )}
      {results.map((r) => (
        <p key={r.id} class={`result ${r.ok ? 'ok' : 'error'}`} role="status" data-request={r.id}>
          {resultLabels.get(r.id) ?? r.id}: {r.ok ? `${stateLabel(r.state ?? '')}${r.decidedWith ? ' (with another request for the same person)' : ''}` : `Refused: ${r.reason ?? 'unknown reason'}`}
        </p>
      ))}
    </fieldset>
  );
}
