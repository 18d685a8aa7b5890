// Issue 20's size target: the audit trail's code at most half its lines when the issue was filed.
// Then (commit 25e9749, the last before the rebuild's gate) it was nine files of the flat server
// folder; now it is src/server/audit. Both are counted as `wc -l` counts: newline characters.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { audit } from './lib/expected';
import type { Row } from './lib/stats';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..');
const FILED_AT = '25e9749169336f1d781196eb2de1a78370e50a23';
const FILED_FILES = 'audit audit-checkpointer audit-checkpoints audit-verify audit-verify-cli audit-views audit-witness routes/audit routes/audit-trail'.split(' ').map((f) => `${f}.ts`);
/** The same count, recorded when this row was written, for a copy of the repository without its history. */
const FILED_LINES = 1383;

const lines = (text: string) => text.split('\n').length - 1;

/** The row: lines in src/server/audit/*.ts now, against half the nine files' lines at FILED_AT. */
export function benchAuditCode(): Row[] {
  const dir = join(ROOT, 'src/server/audit');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  const now = files.reduce((n, f) => n + lines(readFileSync(join(dir, f), 'utf8')), 0);
  let then = FILED_LINES;
  let from = `recorded figure (no git history here) of the nine files at ${FILED_AT.slice(0, 7)}`;
  try {
    then = FILED_FILES.reduce((n, f) => n + lines(execFileSync('git', ['show', `${FILED_AT}:src/server/${f}`], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })), 0);
    from = `the nine files at ${FILED_AT.slice(0, 7)} (${FILED_FILES.join(', ')}), read from git`;
  } catch {}
  const x = audit(false).code;
  return [
    {
      name: x.name,
      value: now,
      unit: x.unit,
      ratio: now / then,
      target: `≤ ${Math.floor(then / 2)} lines (half of ${then})`,
      met: now <= then / 2,
      note: `${files.length} files now; ${then} lines then: ${from}`,
    },
  ];
}
