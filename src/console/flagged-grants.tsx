// Directory → Roles: grants made by someone who can no longer grant (issue 21). A grant stays when
// its granter is demoted, loses a group or is deactivated (the org's consent stands), so the org's
// admins see each live one here, with who made it and when, and revoke it in one (guarded) press.
// The API lists them for org admins only, as the rest of this page.
import { useState } from 'preact/hooks';
import { stateLabel } from '../api/vocabulary';
import { useActionKeys } from '../shared-ext/action-keys';
import { since } from '../shared-ext/format';
import { GuardedButton, parkedText } from '../shared-ext/guarded-button';
import { callBackground, type ClickEvidence } from '../shared-ext/messages';
import { Status, useLive } from './use-live';

export function FlaggedGrants() {
  const flagged = useLive(() => callBackground('getFlaggedGrants'));
  const [notes, setNotes] = useState<Map<string, { kind: 'error' | 'parked'; text: string }>>(new Map());
  const keys = useActionKeys();
  const note = (id: string, kind: 'error' | 'parked', text: string) => setNotes((prev) => new Map(prev).set(id, { kind, text }));

  async function revoke(id: string, click: ClickEvidence) {
    try {
      const out = await keys.run(`revoke:${id}`, (idempotencyKey) => callBackground('revokeGrant', { id, idempotencyKey, click }));
      if (out.outcome === 'parked') return note(id, 'parked', parkedText(out.reason));
      flagged.reload();
    } catch (error) {
      note(id, 'error', (error as Error).message);
    }
  }

  const list = flagged.value ?? [];
  return (
    <section aria-labelledby="flagged-heading" class="flagged-grants">
      <h2 id="flagged-heading">Grants by people who can no longer grant</h2>
      <p class="note">A grant stays when the person who made it loses their role or is deactivated: your org's consent stands until someone revokes it. Revoke those that should not.</p>
      <Status state={flagged} />
      {flagged.value && list.length === 0 && <p class="note">No live grants were made by someone who can no longer grant.</p>}
      {list.length > 0 && (
        <table aria-label="Grants by people who can no longer grant">
          <thead>
            <tr>
              <th>Ticket</th>
              <th>Product · site</th>
              <th>Granted by</th>
              <th>When</th>
              <th>
                <span class="small">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((g) => {
              const by = g.grantedByName ?? g.grantedBy ?? 'someone';
              const n = notes.get(g.id);
              return (
                <tr key={g.id} data-grant={g.id}>
                  <td>
                    <strong>{g.ticket}</strong>
                    {g.title && <div class="small">{g.title}</div>}
                    {g.kind === 'ai_conversations' && <div class="small">AI conversations</div>}
                    {g.state !== 'active' && <span class={`lozenge ${g.state}`}>{stateLabel(g.state)}</span>}
                  </td>
                  <td>
                    {g.product}
                    <div class="small">{g.siteHost}</div>
                  </td>
                  <td>
                    {by}
                    <div class="small flag">Can no longer grant</div>
                  </td>
                  <td>{since(g.grantedAt ?? g.requestedAt)}</td>
                  <td>
                    <GuardedButton
                      class="danger"
                      aria-label={`Revoke ${g.ticket}, granted by ${by}`}
                      confirm={`Revoke Support's access${g.kind === 'ai_conversations' ? ' to AI conversations' : ''} on ${g.ticket} (${g.product} on ${g.siteHost}), granted by ${by}`}
                      act={(click) => void revoke(g.id, click)}
                    >
                      Revoke
                    </GuardedButton>
                    {n && (
                      <div class={`result ${n.kind}`} role="alert">
                        {n.text}
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
