// The AI (Rovo) conversations Support asked to read on a ticket: a grant separate from, and
// narrower than, the data grant, naming exact conversations; revocable on its own. Each
// conversation is shown by its title and owner where the API knows them, and the admin ticks the
// ones Support may read: nothing is ticked until they do.
import { useState } from 'preact/hooks';
import type { AiConversationWire } from '../api/schemas';
import { callBackground } from '../shared-ext/messages';
import { offeredOnGrant, offeredOnTicket, type TicketView } from '../shared-ext/ticket-view';
import { GuardedCheckbox, vouched, withSelection } from '../shared-ext/guarded-button';
import { ActionButton, StateLine } from './grant-controls';

/** What the ticket says of each conversation asked for, by id (a view cached before titles had ids only). */
function conversationsOf(view: TicketView): Map<string, AiConversationWire> {
  const about = new Map((view.ticket?.aiConversations ?? []).map((c) => [c.id, c]));
  return new Map((view.ticket?.aiConversationsRequested ?? []).map((id) => [id, about.get(id) ?? { id }]));
}

/** A conversation in words, for confirmations: `“Title” (Owner)`, or its id when the title is not known. */
export function conversationWords(c: AiConversationWire): string {
  const owner = c.ownerName ?? c.owner;
  return c.title ? `“${c.title}”${owner ? ` (${owner})` : ''}` : `${c.id}${owner ? ` (${owner})` : ''}`;
}

function Conversation({ c }: { c: AiConversationWire }) {
  const owner = c.ownerName ?? c.owner;
  return (
    <span class="conversation">
      <span class="conv-title">{c.title ?? <span class="muted">Title not known</span>}</span>
      <span class="conv-meta muted">
        {owner ? `${owner}'s conversation · ` : ''}
        <code>{c.id}</code>
      </span>
    </span>
  );
}

export function AiConversationsGrant({ view, disabled, onChange }: { view: TicketView; disabled?: string; onChange: () => void }) {
  const about = conversationsOf(view);
  const asked = [...about.keys()];
  // Each ticked conversation, and whether the tick that chose it counted (a page could trick ticks
  // too): a grant over any conversation ticked without evidence is parked like an unseen click.
  const [picked, setPicked] = useState<Map<string, boolean>>(new Map());
  // Every live AI grant is shown with its own revoke: the API keeps one per ticket, but grants made
  // before it did may overlap, and hiding one would leave Support reading through it.
  const live = view.grants.filter((g) => g.kind === 'ai_conversations' && (g.state === 'active' || g.state === 'pending_guard_approval'));
  const last = view.grants.find((g) => g.kind === 'ai_conversations');
  if (asked.length === 0 && !last) return null;
  const shown = live.length > 0 ? live : last ? [last] : [];
  const words = (id: string) => conversationWords(about.get(id) ?? { id });
  // Offered by the API (the view answer's actions), never decided here.
  const mayGrant = live.length === 0 && offeredOnTicket(view, 'grant_ai_conversations');
  const granted = new Set(live.flatMap((g) => g.conversations ?? []));
  const notGranted = live.length > 0 ? asked.filter((id) => !granted.has(id)) : [];
  // Ticked in the order Support asked, so the same choice is the same action.
  const chosen = asked.filter((id) => picked.has(id));
  const n = chosen.length;
  const toggle = (id: string, ok: boolean) =>
    setPicked((prev) => {
      const next = new Map(prev);
      if (next.has(id)) next.delete(id);
      else next.set(id, ok);
      return next;
    });

  return (
    <section aria-label="AI conversations" class="grant ai">
      <h2>AI conversations</h2>
      <p class="muted">
        Support asked to read {asked.length === 1 ? 'this Rovo conversation' : `these ${asked.length} Rovo conversations`}. A data grant never covers them; this grant covers only the ones{' '}
        {mayGrant ? 'you tick' : 'approved'}.
      </p>
      {shown.map((grant) => (
        <div key={grant.id} class="ai-grant" data-grant={grant.id}>
          <ul class="conversations">
            {(grant.conversations ?? []).map((id) => (
              <li key={id} data-conversation={id}>
                <Conversation c={about.get(id) ?? { id }} />
              </li>
            ))}
          </ul>
          <StateLine grant={grant} view={view} />
          {live.includes(grant) && offeredOnGrant(view, grant.id, 'revoke') && (
            <ActionButton
              label="Revoke AI conversations"
              confirm={`Revoke Support's access to the AI conversations ${(grant.conversations ?? []).map(words).join(', ')} on ${view.key}`}
              aria={live.length > 1 ? `Revoke AI conversations ${(grant.conversations ?? []).join(', ')}` : undefined}
              danger
              disabled={disabled}
              onDone={onChange}
              act={(click, idempotencyKey) => callBackground('revokeTicketGrant', { key: view.key, grantId: grant.id, idempotencyKey, click })}
            />
          )}
        </div>
      ))}
      {live.length === 0 && mayGrant && (
        <fieldset class="pick-conversations">
          <legend>Conversations Support may read</legend>
          <ul class="conversations">
            {asked.map((id) => (
              <li key={id} class="pick" data-conversation={id}>
                <GuardedCheckbox aria-label={`Let Support read ${words(id)}${about.get(id)?.title ? `, ${id}` : ''}`} checked={picked.has(id)} onToggle={(click) => toggle(id, vouched(click))} />
                <Conversation c={about.get(id)!} />
              </li>
            ))}
          </ul>
        </fieldset>
      )}
      {live.length === 0 && !mayGrant && shown.length === 0 && (
        <ul class="conversations">
          {asked.map((id) => (
            <li key={id} data-conversation={id}>
              <Conversation c={about.get(id)!} />
            </li>
          ))}
        </ul>
      )}
      {shown.length === 0 && (
        <p class="state none" data-state="none">
          Not approved.
        </p>
      )}
      {notGranted.length > 0 && (
        <p class="muted not-granted">
          Not approved: {notGranted.map(words).join(', ')}. To add {notGranted.length === 1 ? 'it' : 'them'}, revoke this grant and approve again with {notGranted.length === 1 ? 'it' : 'them'} ticked.
        </p>
      )}
      {mayGrant && (
        // A new choice is a new action: its own idempotency key, its own look before a click counts.
        <ActionButton
          key={chosen.join('\n')}
          label={n === 0 ? 'Approve AI conversations' : `Approve ${n} AI conversation${n === 1 ? '' : 's'}`}
          confirm={`Let Support read ${n === 1 ? 'the AI conversation' : `${n} AI conversations`} ${chosen.map(words).join(', ')} on ${view.key}`}
          disabled={disabled ?? (n === 0 ? 'Tick the conversations Support may read.' : undefined)}
          onDone={() => {
            setPicked(new Map());
            onChange();
          }}
          act={(click, idempotencyKey) =>
            callBackground('grantAiConversations', {
              key: view.key,
              conversations: chosen,
              idempotencyKey,
              click: withSelection(
                click,
                chosen.map((id) => picked.get(id) === true),
              ),
            })
          }
        />
      )}
    </section>
  );
}
