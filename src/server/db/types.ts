// The database surface every driver (PGlite, PostgreSQL) implements, apart from the drivers
// themselves so that migrations and stores can name it without importing a driver.

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** Whether an acknowledged write survives a crash or power cut, as /healthz and the start line say. */
export interface Durability {
  /** Every commit is on stable storage (synced) before it returns, so before any answer built on it. */
  durable: boolean;
  /** How, or why not, in a sentence for the person running the API. */
  note: string;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  readonly durability: Durability;
  /**
   * Set once a sync to disk failed: what was written since the last good sync may be lost, and a
   * failed fsync cannot be retried safely (the kernel may have dropped the dirty pages), so the
   * database refuses everything from then on (StorageUnavailable) until the API is restarted.
   */
  readonly storageFailure: string | undefined;
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Subscribe to a NOTIFY channel; the returned function unsubscribes. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
