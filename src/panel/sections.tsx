// The panel's read-only sections: decision, who can grant, scope, Support's activity.
import { useState } from 'preact/hooks';
import { callBackground } from '../shared-ext/messages';
import { useActionKeys } from '../shared-ext/action-keys';
import { offeredAsk, type TicketView } from '../shared-ext/ticket-view';
import { auditActionLabel, roleTitle } from '../api/vocabulary';
import { when } from './labels';
import { CauseList } from '../shared-ext/cause-list';

type Eligibility = NonNullable<TicketView['eligibility']>;

export function Decision({ eligibility }: { eligibility: Eligibility }) {
  if (eligibility.allowed) {
    return (
      <section class="decision allowed" aria-label="Decision">
        <strong>You can grant Support access</strong>
        <span class="via"> as {roleTitle(eligibility.via)}</span>
      </section>
    );
  }
  return (
    <section class="decision refused" aria-label="Decision">
      <strong>You can't grant Support access</strong>
      <CauseList causes={eligibility.causes} />
    </section>
  );
}

export function QualifiedAdmins({ view, disabled }: { view: TicketView; disabled?: string }) {
  const admins = view.eligibility?.qualifiedAdmins.filter((a) => a.userId !== view.me?.id) ?? [];
  const [asked, setAsked] = useState<Record<string, 'sending' | 'sent' | string>>({});
  const keys = useActionKeys();
  if (admins.length === 0) {
    if (view.eligibility?.allowed) return null;
    return (
      <section aria-label="Who can grant">
        <h2>Who can grant</h2>
        <p class="muted nobody">Nobody in your org can grant this right now: the fix above comes first.</p>
      </section>
    );
  }
  const mine = view.eligibility?.allowed ?? false;
  const granted = view.grants.some((g) => g.kind === 'data' && (g.state === 'active' || g.state === 'pending_guard_approval'));
  async function ask(adminId: string) {
    setAsked((m) => ({ ...m, [adminId]: 'sending' }));
    try {
      // Asking the same admin again after a failure is the same ask: one key until it is sent.
      await keys.run(`ask:${view.key}:${adminId}`, (idempotencyKey) => callBackground('askAdmin', { key: view.key, adminId, idempotencyKey }));
      setAsked((m) => ({ ...m, [adminId]: 'sent' }));
    } catch (error) {
      setAsked((m) => ({ ...m, [adminId]: (error as Error).message }));
    }
  }
  return (
    <section aria-label="Who can grant">
      <h2>{mine ? 'Others who can grant' : 'Who can grant'}</h2>
      {!mine && granted && <p class="muted granted-already">Support already has a grant on this ticket: there is nothing to ask for.</p>}
      <ul class="admins">
        {admins.map((a) => {
          // An ask still open from earlier (the API's record) reads as sent, here or after a reload.
          const state = asked[a.userId] ?? (view.asks?.some((x) => x.adminId === a.userId) ? 'sent' : undefined);
          return (
            <li key={a.userId} data-admin={a.userId}>
              <span>
                <span class="name">{a.name}</span> <span class="muted">· {roleTitle(a.role)}</span>
              </span>
              {mine ? null : state === 'sent' ? (
                <span class="ok" role="status">
                  Asked
                </span>
              ) : !offeredAsk(view, a.userId) ? null : (
                // The name is read out inside the button's own text (not an aria-label that drops the
                // visible words, WCAG 2.5.3): "Ask Alice Ng to grant", shown as "Ask to grant".
                <button type="button" class="secondary" disabled={Boolean(disabled) || state === 'sending'} title={disabled} onClick={() => void ask(a.userId)}>
                  Ask <span class="sr-only">{a.name} </span>to grant
                </button>
              )}
              {state && state !== 'sent' && state !== 'sending' && <span class="error">{state}</span>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

export function Scope({ view }: { view: TicketView }) {
  const scope = view.eligibility?.scope;
  if (!scope) return null;
  // Open while this admin is deciding; folded away once Support is in, or when they can't grant
  // (then the causes and who can come first).
  const decided = view.grants.some((g) => g.kind === 'data' && (g.state === 'active' || g.state === 'pending_guard_approval'));
  return (
    <details class="scope" aria-label="What Support will see" open={!decided && view.eligibility?.allowed}>
      <summary>What Support will see</summary>
      <p class="summary">{scope.summary}</p>
      <h3>Will see</h3>
      <ul class="will">
        {scope.includes.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ul>
      <h3>Won't see</h3>
      <ul class="wont">
        {scope.excludes.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ul>
    </details>
  );
}

function resourceText(resource: unknown): string {
  if (!resource || typeof resource !== 'object') return typeof resource === 'string' ? resource : '';
  const r = resource as Record<string, unknown>;
  return [String(r.type ?? '').replace(/_/g, ' '), r.id ?? r.conversation].filter(Boolean).join(' ');
}

/** What a change check asked to do (": update"); nothing for a read. */
function changeAction(detail: unknown): string {
  const action = detail && typeof detail === 'object' ? (detail as { action?: unknown }).action : undefined;
  return typeof action === 'string' && action !== 'change_permissions' ? `: ${action.replace(/_/g, ' ')}` : '';
}

export function Activity({ view }: { view: TicketView }) {
  const rows = view.activity;
  return (
    <section aria-label="Support activity">
      <h2>Support activity</h2>
      {rows.length === 0 ? (
        <p class="muted">Support hasn't used access on this ticket.</p>
      ) : (
        <ol class="activity">
          {rows.slice(0, 20).map((r) => (
            <li key={r.id} class={r.outcome}>
              <span>
                {r.actorName} · {auditActionLabel(r.action)}
                {changeAction(r.detail)} {resourceText(r.resource)}
                {r.outcome === 'refused' ? ' (refused)' : ''}
              </span>
              <time class="muted" dateTime={r.at}>
                {when(r.at)}
              </time>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
