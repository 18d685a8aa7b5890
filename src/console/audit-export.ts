// The audit log's Export: every row matching the filter shown, as CSV or JSON Lines, saved as a file.
import type { AuditRowView } from '../shared-ext/views';

/** The most rows one export gathers (100 a page); past it the file says it is cut short. */
export const EXPORT_MAX_ROWS = 10_000;

const COLUMNS = ['seq', 'at', 'actor', 'actorId', 'actorKind', 'action', 'actionCode', 'outcome', 'reason', 'resource', 'ticket'] as const;

function record(r: AuditRowView): Record<(typeof COLUMNS)[number], string> {
  return {
    seq: r.id,
    at: r.at,
    actor: r.actor,
    actorId: r.actorId ?? '',
    actorKind: r.actorKind ?? '',
    action: r.action,
    actionCode: r.actionCode ?? '',
    outcome: r.outcome ?? '',
    reason: r.reason ?? '',
    resource: r.resource,
    ticket: r.ticket ?? '',
  };
}

/**
 * RFC 4180 CSV with a header row. A cell a spreadsheet would run as a formula (starting with =, +, -,
 * @, tab or CR) is prefixed with an apostrophe: names and reasons come from people and pages.
 */
export function auditCsv(rows: AuditRowView[]): string {
  const cell = (v: string) => {
    const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return [COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((c) => cell(record(r)[c])).join(','))].join('\r\n') + '\r\n';
}

/** One JSON object per line (JSON Lines), the same fields as the CSV. */
export function auditJsonLines(rows: AuditRowView[]): string {
  return rows.map((r) => JSON.stringify(record(r))).join('\n') + (rows.length ? '\n' : '');
}

/** Saves `text` as a file named `name` through a temporary link (the frame's own document). */
export function saveFile(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
