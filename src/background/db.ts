// The background's IndexedDB cache: who I am, recent ticket decisions, inbox, grants, ids already
// notified, and small metadata. One versioned schema; add a rung to the ladder for each change.
// Never await the network inside a transaction: fetch first, then write.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { MeWire } from '../api/schemas';
import type { TicketView } from '../shared-ext/ticket-view';

export interface Cached<T> { value: T; fetchedAt: number }

export interface AccessCompanionDb extends DBSchema {
  /** Single row 'me': the signed-in admin, with the token's fingerprint it was fetched for. */
  me: { key: 'me'; value: Cached<MeWire> & { tokenHash: string } };
  /** Last API answer per ticket key. */
  decisions: { key: string; value: Cached<TicketView> & { key: string }; indexes: { fetchedAt: number } };
  inbox: { key: string; value: { id: string; kind: string; title: string; ticket?: string; createdAt: string; link?: string; fetchedAt: number } };
  grants: { key: string; value: { id: string; ticket: string; state: string; fetchedAt: number; [k: string]: unknown }; indexes: { ticket: string } };
  /** Notification ids already shown, so each is shown once. */
  notified: { key: string; value: { id: string; at: number } };
  meta: { key: string; value: { key: string; value: unknown } };
  /** The sign-in token. Here, not in chrome.storage.local, because content scripts can read that;
   *  this database belongs to the extension's origin, which no page or content script shares. */
  credentials: { key: 'token'; value: string };
}

export const DB_NAME = 'access-companion';
export const DB_VERSION = 2;
/** Decisions older than this are dropped from the cache. */
export const DECISION_TTL_MS = 7 * 24 * 3600_000;
const MAX_DECISIONS = 200;

/** One rung per schema version; an install at any older version climbs from where it is. */
export function upgradeLadder(database: IDBPDatabase<AccessCompanionDb>, oldVersion: number): void {
  if (oldVersion < 1) {
    database.createObjectStore('me');
    database.createObjectStore('decisions', { keyPath: 'key' }).createIndex('fetchedAt', 'fetchedAt');
    database.createObjectStore('inbox', { keyPath: 'id' });
    database.createObjectStore('grants', { keyPath: 'id' }).createIndex('ticket', 'ticket');
    database.createObjectStore('notified', { keyPath: 'id' });
    database.createObjectStore('meta', { keyPath: 'key' });
  }
  if (oldVersion < 2) {
    database.createObjectStore('credentials');
  }
}

let dbPromise: Promise<IDBPDatabase<AccessCompanionDb>> | undefined;

export function db(): Promise<IDBPDatabase<AccessCompanionDb>> {
  dbPromise ??= openDB<AccessCompanionDb>(DB_NAME, DB_VERSION, { upgrade: upgradeLadder });
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

/** Sign-out or a different person: nothing of the previous person's stays. */
export async function clearPersonalData(): Promise<void> {
  const d = await db();
  const tx = d.transaction(['me', 'decisions', 'inbox', 'grants', 'notified', 'meta'], 'readwrite');
  await Promise.all([tx.objectStore('me').clear(), tx.objectStore('decisions').clear(), tx.objectStore('inbox').clear(), tx.objectStore('grants').clear(), tx.objectStore('notified').clear(), tx.objectStore('meta').clear(), tx.done]);
}

export async function readToken(): Promise<string> {
  return (await (await db()).get('credentials', 'token')) ?? '';
}

export async function writeToken(token: string): Promise<void> {
  await (await db()).put('credentials', token, 'token');
}
