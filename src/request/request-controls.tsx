// The three ways to ask: for myself, for a teammate on the site, for a new person by email. Every
// "Request access" is a guarded button: the background does it only for a click the frame can vouch
// for (trusted, and visible long enough), otherwise it waits for confirmation in the popup.
import { useState } from 'preact/hooks';
import type { AccessRequestContextWire } from '../api/schemas';
import { useActionKeys } from '../shared-ext/action-keys';
import { dismissedText, GuardedButton, parkedText } from '../shared-ext/guarded-button';
import { useSettledAction } from '../shared-ext/use-settled';
import { callBackground, type ClickEvidence } from '../shared-ext/messages';

type Target = { userId: string } | { email: string } | undefined;
type Outcome = { kind: 'error' | 'parked' | 'ok'; text: string } | undefined;

/** The request in words for the keyboard confirmation: which product, where, for whom. */
function confirmText(view: AccessRequestContextWire, target: Target): string {
  const forWhom = !target ? 'yourself' : 'userId' in target ? (view.siteUsers.find((u) => u.userId === target.userId)?.name ?? target.userId) : target.email;
  return `Request access to ${view.product.name} on ${new URL(view.site.url).host} for ${forWhom}`;
}

/** A request button with its own idempotency key (kept across retries of the same request) and outcome. */
function RequestButton({ view, target, label, aria, disabled, onDone }: { view: AccessRequestContextWire; target: Target; label: string; aria?: string; disabled?: boolean; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  const keys = useActionKeys();
  // Parked, then settled in the popup: the "Not done yet" line gives way to what happened.
  const [parkedId, setParkedId] = useState<string>();
  useSettledAction(parkedId, (settled) => {
    setParkedId(undefined);
    if (settled.result.outcome === 'dismissed') setOutcome({ kind: 'parked', text: dismissedText });
    else {
      setOutcome({ kind: 'ok', text: 'Request sent.' });
      onDone();
    }
  });
  async function act(click: ClickEvidence) {
    // One key per intended request (this product, this person): a retry or a second click is the same request.
    const action = `request:${JSON.stringify(target ?? 'self')}`;
    setBusy(true);
    setOutcome(undefined);
    try {
      const result = await keys.run(action, (idempotencyKey) =>
        callBackground('requestProductAccess', { site: view.site.id, product: view.product.key, ...(target ? { for: target } : {}), idempotencyKey, click }),
      );
      if (result.outcome === 'parked') {
        setOutcome({ kind: 'parked', text: parkedText(result.reason) });
        setParkedId(result.pendingId);
      } else {
        setOutcome({ kind: 'ok', text: 'Request sent.' });
        onDone();
      }
    } catch (error) {
      setOutcome({ kind: 'error', text: (error as Error).message });
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <GuardedButton class="primary" act={(click) => void act(click)} confirm={confirmText(view, target)} disabled={busy || disabled} aria-label={aria}>
        {busy ? 'Sending…' : label}
      </GuardedButton>
      {outcome && (
        <p class={outcome.kind} role={outcome.kind === 'ok' ? 'status' : 'alert'}>
          {outcome.text}
        </p>
      )}
    </>
  );
}

export function ForMyself({ view, pending, onDone }: { view: AccessRequestContextWire; pending: boolean; onDone: () => void }) {
  const place = `${view.product.name} on ${new URL(view.site.url).host}`;
  if (view.hasAccess) return null;
  if (pending) return <p class="muted">You have asked for {view.product.name}; it is waiting on an admin (below).</p>;
  if (!view.forMyself.ok) {
    if (view.forMyself.code === 'barred') return null; // the bar says why, above
    if (view.forMyself.code === 'email_unverified') {
      return (
        <div class="warning" role="note" aria-label="Verified email needed">
          <p>
            <b>Verify your email address first.</b> People not on {new URL(view.site.url).host} can request access only for themselves, and only with a verified email address and an account.
          </p>
          <p>Your email {view.me.email} is not verified yet: verify it in your account settings, then come back to this page.</p>
        </div>
      );
    }
    return (
      <p class="warning" role="note">
        {view.forMyself.message ?? 'You cannot request access here.'}
      </p>
    );
  }
  return (
    <div class="row">
      <RequestButton view={view} target={undefined} label="Request access for myself" aria={`Request access for myself to ${place}`} onDone={onDone} />
    </div>
  );
}

export function ForOthers({ view, onDone }: { view: AccessRequestContextWire; onDone: () => void }) {
  const [teammate, setTeammate] = useState('');
  const [email, setEmail] = useState('');
  const host = new URL(view.site.url).host;
  if (view.bar) return null; // the bar says why, above
  // An unverified outsider's warning above already says they may ask only for themselves.
  if (!view.me.onSite)
    return view.forMyself.code === 'email_unverified' ? null : (
      <p class="muted" role="note">
        People not on {host} may request access only for themselves.
      </p>
    );
  if (!view.forOthers.ok) return view.forOthers.code === 'barred' ? null : <p class="muted">{view.forOthers.message}</p>;
  const candidates = view.siteUsers.filter((u) => !u.hasAccess);
  const picked = candidates.find((u) => u.userId === teammate);
  const emailOk = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim());
  return (
    <>
      <h2>For a teammate on {host}</h2>
      {candidates.length === 0 ? (
        <p class="muted">
          Everyone on {host} already has {view.product.name}.
        </p>
      ) : (
        <div class="row">
          <div>
            <label for="teammate">Teammate</label>
            <select id="teammate" value={teammate} onChange={(e) => setTeammate((e.target as HTMLSelectElement).value)}>
              <option value="">Choose a person…</option>
              {candidates.map((u) => (
                <option key={u.userId} value={u.userId}>
                  {u.name} ({u.email})
                </option>
              ))}
            </select>
          </div>
          <RequestButton
            view={view}
            target={picked ? { userId: picked.userId } : undefined}
            disabled={!picked}
            label={picked ? `Request access for ${picked.name}` : 'Request access for teammate'}
            onDone={() => {
              setTeammate('');
              onDone();
            }}
          />
        </div>
      )}
      <h2>For someone new</h2>
      <div class="row">
        <div>
          <label for="new-email">Email address</label>
          <input id="new-email" type="email" autocomplete="off" placeholder="name@example.com" value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
        </div>
        <RequestButton
          view={view}
          target={emailOk ? { email: email.trim() } : undefined}
          disabled={!emailOk}
          label="Request access for this person"
          onDone={() => {
            setEmail('');
            onDone();
          }}
        />
      </div>
      <p class="muted">
        They get {view.product.name} on {host} once an admin approves; it adds a billable seat.
      </p>
    </>
  );
}
