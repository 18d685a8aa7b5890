// What a done action did, in words every surface shares (popup, console frames): a headline, and
// for a bulk action one line per ticket or request, naming it and, when refused, saying why (the
// API's causes or the problem's detail). No Preact here.
import { stateLabel } from '../api/vocabulary';
import type { ActionResult } from './messages';
import type { BulkGrantRow } from './views';

export type DoneResult = Extract<ActionResult, { outcome: 'done' }>;

/** One bulk row: `ok` says whether it was done; `text` names it and says what happened. */
export interface ResultLine {
  key: string;
  ok: boolean;
  text: string;
}

/** Why the API refused one bulk-grant row: its eligibility causes, else the problem's detail. */
export function refusalReason(row: Pick<BulkGrantRow, 'causes' | 'reason'>): string {
  return row.causes.map((c) => c.message).join('; ') || row.reason || 'the Access API refused it without saying why';
}

/** "Granted (Active)" / "Refused: …" for one bulk-grant row, as the console's table says it. */
export function bulkGrantRowText(row: BulkGrantRow): string {
  return row.ok ? `Granted (${stateLabel(row.state ?? 'active')})` : `Refused: ${refusalReason(row)}`;
}

/**
 * The headline ("Done: waiting on a Guard admin.", "Done: 1 granted, 1 refused.") and the lines of
 * a bulk result ("PS-102: Refused: You administer Jira, not Confluence.").
 */
export function describeResult(result: DoneResult): { headline: string; lines: ResultLine[] } {
  // A state in the sentence's own case: "Done: active.", "Done: 1 granted, 1 refused."
  const state = result.state === 'pending_guard_approval' ? 'waiting on a Guard admin' : stateLabel(result.state).toLowerCase();
  const lines: ResultLine[] = [
    ...(result.rows ?? []).map((r) => ({ key: r.ticket, ok: r.ok, text: `${r.ticket}: ${bulkGrantRowText(r)}` })),
    ...(result.requestRows ?? []).filter((r) => !r.ok).map((r, i) => ({ key: r.id, ok: false, text: `Request ${i + 1} refused: ${r.reason ?? 'the Access API refused it without saying why'}` })),
  ];
  return { headline: `Done: ${state}.`, lines };
}
