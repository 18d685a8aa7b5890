// Security → Support access requests: grants held for Guard approval. A Guard admin may not decide
// a grant they made themself: the API refuses it, so on such a row the buttons are off and the row
// says why and who else can decide.
import { useState } from 'preact/hooks';
import { callBackground, type ClickEvidence } from '../shared-ext/messages';
import { since, when } from '../shared-ext/format';
import { useActionKeys } from '../shared-ext/action-keys';
import { GuardedButton, parkedText } from '../shared-ext/guarded-button';
import { useLive, Status } from './use-live';
import type { GrantView } from './views';

type Decision = 'approve' | 'deny';

export function GuardApprovals() {
  const me = useLive(() => callBackground('getMe'));
  const list = useLive(() => callBackground('listGrants', { states: ['pending_guard_approval'] }));
  const [results, setResults] = useState<Map<string, { kind: 'ok' | 'error' | 'parked'; text: string }>>(new Map());
  const keys = useActionKeys();

  async function decide(g: GrantView, decision: Decision, click: ClickEvidence) {
    const action = `guard:${g.id}:${decision}`;
    try {
      const out = await callBackground('guardDecision', { id: g.id, decision, idempotencyKey: keys.keyFor(action), click });
      if (out.outcome === 'parked') return setResults((m) => new Map(m).set(g.id, { kind: 'parked', text: `${g.ticket}: ${parkedText(out.reason)}` }));
      keys.done(action);
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
              <th>Ticket</th>
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

function GuardRow({ grant: g, meId, decide }: { grant: GrantView; meId?: string; decide: (g: GrantView, d: Decision, click: ClickEvidence) => void }) {
  const mine = meId !== undefined && g.grantedBy === meId;
  // Until we know who I am, no row can be decided: it might be my own grant.
  const off = meId === undefined || mine;
  const reasonId = `own-${g.id}`;
  return (
    <tr data-grant={g.id}>
      <td>
        <strong>{g.ticket}</strong>
      </td>
      <td>
        {g.product}
        <div class="small">{g.siteHost}</div>
      </td>
      <td>{g.engineer}</td>
      <td>
        {mine ? <strong>You</strong> : (g.grantedByName ?? g.grantedBy ?? '—')}
        <div class="small" title={when(g.grantedAt)}>
          {since(g.grantedAt)}
        </div>
      </td>
      <td>
        <div class="actions" style="margin:0">
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
            confirm={`Deny Support's access to ${g.ticket} (${g.product} on ${g.siteHost})`}
            act={(click) => decide(g, 'deny', click)}
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
