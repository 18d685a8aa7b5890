// One tiny database surface over embedded PGlite and PostgreSQL (pg): queries, transactions and
// LISTEN. Timestamps are stored as ISO text and counters as int so both drivers return the same JS.
import { copyFileSync, cpSync, existsSync, fsyncSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import pg from 'pg';
import { LOCK_FILE } from './data-lock';
import { migrate, MIGRATION_LOCK } from './migrations';
import { storageFailureOf, StorageUnavailable } from './storage-errors';
import { SyncingNodeFS, syncEntry, syncTree } from './syncing-fs';
import type { Db, Durability, Queryable } from './types';

export { StorageUnavailable } from './storage-errors';
export type { Db, Durability, Queryable } from './types';

/** The Queryable a transaction hands its body: it knows the work afterCommit queued, run once it has committed. */
class Transaction implements Queryable {
  readonly onCommit: Array<() => void> = [];
  constructor(readonly query: Queryable['query']) {}

  /** Runs what was queued; a failing callback is not the transaction's failure. */
  committed(): void {
    for (const fn of this.onCommit) {
      try {
        fn();
      } catch {
        // an after-commit observer must not turn a committed change into an error
      }
    }
  }
}

/**
 * Runs `fn` once what `q` wrote is committed: at once for a Db (its statements autocommit), after
 * COMMIT for a transaction, never if it rolls back.
 */
export function afterCommit(q: Queryable, fn: () => void): void {
  if (q instanceof Transaction) q.onCommit.push(fn);
  else fn();
}

/**
 * `db` with each transaction's body run through `around` (the Idempotency-Key journal, which
 * records its result under the key): queries, LISTEN and storage state stay `db`'s.
 */
export function aroundTransactions(db: Db, around: <T>(tx: Queryable, fn: (tx: Queryable) => Promise<T>) => Promise<T>): Db {
  return Object.assign(Object.create(db) as Db, { transaction: <T>(fn: (tx: Queryable) => Promise<T>) => db.transaction((tx) => around(tx, fn)) });
}

/** The database could not be reached or dropped the connection: the API answers 503. */
export class DbUnavailable extends Error {
  constructor(cause: unknown) {
    super(`database unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'DbUnavailable';
  }
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004', '53300']);

function isUnavailable(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  if (err?.code && UNAVAILABLE_CODES.has(err.code)) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable|Cannot use a pool after calling end/i.test(
    err?.message ?? '',
  );
}

async function guard<T>(p: () => Promise<T>): Promise<T> {
  try {
    return await p();
  } catch (e) {
    if (isUnavailable(e)) throw new DbUnavailable(e);
    const storage = storageFailureOf(e);
    throw storage ? new StorageUnavailable(storage.reason, false, e) : e;
  }
}

export interface PgliteOptions {
  /**
   * A tarball of a fresh, initialized data folder (PGlite's dumpDataDir of an empty database) to
   * start from instead of running initdb: a new database starts in a fraction of the time and
   * without initdb's second WebAssembly instance. Ignored when the data folder already holds a
   * database, or when the file is missing.
   */
  template?: string;
  /** PostgreSQL's shared_buffers (e.g. "16MB"); default PGLITE_SHARED_BUFFERS or 8MB. */
  sharedBuffers?: string;
  /** How V8 compiles PGlite's WebAssembly (see useWasmCompiler); default PGLITE_WASM_COMPILER or baseline. */
  wasmCompiler?: WasmCompiler;
  /**
   * Sync each commit to the data folder's disk before it returns (default true; meaningless in
   * memory). False is the unsafe opt-out for throwaway data: PostgreSQL runs with fsync off.
   */
  sync?: boolean;
  /** Syncs one open file (default fsync(2)); a test passes one that fails like a broken disk. */
  fsync?: (fd: number) => void;
  /** Milliseconds between the checkpoints this process asks for (durable only; default 5 minutes, as checkpoint_timeout). */
  checkpointMs?: number;
}

/**
 * How V8 compiles PGlite's WebAssembly (PostgreSQL itself, a 9 MB module):
 * - `baseline` (default): Liftoff only. Every function is compiled once, quickly, and never again;
 *   the API starts in under a second and stays ~90 MB smaller, for ~15–25% slower SQL in a
 *   query-bound loop (measured, docs/SCALE.md). A check's cost is mostly its commit, so the
 *   check/floor ratio does not move.
 * - `optimizing`: V8's default, Liftoff then TurboFan for hot functions in the background: faster
 *   SQL once warm, at the price of the optimizing compiler's memory and CPU while it tiers up.
 * Set it before the first PGlite starts in this process: V8 reads the flag when it compiles a
 * module, and one process compiles PGlite once. `PGLITE_WASM_COMPILER` chooses; anything else
 * is refused (Error) so a typo is not silently the default.
 */
export type WasmCompiler = 'baseline' | 'optimizing';
let wasmCompilerSet: WasmCompiler | undefined;
export function useWasmCompiler(compiler: string = process.env.PGLITE_WASM_COMPILER || 'baseline'): WasmCompiler {
  if (compiler !== 'baseline' && compiler !== 'optimizing') throw new Error(`PGLITE_WASM_COMPILER must be baseline or optimizing, not "${compiler}"`);
  if (wasmCompilerSet === compiler) return compiler;
  setFlagsFromString(compiler === 'baseline' ? '--liftoff-only' : '--no-liftoff-only');
  wasmCompilerSet = compiler;
  return compiler;
}

// PGlite's own start parameters (single-user mode, no parallel workers), plus memory sized for a
// sidecar: its default shared_buffers of 128MB is as much as the demo org's whole database, and
// the pages of MEMFS already sit in this process's memory, so a small buffer pool costs a copy,
// not a disk read.
// Durable: fsync on (no -F), and wal_sync_method=fsync because Emscripten's fdatasync is a no-op
// that no file-system layer sees (syncing-fs.ts).
function startParams(sharedBuffers: string, durable: boolean): string[] {
  return [
    '--single',
    ...(durable ? ['-c', 'wal_sync_method=fsync'] : ['-F']),
    '-O',
    '-j',
    '-c',
    'search_path=public',
    '-c',
    'exit_on_error=false',
    '-c',
    'log_checkpoints=false',
    '-c',
    'max_worker_processes=0',
    '-c',
    'max_parallel_workers=0',
    '-c',
    'max_parallel_workers_per_gather=0',
    '-c',
    'io_method=sync',
    '-c',
    'max_parallel_maintenance_workers=0',
    '-c',
    `shared_buffers=${sharedBuffers}`,
    '-c',
    'max_connections=4',
    '-c',
    'wal_buffers=1MB',
    '-c',
    'maintenance_work_mem=16MB',
    '-c',
    'temp_buffers=2MB',
  ];
}

/**
 * Marks a data folder whose database is being created (a copy of the template, or PGlite's own
 * unpacking or initdb): present from before the first file is written until PostgreSQL is up.
 */
export const INITIALIZING = 'access-api.initializing';

/**
 * A data folder without PG_VERSION gets a new database, which overwrites whatever is there. That is
 * right for an empty folder (only our lock) or one whose creation was cut short (INITIALIZING still
 * there); anything else may be a database that lost its PG_VERSION, or someone else's files, and
 * starting over it would destroy them. Throws Error naming the folder; otherwise marks it.
 */
function refuseForeignFiles(dataDir: string): void {
  // An empty lost+found is what a freshly formatted volume mounted as the folder holds.
  const emptyLostFound = (name: string) => name === 'lost+found' && readdirSync(join(dataDir, name)).length === 0;
  const foreign = readdirSync(dataDir).filter((name) => name !== INITIALIZING && !name.startsWith(LOCK_FILE) && !emptyLostFound(name));
  if (foreign.length > 0 && !existsSync(join(dataDir, INITIALIZING)))
    throw new Error(
      `${dataDir} holds files (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}) but no database (no PG_VERSION): not starting a new database over them. Restore PG_VERSION if this is the API's database, or point --data at an empty folder.`,
    );
  writeFileSync(join(dataDir, INITIALIZING), `${process.pid}\n`);
}

/** The unpacked twin of a template tarball: `x/pglite-template.tar` → `x/pglite-template/`. */
export const templateFolderOf = (tarball: string): string => (tarball.endsWith('.tar') ? tarball.slice(0, -'.tar'.length) : `${tarball}.d`);

/**
 * Writes a template for new embedded databases: `tarball` (PGlite's dump of a freshly initialized
 * data folder: 40 MB, loaded into memory by an in-memory database) and, beside it, the same folder
 * unpacked (templateFolderOf), which a new `--data` folder is copied from. Each is written under
 * a temporary name and renamed into place, so a build cut short leaves no half template.
 */
export async function writePgliteTemplate(tarball: string): Promise<{ bytes: number }> {
  const fresh = new PGlite();
  await fresh.waitReady;
  const tar = Buffer.from(await (await fresh.dumpDataDir('none')).arrayBuffer());
  await fresh.close();
  mkdirSync(dirname(tarball), { recursive: true });
  writeFileSync(`${tarball}.tmp`, tar);
  renameSync(`${tarball}.tmp`, tarball);
  const folder = templateFolderOf(tarball);
  const building = `${folder}.tmp`;
  rmSync(building, { recursive: true, force: true });
  const unpack = new PGlite({ dataDir: building, loadDataDir: new Blob([tar]) });
  await unpack.waitReady;
  await unpack.close();
  rmSync(folder, { recursive: true, force: true });
  renameSync(building, folder);
  return { bytes: tar.length };
}

/**
 * The NOTIFY channel a logical channel (`ac_audit`, `ac_events`) is sent on in schema `schema`:
 * `<base>_<first 12 hex digits of md5(schema)>`, so orgs kept in their own schemas of one database
 * (AC_PG_SCHEMA) never hear each other's announcements. SQL senders name it the same way:
 * `'<base>_' || left(md5(current_schema()), 12)` (NOTIFY_CHANNEL_SQL).
 */
export const notifyChannel = (base: string, schema: string): string => `${base}_${createHash('md5').update(schema).digest('hex').slice(0, 12)}`;
/** NOTIFY_CHANNEL_SQL('ac_events'): the SQL expression for the channel notifyChannel names in the session's schema. */
export const NOTIFY_CHANNEL_SQL = (base: string): string => `'${base}_' || left(md5(current_schema()), 12)`;

export async function openPglite(dataDir?: string, opts: PgliteOptions = {}): Promise<Db> {
  // A first start on a fresh machine: the data folder (and its parents) may not exist yet.
  if (dataDir) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const sharedBuffers = opts.sharedBuffers ?? (process.env.PGLITE_SHARED_BUFFERS || '8MB');
  if (!/^\d{1,6}(kB|MB|GB)$/.test(sharedBuffers)) throw new Error(`shared_buffers must look like 16MB, not "${sharedBuffers}"`);
  useWasmCompiler(opts.wasmCompiler);
  const durable = Boolean(dataDir) && opts.sync !== false;
  const fsync = opts.fsync ?? fsyncSync;
  const fresh = !dataDir || !existsSync(join(dataDir, 'PG_VERSION'));
  if (dataDir && fresh) refuseForeignFiles(dataDir);
  const unpacked = opts.template ? templateFolderOf(opts.template) : undefined;
  let template: Blob | undefined;
  let copied = false;
  if (fresh && dataDir && unpacked && existsSync(join(unpacked, 'PG_VERSION'))) {
    // A new data folder is a copy of the unpacked template: ~0.1 s, where PGlite's own unpacking
    // of the tarball through its file system layer takes ~0.5 s. PG_VERSION is copied last (and,
    // durable, only once the rest is on the disk), so a copy cut short is copied again at the
    // next start, never taken for a database.
    cpSync(unpacked, dataDir, { recursive: true, filter: (src) => src !== join(unpacked, 'PG_VERSION') });
    if (durable) syncTree(dataDir, fsync);
    copyFileSync(join(unpacked, 'PG_VERSION'), join(dataDir, 'PG_VERSION'));
    copied = true;
  } else if (fresh && opts.template && existsSync(opts.template)) template = new Blob([readFileSync(opts.template)]);

  // Once the storage failed (a sync, a WAL write, an I/O error), the folder is frozen (syncing-fs.ts)
  // and what this PostgreSQL holds in memory is no longer what the disk holds: nothing it answers
  // may be acknowledged, not even the call during which it failed. A restart recovers from the WAL.
  let failure: string | undefined;
  const failed = (reason: string, detail: string) => {
    if (failure) return;
    failure = reason;
    console.error(`Storage failure: ${detail}. The database accepts nothing more; restart the API once the storage works (PostgreSQL recovers from its WAL).`);
  };
  const syncingFs = durable
    ? new SyncingNodeFS(dataDir!, { fsync, onStorageFailure: (f) => failed(f.message.startsWith('fsync') ? `a sync to disk failed (${f.code})` : `a write to disk failed (${f.code})`, f.message) })
    : undefined;
  const options: PGliteOptions = {
    ...(syncingFs ? { fs: syncingFs } : dataDir ? { dataDir } : {}),
    ...(template ? { loadDataDir: template } : {}),
    startParams: startParams(sharedBuffers, durable),
  };
  const lite = new PGlite(options);
  /** current_schema() of this database's one session: its announcements' channels are named from it (notifyChannel). */
  let schemaName: Promise<string> | undefined;
  await lite.waitReady;
  // PGlite keeps its options object for its whole life; the 40 MB tarball in it is needed only
  // to start.
  delete options.loadDataDir;
  // Files PGlite wrote itself (initdb's, or the unpacked tarball) went through no fsync.
  if (durable && fresh && !copied) syncTree(dataDir!, fsync);
  else if (durable && copied) syncEntry(join(dataDir!, 'PG_VERSION'), fsync);
  // On every start that reaches PostgreSQL, not only a fresh one: a first start killed after
  // PG_VERSION was copied but before PostgreSQL came up left the marker behind, and a marker left
  // behind would let a later loss of PG_VERSION be started over instead of refused.
  if (dataDir) rmSync(join(dataDir, INITIALIZING), { force: true });
  if (durable) syncEntry(dataDir!, fsync);

  /** Runs one call into PGlite unless the storage failed; a storage error becomes StorageUnavailable. */
  const run = async <T>(call: () => Promise<T>): Promise<T> => {
    if (failure) throw new StorageUnavailable(failure, true);
    let out: T;
    try {
      out = await call();
    } catch (e) {
      const storage = storageFailureOf(e);
      if (storage?.fatal) failed(storage.reason, e instanceof Error ? e.message : String(e));
      if (failure) throw new StorageUnavailable(failure, true, e);
      throw storage ? new StorageUnavailable(storage.reason, false, e) : e;
    }
    if (failure) throw new StorageUnavailable(failure, true);
    return out;
  };
  const durability: Durability = !dataDir
    ? { durable: false, note: 'in memory: nothing is kept; every grant, revoke and audit row is gone when the process stops (give --data DIR to keep them)' }
    : durable
      ? { durable: true, note: `every commit is synced to ${dataDir} (fsync) before it is acknowledged` }
      : { durable: false, note: `UNSAFE: ${dataDir} is written but never synced (--unsafe-no-sync); a crash or power cut can lose acknowledged grants, revokes and audit rows` };
  const db: Db = {
    kind: 'pglite',
    durability,
    get storageFailure() {
      return failure;
    },
    query: <T>(sql: string, params?: unknown[]) => run(async () => (await lite.query<T>(sql, params)).rows),
    transaction: async (fn) => {
      let q: Transaction | undefined;
      const out = await run(() =>
        lite.transaction((tx) => {
          q = new Transaction(async <T>(sql: string, params?: unknown[]) => (await tx.query<T>(sql, params)).rows as T[]);
          return fn(q);
        }),
      );
      q?.committed();
      return out;
    },
    listen: async (channel, on) => {
      schemaName ??= lite.query<{ s: string }>('SELECT current_schema() AS s').then((r) => r.rows[0]!.s);
      // A notification sent by a commit that may not be on the disk announces nothing.
      const off = await lite.listen(notifyChannel(channel, await schemaName), (payload) => failure || on(payload));
      return async () => off();
    },
    // Frozen, a shutdown checkpoint would be written nowhere; recovery at the next start does it.
    close: () => {
      clearInterval(checkpoints);
      return failure ? Promise.resolve() : lite.close();
    },
  };
  // PostgreSQL in single-user mode has no checkpointer and never checkpoints on its own (only at
  // shutdown): the WAL would grow for the life of the process and a crash would replay all of it.
  // A checkpoint syncs the data files (through the syncing layer) before the WAL they need goes.
  const checkpoints = durable
    ? setInterval(() => {
        run(() => lite.query('CHECKPOINT')).catch(() => {}); // a failure freezes the folder and is answered by every call
      }, opts.checkpointMs ?? 300_000)
    : undefined;
  checkpoints?.unref();
  await migrate(db);
  return db;
}

export interface PgOptions {
  /** Keep this instance's tables in their own schema (created if missing), so tests can isolate. */
  schema?: string;
  max?: number;
  /**
   * Each commit waits for its WAL to be flushed (synchronous_commit=on, set on every connection
   * whatever the server's default); false is the unsafe opt-out (synchronous_commit=off).
   */
  sync?: boolean;
}

export async function openPostgres(url: string, opts: PgOptions = {}): Promise<Db> {
  const schema = opts.schema;
  if (schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`bad schema name "${schema}"`);
  const config: pg.PoolConfig = {
    connectionString: url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: 3_000,
    query_timeout: 15_000,
    options: [`-c synchronous_commit=${opts.sync === false ? 'off' : 'on'}`, ...(schema ? [`-c search_path=${schema}`] : [])].join(' '),
  };
  const pool = new pg.Pool(config);
  // An idle client losing its server must not crash the process; the next query gets a fresh one.
  pool.on('error', () => {});
  if (schema) {
    // Under the migration lock: CREATE SCHEMA IF NOT EXISTS races the same way CREATE TABLE does.
    await guard(async () => {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        c.release();
      }
    });
  }

  const listeners = new Map<string, Set<(p: string) => void>>();
  /** The schema this pool's sessions work in (search_path): its announcements' channels are named from it (notifyChannel). */
  let schemaName: Promise<string> | undefined;
  let listenClient: pg.Client | undefined;
  let closed = false;
  let reconnecting: Promise<void> | undefined;
  const connectListener = async (): Promise<void> => {
    const c = new pg.Client(config);
    c.on('error', () => {});
    c.on('end', () => {
      if (listenClient === c) listenClient = undefined;
      if (!closed) scheduleReconnect();
    });
    await c.connect();
    c.on('notification', (n) => {
      for (const fn of listeners.get(n.channel) ?? []) fn(n.payload ?? '');
    });
    for (const ch of listeners.keys()) await c.query(`LISTEN ${ch}`);
    listenClient = c;
    // Wake every subscriber once after a reconnect: notifications sent while we were away are lost.
    for (const set of listeners.values()) for (const fn of set) fn('');
  };
  const scheduleReconnect = () => {
    if (reconnecting || closed) return;
    reconnecting = (async () => {
      while (!closed && !listenClient) {
        try {
          await connectListener();
        } catch {
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      reconnecting = undefined;
    })();
  };

  // synchronous_commit is ours to set; fsync is the server's, and with it off no commit is durable.
  const [settings] = await guard(
    async () => (await pool.query<{ fsync: string; synchronous_commit: string }>("SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit")).rows,
  );
  const durability: Durability =
    settings!.fsync !== 'on'
      ? { durable: false, note: 'UNSAFE: the PostgreSQL server runs with fsync=off; a crash or power cut can lose acknowledged grants, revokes and audit rows (set fsync=on in postgresql.conf)' }
      : settings!.synchronous_commit === 'off'
        ? { durable: false, note: 'UNSAFE: synchronous_commit=off (--unsafe-no-sync); a crash can lose the last acknowledged grants, revokes and audit rows' }
        : { durable: true, note: `every commit waits for its WAL to be flushed (synchronous_commit=${settings!.synchronous_commit}, fsync=on)` };
  const db: Db = {
    kind: 'postgres',
    durability,
    storageFailure: undefined,
    query: <T>(sql: string, params?: unknown[]) => guard(async () => (await pool.query(sql, params)).rows as T[]),
    transaction: async (fn) => {
      const client = await guard(() => pool.connect());
      let broken = false;
      // A checked-out client has no pool listener: without ours, a server restart would crash us.
      const onError = () => (broken = true);
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const q = new Transaction(async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[]);
        const out = await fn(q);
        await client.query('COMMIT');
        q.committed();
        return out;
      } catch (e) {
        broken = isUnavailable(e);
        await client.query('ROLLBACK').catch(() => (broken = true));
        if (broken) throw new DbUnavailable(e);
        const storage = storageFailureOf(e);
        throw storage ? new StorageUnavailable(storage.reason, false, e) : e;
      } finally {
        client.off('error', onError);
        client.release(broken ? true : undefined);
      }
    },
    listen: async (logical, on) => {
      if (!/^[a-z_]+$/.test(logical)) throw new Error(`bad channel ${logical}`);
      schemaName ??= guard(async () => (await pool.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s);
      const channel = notifyChannel(logical, await schemaName);
      let set = listeners.get(channel);
      const fresh = !set;
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(on);
      if (!listenClient) {
        try {
          await connectListener();
        } catch {
          scheduleReconnect();
        }
      } else if (fresh) await listenClient.query(`LISTEN ${channel}`);
      return async () => {
        set.delete(on);
      };
    },
    close: async () => {
      closed = true;
      await listenClient?.end().catch(() => {});
      await pool.end().catch(() => {});
    },
  };
  await migrate(db);
  return db;
}

/**
 * DATABASE_URL → PostgreSQL; otherwise PGlite, persisted in `dataDir` when given. `sync: false` is
 * the unsafe opt-out for throwaway data (see Db.durability); by default every commit is durable.
 */
export function openDb(opts: { databaseUrl?: string; dataDir?: string; schema?: string; pglite?: PgliteOptions; sync?: boolean }): Promise<Db> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, { schema: opts.schema, sync: opts.sync }) : openPglite(opts.dataDir, { ...opts.pglite, ...(opts.sync === false ? { sync: false } : {}) });
}
