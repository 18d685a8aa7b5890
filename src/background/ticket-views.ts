// The ticket panel's data: the API's answers for one ticket, cached in IndexedDB so the panel can
// show them at once (labelled with their age), then refreshed. Never a decision of our own.
import { AccessApiError, type AccessClient } from '../api/client';
import type { MeWire, TicketViewAnswerWire } from '../api/schemas';
import type { TicketView, ViewProblemKind } from '../shared-ext/ticket-view';
import { accessClient, ApiUnreachable, NotSignedIn, problemOf } from './api';
import { forgetRoleData, readDecision, readMe, writeDecision, writeMe } from './db';
import { SIGNED_OUT_TEXT, signedOutReason } from './auth-state';
import { signedOutWhy } from '../shared-ext/signed-out';
import { displayText } from '../shared-ext/format';

const ME_MAX_AGE_MS = 10 * 60_000;

export async function currentMe(client: AccessClient, tokenHash: string): Promise<MeWire> {
  const cached = await readMe(tokenHash);
  if (cached && Date.now() - cached.fetchedAt < ME_MAX_AGE_MS) return cached.value;
  const me = await client.me();
  await writeMe(me, tokenHash);
  return me;
}

/**
 * The directory changed for me (a `directory.changed` event, or /v1/me answering other roles than
 * the cached copy): forgets the cached me, every cached ticket answer and the remembered ETags, so
 * the next read of any panel, popup or console frame asks the API.
 */
export async function rolesChanged(): Promise<void> {
  lastAnswers.clear();
  await forgetRoleData();
}

function emptyView(key: string): TicketView {
  return { key, grants: [], activity: [], names: {}, guardAdmins: [], stale: true };
}

/**
 * The panel's view with every name and title others typed (people, the ticket's title, AI
 * conversations, Support's change requests) as displayText shows them; ids, states and times as
 * the API gave them.
 */
function forDisplay(view: TicketView): TicketView {
  const t = view.ticket;
  const el = view.eligibility;
  return {
    ...view,
    ...(view.me ? { me: { ...view.me, name: displayText(view.me.name) } } : {}),
    ...(t
      ? {
          ticket: {
            ...t,
            title: displayText(t.title),
            productName: displayText(t.productName),
            ...(t.aiConversations
              ? {
                  aiConversations: t.aiConversations.map((c) => ({
                    ...c,
                    ...(c.title === undefined ? {} : { title: displayText(c.title) }),
                    ...(c.ownerName === undefined ? {} : { ownerName: displayText(c.ownerName) }),
                  })),
                }
              : {}),
          },
        }
      : {}),
    ...(el ? { eligibility: { ...el, qualifiedAdmins: el.qualifiedAdmins.map((a) => ({ ...a, name: displayText(a.name) })) } } : {}),
    activity: view.activity.map((r) => ({ ...r, actorName: displayText(r.actorName) })),
    grants: view.grants.map((g) => (g.guardMessage === undefined || g.guardMessage === null ? g : { ...g, guardMessage: displayText(g.guardMessage) })),
    ...(view.changeRequests
      ? {
          changeRequests: view.changeRequests.map((c) => ({
            ...c,
            summary: displayText(c.summary),
            reason: displayText(c.reason),
            ...(typeof c.message === 'string' ? { message: displayText(c.message) } : {}),
          })),
        }
      : {}),
    names: Object.fromEntries(Object.entries(view.names).map(([id, name]) => [id, displayText(name)])),
    guardAdmins: view.guardAdmins.map((g) => ({ ...g, name: displayText(g.name) })),
  };
}

/** The last view answer per signed-in token and ticket, with its ETag: a refresh the API answers 304 costs no body. */
const lastAnswers = new Map<string, { etag: string; answer: TicketViewAnswerWire }>();
const MAX_REMEMBERED = 50;

async function viewAnswer(client: AccessClient, tokenHash: string, key: string): Promise<TicketViewAnswerWire> {
  const id = `${tokenHash}\u0000${key}`;
  const last = lastAnswers.get(id);
  const { view, etag } = await client.ticketViewIfChanged(key, last?.etag);
  if (view === undefined && last) return last.answer;
  if (view === undefined) return client.ticketView(key); // a 304 we did not ask for: read it whole
  lastAnswers.delete(id);
  if (etag) lastAnswers.set(id, { etag, answer: view });
  if (lastAnswers.size > MAX_REMEMBERED) lastAnswers.delete(lastAnswers.keys().next().value!);
  return view;
}

/**
 * One read of the API's view answer (GET /v1/tickets/{key}/view): the ticket, eligibility, grants,
 * changes, Support activity, my open asks and the actions the API allows me, decided together.
 */
async function fetchView(key: string): Promise<TicketView> {
  const { client, tokenHash } = await accessClient();
  const me = await currentMe(client, tokenHash);
  if (me.kind !== 'admin')
    return { ...emptyView(key), stale: false, fetchedAt: Date.now(), problem: { kind: 'not_admin', message: 'Signed in as a Support engineer: the panel is for admins of the customer org.' } };
  const answer = await viewAnswer(client, tokenHash, key);
  const mine = { me: { id: me.id, name: me.name, email: me.email, kind: me.kind }, eligibility: answer.eligibility, actions: answer.actions, asks: answer.asks };
  if (answer.stake === 'none' || !answer.ticket) {
    // Eligibility is open to every org user; the ticket's record is for those with a stake in it.
    const message = `Only whether you can grant and whom to ask are shown here: ticket ${key}'s grants and Support activity are for its reporter, org admins, the admins who can grant for it and, on a Guard-restricted site, Guard admins.`;
    return forDisplay({ ...emptyView(key), ...mine, names: answer.people, stale: false, fetchedAt: Date.now(), problem: { kind: 'no_stake', message } });
  }
  return forDisplay({
    key,
    ...mine,
    ticket: answer.ticket,
    grants: answer.grants,
    activity: answer.activity.map((r) => ({ id: r.id, at: r.at, actorName: r.actorName, action: r.action, resource: r.resource, outcome: r.outcome, detail: r.detail })),
    changeRequests: answer.changeRequests,
    names: { ...answer.people, [me.id]: me.name },
    guardAdmins: answer.ticket.guardAdmins.map((g) => ({ id: g.userId, name: g.name })),
    fetchedAt: Date.now(),
    stale: false,
  });
}

function problemKind(error: unknown): ViewProblemKind {
  if (error instanceof NotSignedIn || (error instanceof AccessApiError && error.status === 401)) return 'signed_out';
  if (error instanceof ApiUnreachable) return 'offline';
  if (error instanceof AccessApiError && error.status === 404) return 'unknown_ticket';
  return 'api_error';
}

const inFlight = new Map<string, Promise<TicketView>>();

/** The cached view at once (fresh=false), or a refresh from the API, falling back to cache marked stale. */
export async function ticketView(key: string, fresh: boolean): Promise<TicketView> {
  const cached = await readDecision(key);
  if (!fresh) return cached ? { ...cached.value, fetchedAt: cached.fetchedAt, stale: true } : emptyView(key);
  let pending = inFlight.get(key);
  if (!pending) {
    pending = refresh(key, cached?.value).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

/** What the panel says when the API refused the session or token, or nobody is signed in. */
async function signedOutMessage(): Promise<string> {
  const why = await signedOutReason();
  if (!why) return 'Not signed in.';
  if (why.reason === 'deactivated') return `${SIGNED_OUT_TEXT}. ${signedOutWhy(why.reason)}`;
  return why.reason === 'session_ended' ? `${SIGNED_OUT_TEXT}: your session ended at the Access API.` : `${SIGNED_OUT_TEXT}: the Access API no longer accepts your token.`;
}

async function refresh(key: string, cached: TicketView | undefined): Promise<TicketView> {
  try {
    const view = await fetchView(key);
    await writeDecision(view, view.fetchedAt ?? Date.now());
    return view;
  } catch (error) {
    const p = problemOf(error);
    const kind = problemKind(error);
    const message =
      kind === 'signed_out'
        ? await signedOutMessage()
        : kind === 'offline'
          ? `${p.detail ?? p.title} Showing the last answer we had; actions need the API.`
          : kind === 'unknown_ticket'
            ? `The Access API has no ticket ${key}.`
            : (p.detail ?? p.title);
    // A different person signed in since: never show their cached view.
    const base = kind === 'signed_out' || kind === 'unknown_ticket' ? emptyView(key) : (cached ?? emptyView(key));
    return { ...base, stale: true, problem: { kind, message } };
  }
}
