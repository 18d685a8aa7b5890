// PGlite's data folder through a file-system layer whose fsync reaches the disk. PGlite keeps its
// files through Emscripten's NODEFS, which has no fsync of its own: PostgreSQL's fsync() of the WAL
// at each commit and of the data files at each checkpoint returned success having done nothing.
// Here NODEFS's streams get an fsync that calls fsync(2) on the real file, so PostgreSQL's own
// durability does the rest: the commit record is synced before COMMIT returns (and so before any
// answer built on it leaves), and data files are synced at a checkpoint before the WAL they need is
// recycled. PostgreSQL must use wal_sync_method=fsync: Emscripten's fdatasync never reaches a
// file-system layer, so fdatasync (the Linux default) would still do nothing.
//
// A failed sync cannot be retried safely (the kernel may already have dropped the unsynced pages),
// and PostgreSQL's answer to one, PANIC, never returns inside PGlite: it retries its main loop
// forever, holding the event loop. So the first failed sync (or failed write of the WAL, or I/O
// error) *freezes* the folder instead: from that moment nothing more reaches the disk (writes,
// syncs, truncations, renames and removals are skipped), which on the disk is exactly a crash at
// that instant, and PostgreSQL's crash recovery at the next start is what brings it back. The
// caller is told at once (onStorageFailure) and must never acknowledge anything from this database
// again: what the running PostgreSQL holds in memory is no longer what the disk holds.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

/** The storage failed under PostgreSQL; the folder is frozen from then on. */
export interface StorageFailure {
  /** The Node error code (EIO, ENOSPC, EROFS, …). */
  code: string;
  /** What failed, for the log: "fsync of pg_wal/000000010000000000000001: EIO: i/o error". */
  message: string;
}

export interface SyncingFsOptions {
  /** Syncs one open file (fsync(2)); replaceable so a test can make the disk fail. */
  fsync?: (fd: number) => void;
  /** Told of the first failure, when the folder freezes (synchronously, inside PostgreSQL's call). */
  onStorageFailure?: (f: StorageFailure) => void;
}

interface EmNode {
  name: string;
  mode: number;
}
interface EmStream {
  nfd: number;
  node: EmNode;
  shared: { refcount: number };
}
type Op = (...args: never[]) => unknown;
interface NodefsModule {
  NODEFS: {
    stream_ops: Record<string, Op>;
    node_ops: Record<string, Op>;
    tryFSOperation<T>(f: () => T): T;
    realPath(node: EmNode): string;
    createNode(parent: EmNode, name: string, mode: number, dev: number): EmNode;
  };
}

/** NodeFS whose fsync calls fsync(2) on the file under the data folder, and which freezes on failure. */
export class SyncingNodeFS extends NodeFS {
  /** fsync(2) calls made for PostgreSQL. */
  readonly syncs = { done: 0 };
  /** The first failure; from then on nothing more reaches the disk. */
  failure: StorageFailure | undefined;

  constructor(
    dataDir: string,
    private readonly opts: SyncingFsOptions = {},
  ) {
    super(dataDir);
  }

  override async init(pg: PGlite, emscriptenOpts: Parameters<NodeFS['init']>[1]) {
    const out = await super.init(pg, emscriptenOpts);
    const preRun = [...(out.emscriptenOpts.preRun ?? []), (mod: unknown) => this.patch(mod as NodefsModule)];
    return { emscriptenOpts: { ...out.emscriptenOpts, preRun } };
  }

  private freeze(what: string, e: unknown): void {
    if (this.failure) return;
    const err = e as NodeJS.ErrnoException;
    this.failure = { code: err.code ?? 'EIO', message: `${what}: ${err.message}` };
    this.opts.onStorageFailure?.(this.failure);
  }

  private patch({ NODEFS }: NodefsModule): void {
    const sync = this.opts.fsync ?? fsyncSync;
    const s = NODEFS.stream_ops;
    const n = NODEFS.node_ops;
    const nameOf = (node: EmNode) => NODEFS.realPath(node).slice(this.rootDir.length + 1);
    // libc fsync → _fd_sync → stream_ops.fsync, when a layer has one.
    s.fsync = ((stream: EmStream) => {
      if (this.failure) return 0;
      try {
        sync(stream.nfd);
        this.syncs.done++;
      } catch (e) {
        this.freeze(`fsync of ${nameOf(stream.node)}`, e);
      }
      return 0;
    }) as Op;
    // A write to the WAL that fails (ENOSPC while a segment is filled, EIO) is a PANIC in
    // PostgreSQL, so it freezes too; a data file that cannot grow (ENOSPC) is an ordinary error
    // PostgreSQL rolls back.
    s.write = ((stream: EmStream, buffer: Int8Array, offset: number, length: number, position: number) =>
      NODEFS.tryFSOperation(() => {
        if (this.failure) return length;
        try {
          return writeSync(stream.nfd, buffer, offset, length, position);
        } catch (e) {
          const name = nameOf(stream.node);
          if (!name.startsWith('pg_wal/') && (e as NodeJS.ErrnoException).code !== 'EIO') throw e;
          this.freeze(`write to ${name}`, e);
          return length;
        }
      })) as Op;
    // Frozen: files open read-only (a file PostgreSQL creates from now on is not on the disk).
    const open = s.open!;
    s.open = ((stream: EmStream) => {
      if (!this.failure) return open(stream as never);
      const path = NODEFS.realPath(stream.node);
      stream.shared.refcount = 1;
      stream.nfd = NODEFS.tryFSOperation(() => openSync(existsSync(path) ? path : '/dev/null', 'r'));
    }) as Op;
    const skipWhenFrozen = (ops: Record<string, Op>, name: string, frozen: Op) => {
      const real = ops[name]!;
      ops[name] = ((...args: never[]) => (this.failure ? frozen(...args) : real(...args))) as Op;
    };
    skipWhenFrozen(s, 'setattr', () => {});
    skipWhenFrozen(n, 'setattr', () => {});
    skipWhenFrozen(n, 'mknod', ((parent: EmNode, name: string, mode: number, dev: number) => NODEFS.createNode(parent, name, mode, dev)) as Op);
    skipWhenFrozen(n, 'rename', ((node: EmNode, _dir: EmNode, name: string) => {
      node.name = name;
    }) as Op);
    skipWhenFrozen(n, 'unlink', () => {});
    skipWhenFrozen(n, 'rmdir', () => {});
    skipWhenFrozen(n, 'symlink', () => {});
  }
}

/**
 * Puts every file and folder under `dir` on the disk: files written outside PostgreSQL (a data
 * folder copied from the template, or unpacked by PGlite) before the database is used. With the
 * default sync, one syncfs(2) of the file system holding `dir` (`sync --file-system`, coreutils:
 * ~0.2 s where a thousand fsyncs take ~3 s); otherwise, or without that command, fsync(2) of each
 * file and folder, folders after what they hold. Throws the first error (EIO, …).
 */
export function syncTree(dir: string, sync: (fd: number) => void = fsyncSync): void {
  if (sync === fsyncSync) {
    const r = spawnSync('sync', ['--file-system', dir], { encoding: 'utf8' });
    if (r.status === 0) return;
    if (!r.error) throw new Error(`sync --file-system ${dir} failed: ${r.stderr.trim()}`);
  }
  syncEach(dir, sync);
}

function syncEach(dir: string, sync: (fd: number) => void): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) syncEach(p, sync);
    else if (e.isFile()) syncPath(p, sync);
  }
  syncPath(dir, sync);
}

/** fsync(2)s `path` and the folder holding it (so a new or removed name there is on the disk too). */
export function syncEntry(path: string, sync: (fd: number) => void = fsyncSync): void {
  syncPath(path, sync);
  syncPath(dirname(path), sync);
}

function syncPath(path: string, sync: (fd: number) => void): void {
  const fd = openSync(path, 'r');
  try {
    sync(fd);
  } finally {
    closeSync(fd);
  }
}
