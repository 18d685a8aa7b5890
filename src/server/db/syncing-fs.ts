// PGlite's data folder through a file-system layer whose fsync reaches the disk. PGlite keeps its
// files through Emscripten's NODEFS, which has no fsync of its own: PostgreSQL's fsync() of the WAL
// at each commit and of the data files at each checkpoint returned success having done nothing.
// Here NODEFS's streams get an fsync that calls fsync(2) on the real file, so PostgreSQL's own
// durability does the rest: the commit record is synced before COMMIT returns (and so before any
// answer built on it leaves), and data files are synced at a checkpoint before the WAL they need is
// recycled. PostgreSQL must use wal_sync_method=fsync: Emscripten's fdatasync never reaches a
// file-system layer, so fdatasync (the Linux default) would still do nothing.
import { fsyncSync, openSync, closeSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

/** The storage failed under PostgreSQL: a sync (or a write) returned an error. */
export interface SyncFailure {
  /** The Node error code (EIO, ENOSPC, EROFS, …). */
  code: string;
  /** What failed, for people: "fsync of pg_wal/000000010000000000000001: EIO: i/o error". */
  message: string;
}

export interface SyncingFsOptions {
  /** Syncs one open file (fsync(2)); replaceable so a test can make the disk fail. */
  fsync?: (fd: number) => void;
  /** Told of every failed sync, before PostgreSQL sees the error. */
  onSyncFailure?: (f: SyncFailure) => void;
}

interface NodefsStream {
  nfd: number;
  node: { name: string };
}
interface NodefsModule {
  NODEFS: { stream_ops: Record<string, unknown>; tryFSOperation<T>(f: () => T): T };
}

/** NodeFS whose fsync calls fsync(2) on the file under the data folder. */
export class SyncingNodeFS extends NodeFS {
  /** fsync(2) calls made for PostgreSQL, and the failed ones. */
  readonly syncs = { done: 0, failed: 0 };

  constructor(
    dataDir: string,
    private readonly opts: SyncingFsOptions = {},
  ) {
    super(dataDir);
  }

  override async init(pg: PGlite, emscriptenOpts: Parameters<NodeFS['init']>[1]) {
    const out = await super.init(pg, emscriptenOpts);
    const sync = this.opts.fsync ?? fsyncSync;
    const preRun = [
      ...(out.emscriptenOpts.preRun ?? []),
      (mod: unknown) => {
        const { NODEFS } = mod as NodefsModule;
        // _fd_sync (libc fsync) calls stream_ops.fsync when a layer has one; an ErrnoError thrown
        // here reaches PostgreSQL as fsync()'s errno, which it treats as the data possibly lost.
        NODEFS.stream_ops.fsync = (stream: NodefsStream) =>
          NODEFS.tryFSOperation(() => {
            try {
              sync(stream.nfd);
              this.syncs.done++;
              return 0;
            } catch (e) {
              this.syncs.failed++;
              const err = e as NodeJS.ErrnoException;
              this.opts.onSyncFailure?.({ code: err.code ?? 'EIO', message: `fsync of ${stream.node.name}: ${err.message}` });
              throw e;
            }
          });
      },
    ];
    return { emscriptenOpts: { ...out.emscriptenOpts, preRun } };
  }
}

/**
 * fsync(2)s every file and folder under `dir`, folders after what they hold: files written outside
 * PostgreSQL (a data folder copied from the template, or unpacked by PGlite) are on the disk
 * before the database is used. Throws the first Node error (EIO, …).
 */
export function syncTree(dir: string, sync: (fd: number) => void = fsyncSync): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) syncTree(p, sync);
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
