// The ticket panel's data: the API's answers for one ticket, cached in IndexedDB so the panel can
// show them at once (labelled with their age), then refreshed. Never a decision of our own.
import { AccessApiError, type AccessClient } from '../api/client';
import type { MeWire } from '../api/schemas';
import type { TicketView, ViewProblemKind } from '../shared-ext/ticket-view';
import { accessClient, ApiUnreachable, NotSignedIn, problemOf } from './api';
import { readDecision, readMe, writeDecision, writeMe } from './db';
import { SIGNED_OUT_TEXT, signedOutReason } from './auth-state';

const ME_MAX_AGE_MS = 10 * 60_000;

export async function currentMe(client: AccessClient, tokenHash: string): Promise<MeWire> {
  const cached = await readMe(tokenHash);
  if (cached && Date.now() - cached.fetchedAt < ME_MAX_AGE_MS) return cached.value;
  const me = await client.me();
  await writeMe(me, tokenHash);
  return me;
}

function emptyView(key: string): TicketView {
  return { key, grants: [], activity: [], names: {}, guardAdmins: [], stale: true };
}

type Named = { id?: string; userId?: string; name?: string };

async function fetchView(key: string): Promise<TicketView> {
  const { client, tokenHash } = await accessClient();
  const me = await currentMe(client, tokenHash);
  if (me.kind !== 'admin')
    return { ...emptyView(key), stale: false, fetchedAt: Date.now(), problem: { kind: 'not_admin', message: 'Signed in as a Support engineer: the panel is for admins of the customer org.' } };
  const [ticket, eligibility, grants, activity, changes] = await Promise.all([
    client.ticket(key).catch(noStakeAs(undefined)),
    client.eligibility(key),
    client.ticketGrants(key).catch(noStakeAs(undefined)),
    client.activity(key).catch((e: unknown) => {
      if (e instanceof AccessApiError && e.status === 403) return { entries: [] };
      throw e;
    }),
    client.changeRequests(key).catch(noStakeAs({ changeRequests: [], people: {} })),
  ]);
  if (!ticket || !grants) {
    // Eligibility is open to every org user; the ticket's record is for those with a stake in it.
    const message = `Only whether you can grant and whom to ask are shown here: ticket ${key}'s grants and Support activity are for its reporter, org admins, the admins who can grant for it and, on a Guard-restricted site, Guard admins.`;
    return { ...emptyView(key), me: { id: me.id, name: me.name, email: me.email, kind: me.kind }, eligibility, stale: false, fetchedAt: Date.now(), problem: { kind: 'no_stake', message } };
  }
  const names: Record<string, string> = { ...(grants.people ?? {}), ...changes.people, [me.id]: me.name };
  for (const a of eligibility.qualifiedAdmins) names[a.userId] = a.name;
  // Guard admins come from the API when it names them (on the eligibility or the ticket record).
  const guardList = ((eligibility as { guardAdmins?: Named[] }).guardAdmins ?? (ticket as { guardAdmins?: Named[] }).guardAdmins ?? [])
    .map((g) => ({ id: g.id ?? g.userId ?? '', name: g.name ?? g.id ?? g.userId ?? '' }))
    .filter((g) => g.id);
  for (const g of guardList) names[g.id] = g.name;
  return {
    key,
    me: { id: me.id, name: me.name, email: me.email, kind: me.kind },
    ticket,
    eligibility,
    grants: [...grants.grants].sort((a, b) => (b.grantedAt ?? b.requestedAt ?? '').localeCompare(a.grantedAt ?? a.requestedAt ?? '')),
    activity: activity.entries
      .map((r) => ({ id: r.id, at: r.at, actorName: r.actorName, action: r.action, resource: r.resource, outcome: r.outcome, detail: r.detail }))
      .sort((a, b) => b.at.localeCompare(a.at)),
    changeRequests: changes.changeRequests,
    names,
    guardAdmins: guardList,
    fetchedAt: Date.now(),
    stale: false,
  };
}

/** A 403 `no_stake` (the caller has no stake in the ticket) becomes `value`; anything else is rethrown. */
function noStakeAs<T>(value: T): (e: unknown) => T {
  return (e) => {
    if (e instanceof AccessApiError && e.status === 403 && e.problem.code === 'no_stake') return value;
    throw e;
  };
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
