// Keeps "waiting on me", my grants and my requests fresh, and turns changes into notifications: a
// alarms poll every 30 s with If-None-Match (304 costs nothing), which survives the worker
// being stopped because alarms wake it. While a page listens, live-stream.ts polls on every event.
import { browser } from '../shared-ext/browser';
import { personName } from '../shared-ext/format';
import type { AccessClient } from '../api/client';
import { toGrantView } from './console-views';
import { accessClient, fingerprint, problemOf } from './api';
import { db, getMeta as meta, readCache, readMe, setMeta, writeCache, writeMe } from './db';
import { rolesChanged } from './ticket-views';
import { loadSettings } from './settings';
import { notifyOnce, setBadge, wasNotified, type Notice } from './notifications';
import { showSignedOutBadge, signedOutReason } from './auth-state';
import { syncMyRequests } from './my-requests-sync';

export interface InboxItem {
  id: string;
  kind: string;
  title: string;
  ticket?: string;
  createdAt: string;
  link?: string;
}

/** The poll's own keys in the shared meta store (others there, such as a parked action, are not its to clear). */
const SYNC_META = ['org', 'me', 'account', 'tokenHash', 'inboxEtag', 'grantsEtag', 'myRequestsEtag', 'activityEtags', 'lastSync', 'lastEventId'] as const;

/** Forgets what the poll fetched, e.g. for a different person (what was notified is kept per account). */
async function clearSyncState(): Promise<void> {
  const d = await db();
  const tx = d.transaction(['cache', 'meta'], 'readwrite');
  await Promise.all([tx.objectStore('cache').clear(), ...SYNC_META.map((key) => tx.objectStore('meta').delete(key)), tx.done]);
}

/** Who notifications are for: the person at this API, whichever token they signed in with. */
const accountOf = (apiBaseUrl: string, userId: string) => fingerprint(`${apiBaseUrl}\n${userId}`);

export const ALARM = 'access-companion-poll';
export const POLL_MINUTES = 0.5;

/** Registers the 30 s poll; the browser keeps an existing alarm across worker restarts. */
export async function ensurePollAlarm(): Promise<void> {
  const existing = await browser.alarms.get(ALARM);
  if (!existing || existing.periodInMinutes !== POLL_MINUTES) await browser.alarms.create(ALARM, { periodInMinutes: POLL_MINUTES, delayInMinutes: POLL_MINUTES });
}

const absolute = (link: string | undefined, base: string): string | undefined => {
  if (!link) return undefined;
  try {
    return new URL(link, base).href;
  } catch {
    return undefined;
  }
};

async function consolePage(page: string): Promise<string> {
  const { consoleUrl } = (await browser.storage.local.get('consoleUrl')) as { consoleUrl?: string };
  const org = (await meta<{ id: string }>('org'))?.id ?? '';
  return `${consoleUrl ?? 'https://admin.atlassian.com'}/o/${org}/${page}`;
}

const INBOX_PAGES: Record<string, string> = {
  support_request: 'settings/support-access',
  guard_approval: 'security/support-access-requests',
  access_request: 'access-requests',
  ask: 'settings/support-access',
  change_request: 'settings/support-access',
  change_guard_approval: 'security/support-access-requests',
};

/**
 * Where an inbox item leads. The API's links are paths within the org's admin console
 * (`/settings/support-access?ticket=PS-101`), so they resolve under `/o/<org>/`.
 */
export async function inboxLink(item: InboxItem): Promise<string> {
  const page = await consolePage(INBOX_PAGES[item.kind] ?? 'settings/support-access');
  if (item.link?.startsWith('/') && !item.link.startsWith('//')) return await consolePage(item.link.slice(1));
  return absolute(item.link, page) ?? page;
}

async function inboxNotice(item: InboxItem): Promise<Notice> {
  const link = await inboxLink(item);
  const what: Record<string, string> = {
    support_request: 'Support asks for data access',
    guard_approval: 'A grant waits on your Guard approval',
    access_request: 'Product access request',
    ask: 'You were asked to grant access',
    change_request: 'Support asks for your consent to a change',
    change_guard_approval: 'A change waits on your Guard approval',
  };
  return { id: `inbox:${item.id}`, kind: 'inbox', title: what[item.kind] ?? 'Waiting on you', message: item.title, link };
}

let inFlight: Promise<SyncResult> | undefined;
let queued: Promise<SyncResult> | undefined;
export interface SyncResult {
  inboxChanged: boolean;
  notified: string[];
  problem?: string;
}

/**
 * One poll. A caller that arrives while a poll runs gets the next one, not that one: the running
 * poll may have read the API before the change that prompted the call. Callers that arrive
 * together share that one follow-up.
 */
export function syncNow(): Promise<SyncResult> {
  if (!inFlight) {
    inFlight = doSync().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }
  queued ??= inFlight.then(next, next);
  return queued;
}

function next(): Promise<SyncResult> {
  queued = undefined;
  return syncNow();
}

async function doSync(): Promise<SyncResult> {
  const settings = await loadSettings();
  if (!settings.token) {
    // Signed out: nothing of the previous person's stays (sign-out clears the rest of the db too).
    await clearSyncState();
    if (await signedOutReason()) await showSignedOutBadge();
    else await setBadge(0);
    return { inboxChanged: false, notified: [], problem: 'signed_out' };
  }
  try {
    const { client, tokenHash, apiBaseUrl } = await accessClient();
    if (!(await meta('account')) || (await meta('tokenHash')) !== tokenHash) {
      const me = await client.me();
      // A different person: nothing cached for the previous one carries over.
      await clearSyncState();
      await setMeta('org', me.org);
      await setMeta('me', me.id);
      await setMeta('account', await accountOf(apiBaseUrl, me.id));
      await setMeta('tokenHash', tokenHash); // who this cache belongs to; never the token itself
    }
    await syncMe(client, tokenHash);
    const account = (await meta<string>('account'))!;
    const notices: Notice[] = [];
    const inboxChanged = await syncInbox(client, notices);
    await syncGrants(client, account, notices);
    await syncMyRequests(client, notices);
    const notified = await notifyOnce(account, notices);
    await setMeta('lastSync', { at: Date.now(), problem: undefined });
    return { inboxChanged, notified };
  } catch (error) {
    const p = problemOf(error);
    // A 401 has signed the session out (api.ts): say so, not the API's title.
    const problem = p.status === 0 ? 'offline' : p.status === 401 ? 'signed_out' : p.title;
    await setMeta('lastSync', { at: Date.now(), problem });
    return { inboxChanged: false, notified: [], problem };
  }
}

/**
 * Who I am, read again each poll: with no page open there is no event stream, and a directory change
 * (a role taken, a group left) must not wait for the cached copy to age out. When the roles or
 * capabilities differ from the cached copy, every cached ticket answer goes with it (rolesChanged).
 */
async function syncMe(client: AccessClient, tokenHash: string): Promise<void> {
  const me = await client.me();
  const cached = await readMe(tokenHash);
  if (cached && JSON.stringify(cached.value) !== JSON.stringify(me)) await rolesChanged();
  await writeMe(me, tokenHash);
}

async function syncInbox(client: AccessClient, notices: Notice[]): Promise<boolean> {
  const etag = await meta<string>('inboxEtag');
  const { items, etag: next } = await client.inbox(etag);
  if (items === undefined) {
    // 304: unchanged; the cached copy is now confirmed fresh.
    await writeCache('inbox', (await readCache<InboxItem[]>('inbox'))?.value ?? []);
    return false;
  }
  await writeCache('inbox', items);
  await setMeta('inboxEtag', next ?? undefined);
  await setBadge(items.length);
  for (const item of items) notices.push(await inboxNotice(item));
  return true;
}

/** Grant transitions since the last poll: Guard decisions, revocation by ticket close, Support's first access. */
type PolledGrant = Awaited<ReturnType<typeof toGrantView>>;

async function syncGrants(client: AccessClient, account: string, notices: Notice[]): Promise<void> {
  const previous = (await readCache<PolledGrant[]>('grants'))?.value;
  const { list, etag } = await client.grantsIfChanged(['active', 'pending_guard_approval', 'denied', 'revoked'], previous ? await meta<string>('grantsEtag') : undefined);
  let grants: PolledGrant[];
  if (list) {
    grants = await Promise.all(list.grants.map((g) => toGrantView(g, list.people)));
    await writeCache('grants', grants);
    await setMeta('grantsEtag', etag ?? undefined);
  } else {
    // 304: no grant changed state; the cached list is confirmed fresh.
    grants = previous ?? [];
    await writeCache('grants', grants);
  }
  if (!previous) return; // first sight: nothing to compare with, nothing to announce
  const before = new Map(previous.map((g) => [g.id, g]));
  const page = await consolePage('settings/support-access');
  if (list) {
    for (const g of grants) {
      const was = before.get(g.id);
      if (was?.state === 'pending_guard_approval' && (g.state === 'active' || g.state === 'denied')) {
        notices.push({
          id: `guard:${g.id}`,
          kind: 'guardDecision',
          title: `Guard ${g.state === 'active' ? 'approved' : 'denied'} access to ${g.ticket}`,
          message: `${g.product} on ${g.siteHost}${g.guardDecidedBy ? ` · by ${g.guardDecidedByName ?? personName(g.guardDecidedBy, {})}` : ''}`,
          link: page,
        });
      }
      if (was && was.state !== 'revoked' && g.state === 'revoked' && g.revokeReason === 'ticket_closed') {
        notices.push({ id: `closed:${g.id}`, kind: 'revokedByClose', title: `${g.ticket} closed: Support's access ended`, message: `${g.product} on ${g.siteHost}`, link: page });
      }
    }
  }
  // Support's first access under each active grant we have not announced yet; a ticket whose
  // activity has not changed since the last poll answers 304 and cannot hold a first access.
  const etags = (await meta<Record<string, string>>('activityEtags')) ?? {};
  const nextEtags: Record<string, string> = {};
  for (const g of grants.filter((x) => x.state === 'active' && x.kind === 'data')) {
    if (await wasNotified(account, `first-access:${g.id}`)) continue;
    const r = await client.activityIfChanged(g.ticket, etags[g.ticket]).catch(() => undefined);
    if (r?.etag) nextEtags[g.ticket] = r.etag;
    const since = g.grantedAt ? Date.parse(g.grantedAt) : 0;
    // Support's own reads that the API let through: the admin's grant is in the ticket's activity
    // too, and a refused check (before the grant, or out of scope) is not Support using the grant.
    // Support's tooling checking through an API key bound to the engineer is Support too.
    if ((r?.page?.entries ?? []).some((e) => (e.actorKind === 'engineer' || e.actorKind === 'key') && e.outcome === 'allowed' && Date.parse(e.at) >= since)) {
      notices.push({ id: `first-access:${g.id}`, kind: 'firstAccess', title: `Support opened ${g.ticket}'s data`, message: `${g.engineer} · ${g.product} on ${g.siteHost}`, link: page });
    }
  }
  await setMeta('activityEtags', nextEtags);
}
