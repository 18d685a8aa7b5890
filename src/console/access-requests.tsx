// Access requests: who asked, for whom, whether they are on the site and verified; approve (with the
// seat count it brings the product to) or deny with an optional message, warned when denying bars.
import { useState } from 'preact/hooks';
import { callBackground, type ClickEvidence } from '../shared-ext/messages';
import { useActionKeys } from '../shared-ext/action-keys';
import { GuardedButton, parkedText } from '../shared-ext/guarded-button';
import { MAX_MESSAGE_LENGTH, stateLabel } from '../api/vocabulary';
import { since } from '../shared-ext/format';
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
                <td><span class={`lozenge ${r.state}`}>{stateLabel(r.state)}</span></td><td class="small">{r.message ?? ''}</td>
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
  const [parked, setParked] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const keys = useActionKeys();

  async function act(type: 'approveAccessRequest' | 'denyAccessRequest', click: ClickEvidence) {
    setBusy(true);
    setError(undefined);
    setParked(undefined);
    const text = message.trim() || undefined;
    // A denial with another message is another action (the API would refuse the key's reuse).
    const action = type === 'approveAccessRequest' ? 'approve' : `deny:${text ?? ''}`;
    try {
      const out = type === 'denyAccessRequest'
        ? await callBackground(type, { id: r.id, message: text, idempotencyKey: keys.keyFor(action), click })
        : await callBackground(type, { id: r.id, idempotencyKey: keys.keyFor(action), click });
      if (out.outcome === 'parked') return setParked(parkedText(out.reason));
      keys.done(action);
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
          <GuardedButton class="primary" disabled={busy} act={(click) => void act('approveAccessRequest', click)}>Approve</GuardedButton>
          <span class="small">{r.seatsAfter !== undefined ? `Brings ${r.productName} to ${r.seatsAfter} billable seats${r.seatsNow !== undefined ? ` (now ${r.seatsNow})` : ''}` : 'Adds one billable seat'}</span>
          <button type="button" disabled={busy} onClick={() => setDenying(true)}>Deny…</button>
        </div>
      ) : (
        <div>
          {r.denyBars && <p class="warn" role="alert">Denying also bars {r.requester.email} from asking for access again: they are not on this site and asked for themself.</p>}
          <label class="small" for={`msg-${r.id}`}>Message to the requester (optional)</label>
          <textarea id={`msg-${r.id}`} maxLength={MAX_MESSAGE_LENGTH} value={message} onInput={(e) => setMessage(e.currentTarget.value)} />
          <div class="actions">
            <GuardedButton class="danger" disabled={busy} act={(click) => void act('denyAccessRequest', click)}>{r.denyBars ? 'Deny and bar' : 'Deny'}</GuardedButton>
            <button type="button" disabled={busy} onClick={() => setDenying(false)}>Cancel</button>
          </div>
        </div>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      {parked && <p class="parked" role="alert">{parked}</p>}
    </section>
  );
}
