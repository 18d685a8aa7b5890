// One pending product access request, with everything the reviewer weighs before the click: who
// asked, for whom, on the site or not, verified email, the access the person already has, the seat
// and billing change, other requests for the same person, and whether denying bars them.
import { useEffect, useRef, useState } from 'preact/hooks';
import { callBackground, type ClickEvidence } from '../shared-ext/messages';
import { useActionKeys } from '../shared-ext/action-keys';
import { GuardedButton, GuardedCheckbox, parkedText } from '../shared-ext/guarded-button';
import { day, since } from '../shared-ext/format';
import { MAX_MESSAGE_LENGTH, stateLabel } from '../api/vocabulary';
import { useSettledAction } from '../shared-ext/use-settled';
import type { AccessRequestKindView, AccessRequestView } from '../shared-ext/views';

export const KIND_LABEL: Record<AccessRequestKindView, string> = {
  self_on_site: 'Asked for themself',
  self_off_site: 'From outside the site',
  teammate: 'For a teammate',
  new_person: 'For a new person',
};

/** "Adds 1 billable seat to Confluence: 41 → 42", or why approving changes no seat. */
export function seatChange(r: AccessRequestView): string {
  if (r.person.hasThisProduct) return `Already has ${r.productName}: approving changes nothing and is refused.`;
  if (!r.billable) return `${r.productName} is not billed per seat.`;
  if (r.seatsNow === undefined || r.seatsAfter === undefined) return `Adds 1 billable seat to ${r.productName}.`;
  return `Adds 1 billable seat to ${r.productName}: ${r.seatsNow} → ${r.seatsAfter}`;
}

/** "Nina Kowalski's Confluence request", or "Bob Okafor's Confluence request for Nina Kowalski": what a control acts on, for its accessible name. */
export function requestName(r: AccessRequestView): string {
  return r.forWhom.self ? `${r.requester.name}'s ${r.productName} request` : `${r.requester.name}'s ${r.productName} request for ${r.forWhom.label}`;
}

/** Who a barred person's pending request came from, since a bar stops only their own new asks. */
function barredNote(r: AccessRequestView): string {
  if (!r.forWhom.self) return `${r.requester.name} asked for them: others may still ask for a barred person.`;
  return r.person.barredSince && r.createdAt < r.person.barredSince ? 'They asked for themself before the bar; this request still waits for a decision.' : 'They asked for themself.';
}

const yesNo = (v: boolean | undefined, yes: string, no: string, unknown: string) => (v === undefined ? unknown : v ? yes : <strong>{no}</strong>);

/**
 * `onDone(said)`: the request was decided; `said`, when it was decided in the toolbar popup after
 * this card parked it, is what to tell the reviewer (the card itself leaves the pending list).
 */
export function RequestCard({
  request: r,
  selected,
  onSelect,
  onDone,
}: {
  request: AccessRequestView;
  selected: boolean;
  onSelect: (on: boolean, click: ClickEvidence) => void;
  onDone: (said?: string) => void;
}) {
  const [denying, setDenying] = useState(false);
  const [message, setMessage] = useState('');
  const [error, setError] = useState<string | undefined>();
  // Parked for the popup: what the card says meanwhile, and the action the popup will settle.
  const [parked, setParked] = useState<{ pendingId: string; text: string } | undefined>();
  const [dismissed, setDismissed] = useState(false);
  const [busy, setBusy] = useState(false);
  const keys = useActionKeys();
  // Settled in the popup: dismissed, the card stays and says nothing was decided; confirmed, the page says what was done.
  useSettledAction(parked?.pendingId, (settled) => {
    setParked(undefined);
    if (settled.result.outcome === 'dismissed') return setDismissed(true);
    onDone(`${r.forWhom.label} · ${r.productName}: ${stateLabel(settled.result.state)} in the toolbar popup.`);
  });
  const messageBox = useRef<HTMLTextAreaElement>(null);
  const denyOpener = useRef<HTMLButtonElement>(null);
  const wasDenying = useRef(false);
  // "Deny…" moves focus to the message box; Cancel puts it back on "Deny…".
  useEffect(() => {
    if (denying) messageBox.current?.focus();
    else if (wasDenying.current) denyOpener.current?.focus();
    wasDenying.current = denying;
  }, [denying]);

  async function act(type: 'approveAccessRequest' | 'denyAccessRequest', click: ClickEvidence) {
    setBusy(true);
    setError(undefined);
    setParked(undefined);
    setDismissed(false);
    const text = message.trim() || undefined;
    // A denial with another message is another action (the API would refuse the key's reuse).
    const action = type === 'approveAccessRequest' ? 'approve' : `deny:${text ?? ''}`;
    try {
      const out = await keys.run(action, (idempotencyKey) =>
        type === 'denyAccessRequest' ? callBackground(type, { id: r.id, message: text, idempotencyKey, click }) : callBackground(type, { id: r.id, idempotencyKey, click }),
      );
      if (out.outcome === 'parked') return setParked({ pendingId: out.pendingId, text: parkedText(out.reason) });
      onDone();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const label = `${r.forWhom.label} · ${r.productName}`;
  const name = requestName(r);
  const barredWho = `${r.forWhom.self ? r.requester.name : r.forWhom.label} (${r.forWhom.self ? r.requester.email : r.person.email})`;
  const asked = r.forWhom.self
    ? `${r.requester.name} (${r.requester.email}) asked for themself`
    : `${r.requester.name} (${r.requester.email}) asked for ${r.forWhom.label}${r.kind === 'new_person' ? ', who has no account yet' : ''}`;
  return (
    <section class="frame-card request" aria-label={`Access request: ${label}`} data-request={r.id}>
      <div class="request-head">
        <GuardedCheckbox aria-label={`Select ${label}`} disabled={!r.mayDecide} checked={selected} onToggle={(click) => onSelect(!selected, click)} />
        <p>
          <strong>{r.forWhom.label}</strong> wants <strong>{r.productName}</strong> on {r.siteHost} <span class="lozenge">{KIND_LABEL[r.kind]}</span> <span class="small">· {since(r.createdAt)}</span>
        </p>
      </div>
      <dl class="facts">
        <dt>Who asked</dt>
        <dd>{asked}</dd>
        <dt>Requester</dt>
        <dd>
          {r.requester.onSite ? 'on this site' : <strong>not on this site</strong>} · email {yesNo(r.requester.emailVerified, 'verified', 'not verified', 'verification unknown')}
        </dd>
        {!r.forWhom.self && (
          <>
            <dt>For</dt>
            <dd>
              {r.person.email} ·{' '}
              {r.person.hasAccount ? (
                <>
                  account · email {yesNo(r.person.emailVerified, 'verified', 'not verified', 'verification unknown')} · {r.person.onSite ? 'on this site' : 'not on this site'}
                </>
              ) : (
                'no account yet (an invitation goes to this address)'
              )}
            </dd>
          </>
        )}
        <dt>Has today</dt>
        <dd>
          {r.person.products.length ? r.person.products.join(', ') : 'No product access'}
          {r.person.siteHosts.length ? <span class="small"> · member of {r.person.siteHosts.join(', ')}</span> : null}
        </dd>
        {r.person.barredSince && (
          <>
            <dt>Barred</dt>
            <dd>
              <strong>Barred since {day(r.person.barredSince)}</strong>: an earlier request of theirs was denied. {barredNote(r)} {r.denyBars ? null : r.barRule}
            </dd>
          </>
        )}
        <dt>Billing</dt>
        <dd class="seats">{seatChange(r)}</dd>
        {r.samePerson.length > 0 && (
          <>
            <dt>Also asked</dt>
            <dd>
              {r.samePerson.map((x) => (x.self ? `${x.requesterName} (for themself)` : x.requesterName)).join(', ')} — one decision covers{' '}
              {r.samePerson.length === 1 ? 'both requests' : `all ${r.samePerson.length + 1} requests`}
            </dd>
          </>
        )}
      </dl>
      {r.denyBars && (
        <p class="warn bar-warning" id={`bar-${r.id}`}>
          Denying bars {barredWho}. {r.barRule}
        </p>
      )}
      {!r.mayDecide ? (
        <p class="note">You asked for this (or it is for you): another reviewer decides it.</p>
      ) : !denying ? (
        <div class="actions">
          <GuardedButton
            class="primary"
            aria-label={`Approve ${name}`}
            disabled={busy || r.person.hasThisProduct}
            confirm={`Approve ${r.forWhom.label}'s access to ${r.productName} on ${r.siteHost}. ${seatChange(r)}`}
            act={(click) => void act('approveAccessRequest', click)}
          >
            Approve
          </GuardedButton>
          <button type="button" ref={denyOpener} aria-label={`Deny ${name}…`} disabled={busy} onClick={() => setDenying(true)}>
            Deny…
          </button>
        </div>
      ) : (
        <div>
          <label class="small" for={`msg-${r.id}`}>
            Message to the requester (optional)
          </label>
          <textarea
            id={`msg-${r.id}`}
            ref={messageBox}
            aria-describedby={r.denyBars ? `bar-${r.id}` : undefined}
            maxLength={MAX_MESSAGE_LENGTH}
            value={message}
            onInput={(e) => setMessage(e.currentTarget.value)}
          />
          <div class="actions">
            <GuardedButton
              class="danger"
              aria-label={`${r.denyBars ? 'Deny and bar' : 'Deny'} ${name}`}
              disabled={busy}
              confirm={`Deny ${r.forWhom.label}'s access to ${r.productName} on ${r.siteHost}${r.denyBars ? ', and bar them from asking again' : ''}`}
              act={(click) => void act('denyAccessRequest', click)}
            >
              {r.denyBars ? 'Deny and bar' : 'Deny'}
            </GuardedButton>
            <button type="button" aria-label={`Cancel denying ${name}`} disabled={busy} onClick={() => setDenying(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {parked && (
        <p class="parked" role="alert">
          {parked.text}
        </p>
      )}
      {dismissed && (
        <p class="result" role="status">
          Dismissed in the toolbar popup: nothing was decided.
        </p>
      )}
    </section>
  );
}
