// The database surface every driver (PGlite, PostgreSQL) implements, apart from the drivers
// themselves so that migrations and stores can name it without importing a driver.

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Subscribe to a NOTIFY channel; the returned function unsubscribes. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * Wraps every transaction a request runs, inside that transaction: the idempotency journal uses it
 * to record each committed result with the change itself.
 */
export interface TransactionHook {
  run<T>(tx: Queryable, fn: (tx: Queryable) => Promise<T>): Promise<T>;
}
