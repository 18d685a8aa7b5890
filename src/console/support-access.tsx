// Settings → Support access: outstanding Support requests with scope and my eligibility per row;
// select several and grant in one go (each row succeeds or fails on its own); active grants with revoke.
import { useEffect, useState } from 'preact/hooks';
import { callBackground, type ClickEvidence } from '../shared-ext/messages';
import { useActionKeys } from '../shared-ext/action-keys';
import { GuardedButton, GuardedCheckbox, parkedText, vouched, withSelection } from '../shared-ext/guarded-button';
import { stateLabel } from '../api/vocabulary';
import { since } from '../shared-ext/format';
import { useLive, Status } from './use-live';
import { useSettledAction } from '../shared-ext/use-settled';
import { bulkGrantRowText } from '../shared-ext/action-result';
import type { BulkGrantRow, GrantView } from '../shared-ext/views';

/** Ticket keys the vendor page lists (from the frame URL; untrusted, the background checks them). */
const pageTickets = (new URLSearchParams(location.hash.replace(/^#/, '')).get('tickets') ?? '').split(',').filter(Boolean);

export function SupportAccess() {
  const requests = useLive(() => callBackground('getSupportRequests', { alsoTickets: pageTickets }));
  const grants = useLive(() => callBackground('listGrants', { states: ['active', 'pending_guard_approval'] }));
  // Each selected ticket, and whether the tick that selected it counted (a page could trick ticks
  // too): a bulk grant over any row ticked without evidence is parked like an unseen click.
  const [selected, setSelected] = useState<Map<string, boolean>>(new Map());
  const [results, setResults] = useState<Map<string, BulkGrantRow>>(new Map());
  const [busy, setBusy] = useState(false);
  const [parked, setParked] = useState<{ pendingId: string; text: string } | undefined>();
  const keys = useActionKeys();
  // A bulk grant parked here and confirmed (or dismissed) in the popup: show its result, as if done here.
  useSettledAction(parked?.pendingId, (settled) => {
    if (settled.result.outcome === 'dismissed') return setParked({ pendingId: '', text: 'Dismissed in the toolbar popup: nothing was granted.' });
    setParked(undefined);
    setResults(new Map((settled.result.rows ?? []).map((r) => [r.ticket, r])));
    setSelected(new Map());
    requests.reload();
    grants.reload();
  });

  const toggle = (key: string, click: ClickEvidence) =>
    setSelected((prev) => {
      const next = new Map(prev);
      if (next.has(key)) next.delete(key);
      else next.set(key, vouched(click));
      return next;
    });

  async function grantSelected(click: ClickEvidence) {
    setBusy(true);
    setParked(undefined);
    const tickets = [...selected.keys()].sort();
    // The same selection granted again (say, after a timeout) is the same action.
    const action = `bulk:${tickets.join(',')}`;
    try {
      const out = await keys.run(action, (idempotencyKey) => callBackground('bulkGrant', { tickets, idempotencyKey, click: withSelection(click, selected.values()) }));
      if (out.outcome === 'parked') return setParked({ pendingId: out.pendingId, text: parkedText(out.reason) });
      setResults(new Map((out.rows ?? []).map((r) => [r.ticket, r])));
      setSelected(new Map());
      requests.reload();
      grants.reload();
    } catch (error) {
      setResults(new Map([...selected.keys()].map((t) => [t, { ticket: t, ok: false, causes: [], reason: (error as Error).message }])));
    } finally {
      setBusy(false);
    }
  }

  const rows = requests.value ?? [];
  // A selected row that left the list (granted elsewhere, say from the popup) is no longer selected:
  // the count on the button is what a grant would now cover.
  useEffect(() => {
    const open = new Set((requests.value ?? []).filter((r) => r.mayGrant).map((r) => r.ticket));
    setSelected((prev) => ([...prev.keys()].every((k) => open.has(k)) ? prev : new Map([...prev].filter(([k]) => open.has(k)))));
  }, [requests.value]);
  return (
    <>
      <h2>Outstanding Support requests</h2>
      <Status state={requests} />
      {rows.length === 0 && requests.value && <p class="note">No outstanding requests.</p>}
      {rows.length > 0 && (
        <table aria-label="Outstanding Support requests">
          <thead>
            <tr>
              <th class="check">
                <span class="small">Select</span>
              </th>
              <th>Ticket</th>
              <th>Product · site</th>
              <th>What Support will see</th>
              <th>You</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const result = results.get(r.ticket);
              return (
                <tr key={r.ticket} data-ticket={r.ticket}>
                  <td class="check">
                    {/* Only rows the API lets me grant can be selected: a row I can't grant is never offered. */}
                    {r.mayGrant ? (
                      <GuardedCheckbox aria-label={`Select ${r.ticket}`} checked={selected.has(r.ticket)} onToggle={(click) => toggle(r.ticket, click)} />
                    ) : (
                      <input type="checkbox" disabled aria-label={`${r.ticket}: you can't grant it`} />
                    )}
                  </td>
                  <td>
                    <strong>{r.ticket}</strong>
                    <div class="small">{r.title}</div>
                    {r.engineer ? (
                      <div class="small">
                        {r.engineer} (Support) · asked {since(r.requestedAt)}
                      </div>
                    ) : (
                      <div class="small">Listed by the vendor as waiting; its details are shown to the admins who can grant it.</div>
                    )}
                  </td>
                  <td>
                    {r.product}
                    <div class="small">{r.siteHost}</div>
                  </td>
                  <td class="small">
                    {r.scopeSummary}
                    {r.guardApprovalRequired && <div>Needs a Guard admin's approval after you grant.</div>}
                  </td>
                  <td>
                    {r.allowed ? (
                      <span class="lozenge yes">You can grant</span>
                    ) : (
                      <>
                        <span class="lozenge no">You can't grant</span>
                        <ul class="causes">
                          {r.causes.map((c) => (
                            <li key={c.code}>
                              {c.message} <span class="small">— {c.fix}</span>
                            </li>
                          ))}
                        </ul>
                      </>
                    )}
                    {result && (
                      <div class={`result ${result.ok ? 'ok' : 'error'}`} role="status">
                        {bulkGrantRowText(result)}
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {/* Results of a grant stay visible even when the granted rows leave the outstanding list. */}
      {[...results.values()]
        .filter((r) => !rows.some((x) => x.ticket === r.ticket))
        .map((r) => (
          <p key={r.ticket} class={`result ${r.ok ? 'ok' : 'error'}`} role="status" data-ticket={r.ticket}>
            {r.ticket}: {bulkGrantRowText(r)}
          </p>
        ))}
      <div class="actions">
        <GuardedButton class="primary" disabled={selected.size === 0 || busy} confirm={`Grant Support access to ${[...selected.keys()].sort().join(', ')}`} act={(click) => void grantSelected(click)}>
          Grant data access to selected ({selected.size})
        </GuardedButton>
        <span class="small">Each request is granted or refused on its own.</span>
      </div>
      {parked && (
        <p class="parked" role="alert">
          {parked.text}
        </p>
      )}

      <h2>Active grants</h2>
      <Status state={grants} />
      <GrantTable
        grants={grants.value ?? []}
        onChange={() => {
          grants.reload();
          requests.reload();
        }}
      />
    </>
  );
}

export function GrantTable({ grants, onChange }: { grants: GrantView[]; onChange: () => void }) {
  const [errors, setErrors] = useState<Map<string, string>>(new Map());
  const keys = useActionKeys();
  if (grants.length === 0) return <p class="note">No active grants.</p>;
  async function revoke(id: string, click: ClickEvidence) {
    try {
      const out = await keys.run(`revoke:${id}`, (idempotencyKey) => callBackground('revokeGrant', { id, idempotencyKey, click }));
      if (out.outcome === 'parked') return setErrors((prev) => new Map(prev).set(id, parkedText(out.reason)));
      onChange();
    } catch (error) {
      setErrors((prev) => new Map(prev).set(id, (error as Error).message));
    }
  }
  return (
    <table aria-label="Active grants">
      <thead>
        <tr>
          <th>Ticket</th>
          <th>Product · site</th>
          <th>Engineer</th>
          <th>Since</th>
          <th>State</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {grants.map((g) => (
          <tr key={g.id} data-grant={g.id}>
            <td>
              <strong>{g.ticket}</strong>
              {g.kind === 'ai_conversations' && <div class="small">AI conversations</div>}
            </td>
            <td>
              {g.product}
              <div class="small">{g.siteHost}</div>
            </td>
            <td>{g.engineer}</td>
            <td>{since(g.grantedAt ?? g.requestedAt)}</td>
            <td>
              <span class={`lozenge ${g.state}`}>{stateLabel(g.state)}</span>
            </td>
            <td>
              <GuardedButton
                class="danger"
                aria-label={`Revoke ${g.ticket}`}
                confirm={`Revoke Support's access${g.kind === 'ai_conversations' ? ' to AI conversations' : ''} on ${g.ticket} (${g.product} on ${g.siteHost})`}
                act={(click) => void revoke(g.id, click)}
              >
                Revoke
              </GuardedButton>
              {errors.get(g.id) && <div class="result error">{errors.get(g.id)}</div>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
