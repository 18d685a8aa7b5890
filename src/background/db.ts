// The background's IndexedDB cache: who I am, recent ticket decisions, the polled inbox and grants,
// ids already notified, and small metadata. One versioned schema; add a rung to the ladder for each change.
// Never await the network inside a transaction: fetch first, then write.
import { deleteDB, openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { MeWire } from '../api/schemas';
import type { TicketView } from '../shared-ext/ticket-view';

export interface Cached<T> {
  value: T;
  fetchedAt: number;
}

export interface AccessCompanionDb extends DBSchema {
  /** Single row 'me': the signed-in admin, with the token's fingerprint it was fetched for. */
  me: { key: 'me'; value: Cached<MeWire> & { tokenHash: string } };
  /** Last API answer per ticket key. */
  decisions: { key: string; value: Cached<TicketView> & { key: string }; indexes: { fetchedAt: number } };
  /** Notifications already shown, keyed `<account fingerprint> <notice id>`, so each is shown once per
   *  account (across worker restarts and sign-out), with the page a click opens. */
  notified: { key: string; value: { id: string; link?: string; at: number } };
  /** What the poll last fetched ('inbox', 'grants'), with when, so views can say how old it is. */
  cache: { key: string; value: Cached<unknown> & { key: string } };
  meta: { key: string; value: { key: string; value: unknown } };
  /** The sign-in token ('token': an API session or a personal access token) and the provider sign-in
   *  ('provider': JSON of provider-session.ts's ProviderSession, refresh token included). Here, not in
   *  extension storage (storage.local), because content scripts can read that; this database belongs
   *  to the extension's origin, which no page or content script shares. */
  credentials: { key: 'token' | 'provider'; value: string };
}

export const DB_NAME = 'access-companion';
export const DB_VERSION = 3;
/** Decisions older than this are dropped from the cache. */
export const DECISION_TTL_MS = 7 * 24 * 3600_000;
const MAX_DECISIONS = 200;

/** One rung per schema version; an install at any older version climbs from where it is. */
export function upgradeLadder(database: IDBPDatabase<AccessCompanionDb>, oldVersion: number): void {
  // For stores that earlier versions had and the current schema no longer types.
  const retired = database as unknown as IDBPDatabase;
  if (oldVersion < 1) {
    database.createObjectStore('me');
    database.createObjectStore('decisions', { keyPath: 'key' }).createIndex('fetchedAt', 'fetchedAt');
    retired.createObjectStore('inbox', { keyPath: 'id' });
    retired.createObjectStore('grants', { keyPath: 'id' }).createIndex('ticket', 'ticket');
    database.createObjectStore('notified', { keyPath: 'id' });
    database.createObjectStore('meta', { keyPath: 'key' });
  }
  if (oldVersion < 2) {
    database.createObjectStore('credentials');
  }
  if (oldVersion < 3) {
    // The poll's cache (was its own 'access-companion-sync' database). The per-row inbox and grants
    // stores of version 1 were never written; the poll keeps each list whole under 'cache'.
    database.createObjectStore('cache', { keyPath: 'key' });
    for (const name of ['inbox', 'grants']) if (retired.objectStoreNames.contains(name)) retired.deleteObjectStore(name);
  }
}

/** The poll's database before version 3; removed once the shared one has taken over its stores. */
const LEGACY_SYNC_DB = 'access-companion-sync';

let dbPromise: Promise<IDBPDatabase<AccessCompanionDb>> | undefined;

export function db(): Promise<IDBPDatabase<AccessCompanionDb>> {
  dbPromise ??= openDB<AccessCompanionDb>(DB_NAME, DB_VERSION, {
    upgrade(database, oldVersion) {
      upgradeLadder(database, oldVersion);
      if (oldVersion < 3) void deleteDB(LEGACY_SYNC_DB).catch(() => undefined);
    },
  });
  return dbPromise;
}

export async function readDecision(key: string): Promise<Cached<TicketView> | undefined> {
  return (await db()).get('decisions', key);
}

export async function writeDecision(view: TicketView, fetchedAt: number): Promise<void> {
  const d = await db();
  await d.put('decisions', { key: view.key, value: view, fetchedAt });
  // Keep the cache small: drop the oldest beyond the cap and anything past its TTL.
  const tx = d.transaction('decisions', 'readwrite');
  const total = await tx.store.count();
  let toDrop = Math.max(0, total - MAX_DECISIONS);
  for (let cursor = await tx.store.index('fetchedAt').openCursor(); cursor; cursor = await cursor.continue()) {
    if (toDrop <= 0 && cursor.value.fetchedAt > Date.now() - DECISION_TTL_MS) break;
    await cursor.delete();
    toDrop--;
  }
  await tx.done;
}

export async function readMe(tokenHash: string): Promise<Cached<MeWire> | undefined> {
  const row = await (await db()).get('me', 'me');
  return row && row.tokenHash === tokenHash ? row : undefined;
}

export async function writeMe(me: MeWire, tokenHash: string): Promise<void> {
  await (await db()).put('me', { value: me, fetchedAt: Date.now(), tokenHash }, 'me');
}

export async function getMeta<T>(key: string): Promise<T | undefined> {
  return (await (await db()).get('meta', key))?.value as T | undefined;
}

export async function setMeta(key: string, value: unknown): Promise<void> {
  await (await db()).put('meta', { key, value });
}

export async function readCache<T>(key: string): Promise<Cached<T> | undefined> {
  return (await (await db()).get('cache', key)) as Cached<T> | undefined;
}

export async function writeCache(key: string, value: unknown): Promise<void> {
  await (await db()).put('cache', { key, value, fetchedAt: Date.now() });
}

/**
 * The directory changed (a role given or taken, a group membership, a deactivation): who I am and
 * every cached ticket answer (eligibility, the actions offered) may be wrong now, so both go and the
 * next read asks the API. A panel never paints "You can grant" from before the change.
 */
export async function forgetRoleData(): Promise<void> {
  const d = await db();
  const tx = d.transaction(['me', 'decisions'], 'readwrite');
  await Promise.all([tx.objectStore('me').clear(), tx.objectStore('decisions').clear(), tx.done]);
}

/**
 * Sign-out or a different person: nothing of the previous person's data stays. What was notified
 * stays, keyed by account, so signing back in does not announce the same backlog again.
 */
export async function clearPersonalData(): Promise<void> {
  const d = await db();
  const stores = ['me', 'decisions', 'cache', 'meta'] as const;
  const tx = d.transaction(stores, 'readwrite');
  await Promise.all([...stores.map((name) => tx.objectStore(name).clear()), tx.done]);
}

export async function readToken(): Promise<string> {
  return (await (await db()).get('credentials', 'token')) ?? '';
}

export async function writeToken(token: string): Promise<void> {
  await writeCredential('token', token);
}

/** A credential by name; '' when none. */
export async function readCredential(key: 'token' | 'provider'): Promise<string> {
  return (await (await db()).get('credentials', key)) ?? '';
}

export async function writeCredential(key: 'token' | 'provider', value: string): Promise<void> {
  await (await db()).put('credentials', value, key);
}
