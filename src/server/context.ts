// What every route handler works with: the indexed world, the database and the live tails.
import type { WorldIndex } from '../core/index';
import type { AuditRecord } from './audit';
import type { TokenBook } from './auth';
import type { Db } from './db/index';
import type { ChangeEvent, Tail } from './events';

export interface ServerContext {
  ix: WorldIndex;
  db: Db;
  tokens: TokenBook;
  /** In-effect guard_admin holders (static: roles come from the world file). */
  guardAdmins: string[];
  events: Tail<ChangeEvent>;
  auditTail: Tail<AuditRecord & { id: number }>;
  now: () => string;
}
