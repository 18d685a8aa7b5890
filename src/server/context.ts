// What every route handler works with: the indexed world, the database and the live tails.
import type { WorldIndex } from '../core/index';
import type { AuditRecord, AuditTrail } from './audit/trail';
import type { Checkpoint } from './audit/checkpoints';
import type { TokenBook } from './http/auth';
import type { Db } from './db/index';
import type { AccessCheckBatcher } from './grants/access-check';
import type { ChangeEvent, Tail } from './inbox/events';
import type { StreamBudget } from './inbox/streams';
import type { DirectoryCache } from './directory/cache';
import type { DirectoryStore } from './directory/store';

export interface ServerContext {
  /** The directory as of `directory.current`, swapped whole when the directory changes (directory/cache.ts). */
  ix: WorldIndex;
  /** Keeps `ix` and `guardAdmins` current: `ensureFresh()` before deciding. */
  directory: DirectoryCache;
  /** The directory's people and groups (the SCIM layer and admin routes write through it). */
  directoryStore: DirectoryStore;
  db: Db;
  /** This process's writer of the audit trail: every row is appended through it (audit/trail.ts). */
  trail: AuditTrail;
  tokens: TokenBook;
  /** In-effect guard_admin holders (swapped with `ix`). */
  guardAdmins: string[];
  events: Tail<ChangeEvent>;
  auditTail: Tail<AuditRecord & { id: number }>;
  /** New signed heads of the audit chain (from any process), for the audit stream. */
  checkpointTail: Tail<Checkpoint & { id: number }>;
  /** Open event streams per token, per person and in all (streams.ts). */
  streams: StreamBudget;
  /** The enforcement point's batcher: checks committed together, one per process (grants/access-check.ts). */
  accessChecks: AccessCheckBatcher;
  /** Who may decide Guard holds, by name: built on first use (the world's roles are fixed for the process's life). */
  guardDeciders: () => { userId: string; name: string }[];
  /** What the route pipeline holds every request to (http/route.ts). */
  http: { bodyLimitBytes: number; idempotency: IdempotencyBounds };

  now: () => string;
}

/**
 * What one token may hold in the Idempotency-Key journal (issue 19: every per-caller resource has a
 * bound). `keysPerToken`: keys kept per token; past it the oldest answered ones are forgotten
 * (retries come within minutes, long before a thousand newer keys). `pendingPerToken`: keyed
 * requests of one token running at once; past it, 429.
 */
export interface IdempotencyBounds {
  keysPerToken: number;
  pendingPerToken: number;
}
