// Keeps "waiting on me" and my grants fresh, and turns changes into notifications:
// - a chrome.alarms poll every 30 s with If-None-Match (304 costs nothing), which survives the
//   worker being stopped because alarms wake it;
// - a live stream (/v1/events) while any extension page or panel holds a 'live' port.
import type { AccessClient } from '../api/client';
import { toGrantView } from './console-views';
import { accessClient, fingerprint, problemOf } from './api';
import { db, getMeta as meta, readCache, setMeta, writeCache } from './db';
import { loadSettings } from './settings';
import { notifyOnce, setBadge, wasNotified, type Notice } from './notifications';
import { showSignedOutBadge, signedOutReason, tokenRejected } from './auth-state';
import { backoffDelay } from '../shared-ext/backoff';
import { syncMyRequests } from './my-requests-sync';

export interface InboxItem { id: string; kind: string; title: string; ticket?: string; createdAt: string; link?: string }

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

/** Registers the 30 s poll; chrome keeps an existing alarm across worker restarts. */
export async function ensurePollAlarm(): Promise<void> {
  const existing = await chrome.alarms.get(ALARM);
  if (!existing || existing.periodInMinutes !== POLL_MINUTES) await chrome.alarms.create(ALARM, { periodInMinutes: POLL_MINUTES, delayInMinutes: POLL_MINUTES });
}

const absolute = (link: string | undefined, base: string): string | undefined => {
  if (!link) return undefined;
  try { return new URL(link, base).href; } catch { return undefined; }
};

async function consolePage(page: string): Promise<string> {
  const { consoleUrl } = (await chrome.storage.local.get('consoleUrl')) as { consoleUrl?: string };
  const org = (await meta<{ id: string }>('org'))?.id ?? '';
  return `${consoleUrl ?? 'https://admin.atlassian.com'}/o/${org}/${page}`;
}

const INBOX_PAGES: Record<string, string> = {
  support_request: 'settings/support-access',
  guard_approval: 'security/support-access-requests',
  access_request: 'access-requests',
  ask: 'settings/support-access',
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
  const what: Record<string, string> = { support_request: 'Support asks for data access', guard_approval: 'A grant waits on your Guard approval', access_request: 'Product access request', ask: 'You were asked to grant access' };
  return { id: `inbox:${item.id}`, kind: 'inbox', title: what[item.kind] ?? 'Waiting on you', message: item.title, link };
}

let inFlight: Promise<SyncResult> | undefined;
let queued: Promise<SyncResult> | undefined;
export interface SyncResult { inboxChanged: boolean; notified: string[]; problem?: string }

/**
 * One poll. A caller that arrives while a poll runs gets the next one, not that one: the running
 * poll may have read the API before the change that prompted the call. Callers that arrive
 * together share that one follow-up.
 */
export function syncNow(): Promise<SyncResult> {
  if (!inFlight) {
    inFlight = doSync().finally(() => { inFlight = undefined; });
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
        notices.push({ id: `guard:${g.id}`, kind: 'guardDecision', title: `Guard ${g.state === 'active' ? 'approved' : 'denied'} access to ${g.ticket}`, message: `${g.product} on ${g.siteHost}${g.guardDecidedBy ? ` · by ${g.guardDecidedBy}` : ''}`, link: page });
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
    if ((r?.page?.entries ?? []).some((e) => e.actorKind === 'engineer' && e.outcome === 'allowed' && Date.parse(e.at) >= since)) {
      notices.push({ id: `first-access:${g.id}`, kind: 'firstAccess', title: `Support opened ${g.ticket}'s data`, message: `${g.engineer} · ${g.product} on ${g.siteHost}`, link: page });
    }
  }
  await setMeta('activityEtags', nextEtags);
}

// ---- live stream while an extension page or panel is open ----

const ports = new Set<chrome.runtime.Port>();
let stream: AbortController | undefined;

function broadcast(): void {
  for (const port of ports) port.postMessage({ type: 'changed' });
}

export function listenForLivePorts(): void {
  chrome.runtime.onConnect.addListener((port) => {
    if (port.name !== 'live' || port.sender?.id !== chrome.runtime.id || !port.sender.url?.startsWith(chrome.runtime.getURL(''))) return;
    ports.add(port);
    port.onDisconnect.addListener(() => {
      ports.delete(port);
      if (ports.size === 0) { stream?.abort(); stream = undefined; }
    });
    ensureStream();
  });
}

/** Follows the event stream while any page listens; after a sign-in, starts it again. */
export function ensureStream(): void {
  if (stream || ports.size === 0) return;
  const mine = new AbortController();
  stream = mine;
  void follow(mine.signal).finally(() => { if (stream === mine) stream = undefined; });
}

/** Resolves after `ms`, or at once when `signal` aborts. */
const pause = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

/** A stream that stayed up this long was healthy: the next failure starts the backoff over. */
const HEALTHY_STREAM_MS = 60_000;

/**
 * Reads /v1/events (SSE over fetch: a worker has no EventSource) and re-syncs on every event.
 * Ends when signed out or when the API rejects the token (401 signs the session out); other
 * failures retry with exponential backoff and jitter.
 */
async function follow(signal: AbortSignal): Promise<void> {
  let lastId = (await meta<string>('lastEventId')) ?? '';
  let failures = 0;
  while (!signal.aborted) {
    let openedAt: number | undefined;
    try {
      const settings = await loadSettings();
      if (!settings.token) return;
      const res = await fetch(`${settings.apiBaseUrl}/v1/events`, { signal, headers: { authorization: `Bearer ${settings.token}`, accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) } });
      if (res.status === 401) {
        await res.body?.cancel();
        await tokenRejected(settings.token);
        broadcast(); // open pages show "signed out" now, not at their next poll
        return;
      }
      if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
      openedAt = Date.now();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: ?(.*)$/m.exec(block)?.[1];
          if (id) { lastId = id; await setMeta('lastEventId', id); }
          if (/^(data|event):/m.test(block)) { await syncNow(); broadcast(); }
        }
      }
    } catch {
      if (signal.aborted) return;
    }
    failures = openedAt !== undefined && Date.now() - openedAt >= HEALTHY_STREAM_MS ? 1 : failures + 1;
    await pause(backoffDelay(failures), signal);
  }
}

/** Anything that may change what pages show (an action of ours) re-syncs and tells open pages. */
export async function changed(): Promise<void> {
  await syncNow();
  broadcast();
}
