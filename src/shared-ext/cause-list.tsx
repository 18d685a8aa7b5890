// Why an admin may not grant, with the fix for each cause, as the API worded them. Shared by the
// ticket panel and the consent note beside the raise-a-request form.
import { since, when } from './format';

/** One cause: its stable code, what is wrong and how to fix it. */
export interface CauseItem {
  code: string;
  message: string;
  fix: string;
  /** On `scim_not_synced`: when SCIM last synced the person (ISO 8601), null when never; absent from older APIs. */
  lastSyncedAt?: string | null;
}

/** "Last synced by your identity provider (SCIM): Dec 7, 2026, 10:50 AM (5 min ago)." or that it never was. */
export function lastSyncedText(iso: string | null): string {
  return iso ? `Last synced by your identity provider (SCIM): ${when(iso)} (${since(iso)}).` : 'Your identity provider (SCIM) has not synced you yet.';
}

/** The list of causes (`ul.causes`, each `li[data-cause]` with its message and "Fix:"). */
export function CauseList({ causes }: { causes: CauseItem[] }) {
  return (
    <ul class="causes" aria-label="Why not">
      {causes.map((c) => (
        <li key={c.code} data-cause={c.code}>
          <span class="cause">{c.message}</span>
          {c.lastSyncedAt !== undefined && <span class="synced">{lastSyncedText(c.lastSyncedAt)}</span>}
          <span class="fix">
            <b>Fix: </b>
            {c.fix}
          </span>
        </li>
      ))}
    </ul>
  );
}
