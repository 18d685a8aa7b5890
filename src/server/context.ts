// What every route handler works with: the indexed world, the database and the live tails.
import type { WorldIndex } from '../core/index';
import type { AuditRecord } from './audit';
import type { Checkpointer } from './audit-checkpointer';
import type { Checkpoint } from './audit-checkpoints';
import type { TokenBook } from './auth';
import type { Db } from './db/index';
import type { ChangeEvent, Tail } from './events';
import type { StreamBudget } from './streams';

export interface ServerContext {
  ix: WorldIndex;
  db: Db;
  tokens: TokenBook;
  /** In-effect guard_admin holders (static: roles come from the world file). */
  guardAdmins: string[];
  events: Tail<ChangeEvent>;
  auditTail: Tail<AuditRecord & { id: number }>;
  /** New signed checkpoints of the audit chain (from any process), for the audit stream. */
  checkpointTail: Tail<Checkpoint & { id: number }>;
  /** Signs the chain head on a schedule; undefined when no signing key was given. */
  checkpointer?: Checkpointer;
  /** Open event streams per token, per person and in all (streams.ts). */
  streams: StreamBudget;
  now: () => string;
}
