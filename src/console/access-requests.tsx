// Access requests: who asked, for whom, whether they are on the site and verified; approve (with the
// seat count it brings the product to) or deny with an optional message, warned when denying bars.
import { useState } from 'preact/hooks';
import { callBackground } from '../shared-ext/messages';
import { since, STATE_LABEL } from '../shared-ext/format';
import { useLive, Status } from './use-live';
import type { AccessRequestView } from './views';

export function AccessRequests() {
  const list = useLive(() => callBackground('listAccessRequests'));
  const pending = (list.value ?? []).filter((r) => r.state === 'pending');
  const decided = (list.value ?? []).filter((r) => r.state !== 'pending');
  return (
    <>
      <h2>Pending product access requests</h2>
      <Status state={list} />
      {list.value && pending.length === 0 && <p class="note">Nothing waiting for review.</p>}
      {pending.map((r) => <RequestCard key={r.id} request={r} onDone={list.reload} />)}
      {decided.length > 0 && (
        <>
          <h2>Recently decided</h2>
          <table aria-label="Decided access requests">
            <thead><tr><th>For</th><th>Product · site</th><th>State</th><th>Message</th></tr></thead>
            <tbody>{decided.map((r) => (
              <tr key={r.id} data-request={r.id}>
                <td>{r.forWhom.label}</td><td>{r.productName}<div class="small">{r.siteHost}</div></td>
                <td><span class={`lozenge ${r.state}`}>{STATE_LABEL[r.state] ?? r.state}</span></td><td class="small">{r.message ?? ''}</td>
              </tr>))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

function RequestCard({ request: r, onDone }: { request: AccessRequestView; onDone: () => void }) {
  const [denying, setDenying] = useState(false);
  const [message, setMessage] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function act(type: 'approveAccessRequest' | 'denyAccessRequest') {
    setBusy(true);
    setError(undefined);
    try {
      await callBackground(type, type === 'denyAccessRequest' ? { id: r.id, message: message.trim() || undefined } : { id: r.id });
      onDone();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const label = `${r.forWhom.label} · ${r.productName}`;
  return (
    <section class="frame-card" aria-label={`Access request: ${label}`} data-request={r.id} style="border-bottom:1px solid #dcdfe4;padding:8px 0">
      <p style="margin:0"><strong>{r.forWhom.label}</strong> wants <strong>{r.productName}</strong> on {r.siteHost} <span class="small">· {since(r.createdAt)}</span></p>
      <ul class="small" style="margin:4px 0;padding-left:16px">
        <li>{r.forWhom.self ? `Asked for themself: ${r.requester.name} (${r.requester.email})` : `Asked by ${r.requester.name} (${r.requester.email}) for ${r.forWhom.label}`}</li>
        <li>Requester is {r.requester.onSite ? 'on this site' : <strong>not on this site</strong>}</li>
        <li>Email {r.requester.emailVerified === undefined ? 'verification unknown' : r.requester.emailVerified ? 'verified' : <strong>not verified</strong>}</li>
      </ul>
      {!denying ? (
        <div class="actions">
          <button type="button" class="primary" disabled={busy} onClick={() => void act('approveAccessRequest')}>Approve</button>
          <span class="small">{r.seatsAfter !== undefined ? `Brings ${r.productName} to ${r.seatsAfter} billable seats${r.seatsNow !== undefined ? ` (now ${r.seatsNow})` : ''}` : 'Adds one billable seat'}</span>
          <button type="button" disabled={busy} onClick={() => setDenying(true)}>Deny…</button>
        </div>
      ) : (
        <div>
          {r.denyBars && <p class="warn" role="alert">Denying also bars {r.requester.email} from asking for access again: they are not on this site and asked for themself.</p>}
          <label class="small" for={`msg-${r.id}`}>Message to the requester (optional)</label>
          <textarea id={`msg-${r.id}`} maxLength={500} value={message} onInput={(e) => setMessage(e.currentTarget.value)} />
          <div class="actions">
            <button type="button" class="danger" disabled={busy} onClick={() => void act('denyAccessRequest')}>{r.denyBars ? 'Deny and bar' : 'Deny'}</button>
            <button type="button" disabled={busy} onClick={() => setDenying(false)}>Cancel</button>
          </div>
        </div>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}
