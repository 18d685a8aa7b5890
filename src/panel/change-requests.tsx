// Changes on the ticket: each change Support asks consent for, as its own card (what, where, why,
// for how long, who asked; Approve / Decline for an admin who may grant), and the changes Support
// made, live, including the permission changes a grant allows without a separate consent.
import { useState } from 'preact/hooks';
import type { ChangeRequestWire } from '../api/schemas';
import { callBackground } from '../shared-ext/messages';
import { offeredOnChange, type TicketView } from '../shared-ext/ticket-view';
import { ActionButton } from './grant-controls';
import { hostOf, when } from './labels';
import { durationWords } from '../shared-ext/format';

/** How long a consent lasts, as the admin deciding reads it. */
export function consentTerms(c: ChangeRequestWire): string {
  const window = c.endsAt ? `until ${when(c.endsAt)}` : c.until ? `until ${when(c.until)}` : `for ${durationWords(c.duration ?? '')} from approval`;
  return c.once ? `Once, ${window}` : `Any number of times ${window}`;
}

const WAITING: ChangeRequestWire['state'][] = ['pending', 'pending_guard_approval'];

function StateOf({ c, view }: { c: ChangeRequestWire; view: TicketView }) {
  const name = (id?: string) => (!id ? '' : id === view.me?.id ? 'you' : (view.names[id] ?? id));
  switch (c.state) {
    case 'pending':
      return (
        <p class="state pending" data-state="pending">
          <b>Waiting for consent.</b> Support changes nothing until an admin approves.
        </p>
      );
    case 'pending_guard_approval':
      return (
        <p class="state pending" data-state="pending_guard_approval">
          <b>Waiting on Guard:</b> approved by {name(c.approvedBy)}; a Guard admin other than them must approve too.
        </p>
      );
    case 'approved':
      return (
        <p class="state active" data-state="approved">
          <b>Approved</b> by {name(c.approvedBy)} {when(c.approvedAt)}: allowed {c.once ? 'once' : 'any number of times'} until {when(c.endsAt)}.
        </p>
      );
    case 'used':
      return (
        <p class="state revoked" data-state="used">
          <b>Used</b> {when(c.usedAt)}: the one change is made; anything more needs a new request.
        </p>
      );
    case 'declined':
      return (
        <p class="state denied" data-state="declined">
          <b>Declined</b> by {name(c.declinedBy ?? c.guardDecidedBy)}
          {c.message ? `: “${c.message}”` : '.'}
        </p>
      );
    case 'ended':
      return (
        <p class="state revoked" data-state="ended">
          <b>Ended</b> {when(c.endedAt)} when {c.endReason === 'ticket_closed' ? 'the ticket closed' : 'access was revoked'}.
        </p>
      );
  }
}

function ChangeRequestCard({ c, view, disabled, onChange }: { c: ChangeRequestWire; view: TicketView; disabled?: string; onChange: () => void }) {
  const [message, setMessage] = useState('');
  const t = view.ticket;
  const engineer = view.names[c.engineer] ?? c.engineer;
  // A consent lives under the ticket's active data grant: without one the API refuses Approve, so it is not offered.
  const granted = view.grants.some((g) => g.kind === 'data' && g.state === 'active');
  // What the API offers me on this change (the view answer's actions), and nothing else.
  const mayApprove = c.state === 'pending' && offeredOnChange(view, c.id, 'approve');
  const mayDecline = c.state === 'pending' && offeredOnChange(view, c.id, 'decline');
  const mayDecide = mayApprove || mayDecline;
  // A Guard admin (never the admin who approved) decides a change held for Guard, as for grants.
  const mayGuardApprove = c.state === 'pending_guard_approval' && offeredOnChange(view, c.id, 'guard_approve');
  const mayGuardDeny = c.state === 'pending_guard_approval' && offeredOnChange(view, c.id, 'guard_deny');
  const decide =
    (decision: 'approve' | 'deny', guard = false) =>
    (click: Parameters<Parameters<typeof ActionButton>[0]['act']>[0], idempotencyKey: string) =>
      callBackground('decideChangeRequest', { key: view.key, id: c.id, decision, guard, ...(decision === 'deny' && message.trim() ? { message: message.trim() } : {}), idempotencyKey, click });
  const headingId = `cr-${c.id}`;
  return (
    <article class="change-request" aria-labelledby={headingId} data-state={c.state} data-change-request={c.id}>
      <h3 id={headingId}>Support asks to {c.summary}</h3>
      <dl class="facts">
        <dt>Where</dt>
        <dd>{t ? `${t.productName} on ${hostOf(t.siteUrl)}` : `${c.product} on ${c.site}`}</dd>
        <dt>Why</dt>
        <dd class="reason">{c.reason}</dd>
        <dt>For how long</dt>
        <dd>{consentTerms(c)}</dd>
        <dt>Asked by</dt>
        <dd>
          {engineer} (Support) {when(c.createdAt)}
        </dd>
      </dl>
      <StateOf c={c} view={view} />
      {mayDecide && (
        <div class="decide">
          {mayApprove ? (
            <ActionButton
              label="Approve change"
              aria={`Approve change: ${c.summary}`}
              confirm={`Approve the change Support asked for on ${c.ticket}: ${c.summary}`}
              disabled={disabled}
              onDone={onChange}
              act={decide('approve')}
            />
          ) : !granted ? (
            <p class="muted no-grant">Grant Support access first: a consent to a change lives under the ticket's active grant, and ends with it.</p>
          ) : null}
          {mayDecline && (
            <>
              <label class="decline-message">
                Message to Support (optional)
                <input type="text" maxLength={500} value={message} onInput={(e) => setMessage((e.target as HTMLInputElement).value)} disabled={Boolean(disabled)} />
              </label>
              <ActionButton
                label="Decline"
                aria={`Decline: ${c.summary}`}
                confirm={`Decline the change Support asked for on ${c.ticket}: ${c.summary}`}
                danger
                disabled={disabled}
                onDone={onChange}
                act={decide('deny')}
              />
            </>
          )}
        </div>
      )}
      {(mayGuardApprove || mayGuardDeny) && (
        <div class="decide">
          {mayGuardApprove && (
            <ActionButton
              label="Approve as Guard admin"
              aria={`Approve as Guard admin: ${c.summary}`}
              confirm={`Approve as Guard admin the change on ${c.ticket}: ${c.summary}`}
              disabled={disabled}
              onDone={onChange}
              act={decide('approve', true)}
            />
          )}
          {mayGuardDeny && (
            <ActionButton
              label="Deny"
              aria={`Deny as Guard admin: ${c.summary}`}
              confirm={`Deny as Guard admin the change on ${c.ticket}: ${c.summary}`}
              danger
              disabled={disabled}
              onDone={onChange}
              act={decide('deny', true)}
            />
          )}
        </div>
      )}
      {c.state === 'pending' && !mayDecide && <p class="muted">Only an admin who can grant access for this ticket can approve it.</p>}
    </article>
  );
}

/** The ticket's change requests: those waiting first, then the last few decided. */
export function ChangeRequests({ view, disabled, onChange }: { view: TicketView; disabled?: string; onChange: () => void }) {
  const all = view.changeRequests ?? [];
  if (all.length === 0) return null;
  const waiting = all.filter((c) => WAITING.includes(c.state));
  const rest = all.filter((c) => !WAITING.includes(c.state)).slice(0, 5);
  return (
    <section aria-label="Changes Support asks for" class="changes">
      <h2>Changes Support asks for</h2>
      {[...waiting, ...rest].map((c) => (
        <ChangeRequestCard key={c.id} c={c} view={view} disabled={disabled} onChange={onChange} />
      ))}
    </section>
  );
}

/** One change Support made, in words: "Support changed permissions: added sam to project PS viewers". */
export function changeMadeText(row: TicketView['activity'][number]): string {
  const d = (row.detail ?? {}) as { change?: string; action?: string };
  const r = (row.resource ?? {}) as { type?: string; id?: string; project?: string };
  const what = d.change ?? [String(r.type ?? '').replace(/_/g, ' '), r.id ? `'${r.id}'` : '', r.project ? `in project ${r.project}` : ''].filter(Boolean).join(' ');
  if (row.action === 'access.change_permissions') return `Support changed permissions: ${what}`;
  return `Support made a change with your consent: ${(d.action ?? 'change').replace(/_/g, ' ')} ${what}`;
}

/**
 * Every change Support made on the ticket, live (a change is an event to the ticket's admins, so
 * the panel refreshes), and still listed once the ticket has closed: nothing changes unseen.
 */
export function ChangesMade({ view }: { view: TicketView }) {
  const made = view.activity.filter((r) => r.outcome === 'allowed' && (r.action === 'access.change_permissions' || r.action === 'access.change'));
  const closed = view.ticket?.status === 'closed';
  if (made.length === 0 && !closed) return null;
  return (
    <section aria-label="Changes Support made" class="changes-made">
      <h2>{closed ? 'Changes Support made on this ticket' : 'Changes Support made'}</h2>
      {made.length === 0 ? (
        <p class="muted">Support changed nothing on this ticket.</p>
      ) : (
        <ol class="activity" aria-live="polite">
          {made.map((r) => (
            <li key={r.id} class="change-made">
              <span>{changeMadeText(r)}</span>
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
