// Security → Support access requests: grants held for Guard approval. A Guard admin may not decide
// a grant they made themself; the API refuses it and we say so before they try.
import { useState } from 'preact/hooks';
import { callBackground } from '../shared-ext/messages';
import { since, when } from '../shared-ext/format';
import { useLive, Status } from './use-live';
import type { GrantView } from './views';

export function GuardApprovals() {
  const me = useLive(() => callBackground('getMe'));
  const list = useLive(() => callBackground('listGrants', { states: ['pending_guard_approval'] }));
  const [results, setResults] = useState<Map<string, { ok: boolean; text: string }>>(new Map());

  async function decide(g: GrantView, decision: 'approve' | 'deny') {
    try {
      const out = await callBackground('guardDecision', { id: g.id, decision });
      setResults((m) => new Map(m).set(g.id, { ok: true, text: `${g.ticket}: ${decision === 'approve' ? 'approved' : 'denied'} (${out.state})` }));
      list.reload();
    } catch (error) {
      setResults((m) => new Map(m).set(g.id, { ok: false, text: `${g.ticket}: ${(error as Error).message}` }));
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
          <thead><tr><th>Ticket</th><th>Product · site</th><th>Engineer</th><th>Granted by</th><th /></tr></thead>
          <tbody>{grants.map((g) => {
            const own = me.value !== undefined && g.grantedBy === me.value.id;
            return (
              <tr key={g.id} data-grant={g.id}>
                <td><strong>{g.ticket}</strong></td>
                <td>{g.product}<div class="small">{g.siteHost}</div></td>
                <td>{g.engineer}</td>
                <td>{g.grantedBy ?? '—'}<div class="small" title={when(g.grantedAt)}>{since(g.grantedAt)}</div></td>
                <td>
                  <div class="actions" style="margin:0">
                    <button type="button" class="primary" onClick={() => void decide(g, 'approve')}>Approve</button>
                    <button type="button" class="danger" onClick={() => void decide(g, 'deny')}>Deny</button>
                  </div>
                  {own && <p class="small">You made this grant; another Guard admin must decide it.</p>}
                </td>
              </tr>
            );
          })}</tbody>
        </table>
      )}
      {[...results.entries()].map(([id, r]) => <p key={id} class={`result ${r.ok ? 'ok' : 'error'}`} role="status">{r.text}</p>)}
    </>
  );
}
