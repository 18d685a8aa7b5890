// Security → Support access requests: grants held for Guard approval. A Guard admin may not decide
// a grant they made themself: the API refuses it, so on such a row the buttons are off and the row
// says why and who else can decide. Each row shows what is being approved (the ticket's summary and
// page, what Support will and won't see in the API's words, who granted and when) and takes a
// reason with Deny, which the API keeps for the granter and in the audit row.
import { useState } from 'preact/hooks';
import { MAX_MESSAGE_LENGTH, stateLabel } from '../api/vocabulary';
import { callBackground, type ClickEvidence } from '../shared-ext/messages';
import { when } from '../shared-ext/format';
import { useActionKeys } from '../shared-ext/action-keys';
import { GuardedButton, parkedText } from '../shared-ext/guarded-button';
import { useLive, Status } from './use-live';
import { useSettledAction } from '../shared-ext/use-settled';
import type { GrantView } from '../shared-ext/views';

type Decision = 'approve' | 'deny';

export function GuardApprovals() {
  const me = useLive(() => callBackground('getMe'));
  const list = useLive(() => callBackground('listGrants', { states: ['pending_guard_approval'], detail: true }));
  const [results, setResults] = useState<Map<string, { kind: 'ok' | 'error' | 'parked'; text: string }>>(new Map());
  const keys = useActionKeys();
  // A decision parked here and settled in the popup replaces its "Not done yet" with what happened.
  const [parked, setParked] = useState<{ pendingId: string; grant: GrantView; decision: Decision } | undefined>();
  useSettledAction(parked?.pendingId, (settled) => {
    const { grant: g, decision } = parked!;
    setParked(undefined);
    const text =
      settled.result.outcome === 'dismissed'
        ? `${g.ticket}: dismissed in the toolbar popup, nothing decided`
        : `${g.ticket}: ${decision === 'approve' ? 'approved' : 'denied'} (${stateLabel(settled.result.state)})`;
    setResults((m) => new Map(m).set(g.id, { kind: settled.result.outcome === 'dismissed' ? 'error' : 'ok', text }));
    list.reload();
  });

  async function decide(g: GrantView, decision: Decision, click: ClickEvidence, message?: string) {
    // A denial with another reason is another action (the API would refuse the key's reuse).
    const action = `guard:${g.id}:${decision}:${message ?? ''}`;
    try {
      const out = await keys.run(action, (idempotencyKey) => callBackground('guardDecision', { id: g.id, decision, ...(message ? { message } : {}), idempotencyKey, click }));
      if (out.outcome === 'parked') {
        setParked({ pendingId: out.pendingId, grant: g, decision });
        return setResults((m) => new Map(m).set(g.id, { kind: 'parked', text: `${g.ticket}: ${parkedText(out.reason)}` }));
      }
      setResults((m) => new Map(m).set(g.id, { kind: 'ok', text: `${g.ticket}: ${decision === 'approve' ? 'approved' : 'denied'} (${out.state})` }));
      list.reload();
    } catch (error) {
      setResults((m) => new Map(m).set(g.id, { kind: 'error', text: `${g.ticket}: ${(error as Error).message}` }));
    }
  }

  const grants = list.value ?? [];
  return (
    <>
      <h2>Waiting on a Guard admin</h2>
      <Status state={list} />
      {list.value && grants.length === 0 && <p class="note">No grants are waiting on Guard approval.</p>}
      {grants.length > 0 && (
        <table aria-label="Grants waiting on Guard approval">
          <thead>
            <tr>
              <th>What is being approved</th>
              <th>Product · site</th>
              <th>Engineer</th>
              <th>Granted by</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {grants.map((g) => (
              <GuardRow key={g.id} grant={g} meId={me.value?.id} decide={decide} />
            ))}
          </tbody>
        </table>
      )}
      {[...results.entries()].map(([id, r]) => (
        <p key={id} class={`result ${r.kind}`} role="status">
          {r.text}
        </p>
      ))}
    </>
  );
}

type Decide = (g: GrantView, d: Decision, click: ClickEvidence, message?: string) => void;

function GuardRow({ grant: g, meId, decide }: { grant: GrantView; meId?: string; decide: Decide }) {
  const [reason, setReason] = useState('');
  const mine = meId !== undefined && g.grantedBy === meId;
  // Until we know who I am, no row can be decided: it might be my own grant.
  const off = meId === undefined || mine;
  const reasonId = `own-${g.id}`;
  const granter = g.grantedByName ?? g.grantedBy ?? 'an admin';
  const said = reason.trim() || undefined;
  return (
    <tr data-grant={g.id}>
      <td class="approving">
        <strong>
          {g.ticketUrl ? (
            <a href={g.ticketUrl} target="_blank" rel="noreferrer" aria-label={`${g.ticket}: open the ticket's page`}>
              {g.ticket}
            </a>
          ) : (
            g.ticket
          )}
        </strong>
        {g.title && <div class="ticket-summary">{g.title}</div>}
        <GrantScope grant={g} />
      </td>
      <td>
        {g.product}
        <div class="small">{g.siteHost}</div>
      </td>
      <td>{g.engineer}</td>
      <td>
        {mine ? <strong>You</strong> : (g.grantedByName ?? g.grantedBy ?? '—')}
        {g.grantedAt && (
          <div class="small">
            <time dateTime={g.grantedAt}>{when(g.grantedAt)}</time>
          </div>
        )}
      </td>
      <td class="decide">
        {!off && (
          <>
            <label class="small reason-label" for={`reason-${g.id}`}>
              Reason for denying (optional; {granter} sees it, and it is kept in the audit log)
            </label>
            <textarea id={`reason-${g.id}`} maxLength={MAX_MESSAGE_LENGTH} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          </>
        )}
        <div class="actions">
          <GuardedButton
            class="primary"
            disabled={off}
            aria-describedby={mine ? reasonId : undefined}
            confirm={`Approve Support's access to ${g.ticket} (${g.product} on ${g.siteHost}), granted by ${g.grantedByName ?? g.grantedBy ?? 'an admin'}`}
            act={(click) => decide(g, 'approve', click)}
          >
            Approve
          </GuardedButton>
          <GuardedButton
            class="danger"
            disabled={off}
            aria-describedby={mine ? reasonId : undefined}
            confirm={`Deny Support's access to ${g.ticket} (${g.product} on ${g.siteHost})${said ? `, telling ${granter} why` : ''}`}
            act={(click) => decide(g, 'deny', click, said)}
          >
            Deny
          </GuardedButton>
        </div>
        {mine && (
          <p id={reasonId} class="small own-grant">
            You made this grant, so you can't decide it: another Guard admin must approve or deny it.
          </p>
        )}
      </td>
    </tr>
  );
}

/** What Support will and won't see under this grant: the API's scope, in the words the ticket panel uses. */
function GrantScope({ grant: g }: { grant: GrantView }) {
  if (!g.scope) return <p class="small">What Support would see is not available to you for this ticket.</p>;
  return (
    <section class="scope" aria-label={`What Support will see on ${g.ticket}`}>
      <p class="small">{g.scope.summary}</p>
      <div class="scope-lists">
        <div>
          <h3>Will see</h3>
          <ul class="will">
            {g.scope.includes.map((x) => (
              <li key={x}>{x}</li>
            ))}
          </ul>
        </div>
        <div>
          <h3>Won't see</h3>
          <ul class="wont">
            {g.scope.excludes.map((x) => (
              <li key={x}>{x}</li>
            ))}
          </ul>
        </div>
      </div>
    </section>
  );
}
