// Grant and revoke for Support's data access and, separately, for the AI conversations Support
// asked for. Each click carries evidence it was trusted and the button was visible; the background
// parks anything else for confirmation in the popup.
import { useState } from 'preact/hooks';
import type { GrantWire } from '../api/schemas';
import { callBackground, type ActionResult, type ClickEvidence } from '../shared-ext/messages';
import { offeredOnGrant, offeredOnTicket, type TicketView } from '../shared-ext/ticket-view';
import { dismissedText, parkedText } from '../shared-ext/guarded-button';
import { useClickGuard } from '../shared-ext/visibility';
import { useKeyConfirm } from '../shared-ext/key-confirm';
import { useActionKeys } from '../shared-ext/action-keys';
import { useSettledAction } from '../shared-ext/use-settled';
import { grantedByNoLongerCanText } from '../shared-ext/role-words';
import { when } from './labels';

type Outcome = { kind: 'error' | 'parked'; text: string } | undefined;

/** `confirm`: the action in words for the keyboard confirmation (key-confirm.tsx), naming the ticket. */
export function ActionButton(props: {
  label: string;
  aria?: string;
  confirm: string;
  danger?: boolean;
  disabled?: string;
  act: (click: ClickEvidence, key: string) => Promise<ActionResult>;
  onDone: () => void;
}) {
  const { ref, armed, evidence } = useClickGuard<HTMLButtonElement>();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  // One idempotency key per intent (this button's action): a retry after a network failure, or a
  // press while the popup holds it, is the same action.
  const actionKeys = useActionKeys();
  // Parked, then settled in the popup: the "Not done yet" line gives way to what happened.
  const [parkedId, setParkedId] = useState<string>();
  useSettledAction(parkedId, (settled) => {
    setParkedId(undefined);
    if (settled.result.outcome === 'dismissed') setOutcome({ kind: 'parked', text: dismissedText });
    else {
      setOutcome(undefined);
      props.onDone();
    }
  });
  const keys = useKeyConfirm(props.confirm, (click) => void act(click));
  async function act(click: ClickEvidence) {
    setBusy(true);
    setOutcome(undefined);
    try {
      const result = await actionKeys.run('press', (idempotencyKey) => props.act(click, idempotencyKey));
      if (result.outcome === 'parked') {
        setOutcome({ kind: 'parked', text: parkedText(result.reason) });
        setParkedId(result.pendingId);
      } else props.onDone();
    } catch (error) {
      setOutcome({ kind: 'error', text: (error as Error).message });
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="action">
      <button
        ref={ref}
        type="button"
        class={props.danger ? 'danger' : 'primary'}
        aria-label={props.aria ?? props.label}
        data-armed={armed ? 'true' : undefined}
        disabled={busy || Boolean(props.disabled)}
        title={props.disabled}
        onClick={(e) => keys.intercept(e) || void act(evidence(e))}
      >
        {busy ? 'Working…' : props.label}
      </button>
      {keys.view}
      {props.disabled && <p class="disabled-reason muted">{props.disabled}</p>}
      {outcome && (
        <p class={outcome.kind === 'error' ? 'error' : 'parked'} role="alert">
          {outcome.text}
        </p>
      )}
    </div>
  );
}

const current = (grants: GrantWire[], kind: GrantWire['kind']) =>
  grants.find((g) => g.kind === kind && (g.state === 'active' || g.state === 'pending_guard_approval')) ?? grants.find((g) => g.kind === kind);

function GuardWait({ grant, view }: { grant: GrantWire; view: TicketView }) {
  // The granter cannot decide their own grant, even when they are a Guard admin too.
  const deciders = view.guardAdmins.filter((g) => g.id !== grant.grantedBy);
  const names = deciders.map((g) => g.name);
  const otherThanYou = view.guardAdmins.length > deciders.length && grant.grantedBy === view.me?.id ? ' (not you: you made this grant)' : '';
  // The API names the Guard admins when it can; otherwise say where they decide.
  return names.length ? (
    <>Waiting on a Guard admin ({names.join(', ')}) to approve. Support gets nothing until then.</>
  ) : (
    <>Waiting on another Guard admin{otherThanYou} to approve in the admin console (Security → Support access requests). Support gets nothing until then.</>
  );
}

/**
 * For org admins (the API flags it only for them): a live grant whose granter was since demoted or
 * deactivated. The grant stands (the org's consent), so this only says so; the Revoke beside it is
 * whatever the view answer offers.
 */
function NoLongerCan({ grant, view }: { grant: GrantWire; view: TicketView }) {
  if (!grant.grantedByNoLongerCan || !grant.grantedBy) return null;
  const live = grant.state === 'active' || grant.state === 'pending_guard_approval';
  if (!live) return null;
  return (
    <p class="flag no-longer-can" data-flag="granted-by-no-longer-can">
      {grantedByNoLongerCanText(view.names[grant.grantedBy] ?? grant.grantedBy)}
    </p>
  );
}

export function StateLine({ grant, view }: { grant: GrantWire; view: TicketView }) {
  return (
    <>
      <GrantState grant={grant} view={view} />
      <NoLongerCan grant={grant} view={view} />
    </>
  );
}

function GrantState({ grant, view }: { grant: GrantWire; view: TicketView }) {
  const name = (id?: string) => (!id ? '' : id === view.me?.id ? 'you' : (view.names[id] ?? id));
  const what = grant.kind === 'ai_conversations' ? 'Support may read these conversations' : 'Support has access';
  switch (grant.state) {
    case 'active':
      return (
        <p class="state active" data-state="active">
          <b>Active:</b> {what}
          {grant.grantedBy ? ` · granted by ${name(grant.grantedBy)}` : ''}
          {grant.grantedAt ? ` ${when(grant.grantedAt)}` : ''}
          {grant.guardDecidedBy ? ` · approved by ${view.names[grant.guardDecidedBy] ?? `Guard admin ${grant.guardDecidedBy}`}` : ''}
        </p>
      );
    case 'pending_guard_approval':
      return (
        <p class="state pending" data-state="pending_guard_approval">
          <b>Waiting on Guard:</b> <GuardWait grant={grant} view={view} />
        </p>
      );
    case 'requested':
      return (
        <p class="state requested" data-state="requested">
          <b>Requested:</b> {view.names[grant.engineer] ? `${view.names[grant.engineer]} (Support)` : 'Support'} asked for access{grant.requestedAt ? ` ${when(grant.requestedAt)}` : ''}.
        </p>
      );
    case 'denied':
      return (
        <p class="state denied" data-state="denied">
          <b>Denied</b> by a Guard admin{grant.guardDecidedBy ? ` (${name(grant.guardDecidedBy)})` : ''}
          {grant.guardDecidedAt ? ` ${when(grant.guardDecidedAt)}` : ''}. Support has no access.
          {grant.guardMessage && <span class="guard-message"> Their reason: “{grant.guardMessage}”</span>}
        </p>
      );
    case 'revoked':
      return (
        <p class="state revoked" data-state="revoked">
          <b>Revoked</b>
          {grant.revokeReason === 'ticket_closed' ? ' when the ticket closed' : grant.revokedBy ? ` by ${name(grant.revokedBy)}` : ''}
          {grant.revokedAt ? ` ${when(grant.revokedAt)}` : ''}. Support has no access.
        </p>
      );
  }
}

export function DataGrant({ view, disabled, onChange }: { view: TicketView; disabled?: string; onChange: () => void }) {
  const grant = current(view.grants, 'data');
  const el = view.eligibility;
  const live = grant && (grant.state === 'active' || grant.state === 'pending_guard_approval');
  return (
    <section aria-label="Support data access" class="grant">
      <h2>Support data access</h2>
      {grant ? (
        <StateLine grant={grant} view={view} />
      ) : (
        <p class="state none" data-state="none">
          No grant yet.{view.ticket?.dataAccessRequested ? ' Support asked for access.' : ''}
        </p>
      )}
      {live && !offeredOnGrant(view, grant.id, 'revoke') ? (
        <p class="muted not-yours">Only the admin who granted it or an admin who can grant for this ticket can {grant.state === 'active' ? 'revoke' : 'withdraw'} it.</p>
      ) : live ? (
        <ActionButton
          label={grant.state === 'active' ? 'Revoke access' : 'Withdraw grant'}
          confirm={grant.state === 'active' ? `Revoke Support's access to ${view.key}` : `Withdraw the grant on ${view.key} before a Guard admin decides it`}
          danger
          disabled={disabled}
          onDone={onChange}
          act={(click, idempotencyKey) => callBackground('revokeTicketGrant', { key: view.key, grantId: grant.id, idempotencyKey, click })}
        />
      ) : el && offeredOnTicket(view, 'grant') ? (
        <>
          {el.guardApprovalRequired && <p class="muted">This site has Guard restrictions: a Guard admin must approve before Support gets in.</p>}
          <ActionButton
            label="Grant access"
            confirm={`Grant Support access to ${view.key}${el.guardApprovalRequired ? ' (held until a Guard admin approves)' : ''}`}
            disabled={disabled}
            onDone={onChange}
            act={(click, idempotencyKey) => callBackground('grantAccess', { key: view.key, idempotencyKey, click })}
          />
        </>
      ) : null}
    </section>
  );
}
