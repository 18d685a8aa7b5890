// Verify on the audit log: asks the API to check the signed trail and says its verdict in words
// (intact up to a signed head, or where it breaks and why). Shown only to people who can read the log.
import { useState } from 'preact/hooks';
import { callBackground } from '../shared-ext/messages';
import { when } from '../shared-ext/format';
import { auditVerdictWords } from './audit-verdict';
import type { AuditVerdictView } from '../shared-ext/views';

type State = { kind: 'idle' } | { kind: 'checking' } | { kind: 'done'; verdict: AuditVerdictView } | { kind: 'error'; message: string };

export function AuditVerifyButton({ onState }: { onState: (s: State) => void }) {
  const [busy, setBusy] = useState(false);
  async function verify() {
    setBusy(true);
    onState({ kind: 'checking' });
    try {
      onState({ kind: 'done', verdict: await callBackground('verifyAudit') });
    } catch (e) {
      onState({ kind: 'error', message: (e as Error).message });
    } finally {
      setBusy(false);
    }
  }
  return (
    <button type="button" disabled={busy} aria-describedby="audit-verdict" onClick={() => void verify()}>
      {busy ? 'Verifying…' : 'Verify'}
    </button>
  );
}

/** The verdict under the toolbar; a live region, so a screen reader hears it when it arrives. */
export function AuditVerdict({ state }: { state: State }) {
  const words = state.kind === 'done' ? auditVerdictWords(state.verdict) : undefined;
  return (
    <div id="audit-verdict" class={`verdict${state.kind === 'done' ? (state.verdict.ok ? ' ok' : ' broken') : state.kind === 'error' ? ' broken' : ''}`} role="status">
      {state.kind === 'checking' && <p class="small">Checking every entry against its hash chain and the signed checkpoints…</p>}
      {state.kind === 'error' && <p>Couldn't verify the audit log: {state.message}</p>}
      {state.kind === 'done' && words && (
        <>
          <p>
            <b>{words.headline}.</b>
          </p>
          {words.details.map((d) => (
            <p key={d} class="small">
              {d}
            </p>
          ))}
          <p class="small muted">Checked {when(state.verdict.checkedAt)}.</p>
        </>
      )}
    </div>
  );
}

export type AuditVerifyState = State;
