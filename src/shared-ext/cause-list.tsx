// Why an admin may not grant, with the fix for each cause, as the API worded them. Shared by the
// ticket panel and the consent note beside the raise-a-request form.

/** One cause: its stable code, what is wrong and how to fix it. */
export interface CauseItem {
  code: string;
  message: string;
  fix: string;
}

/** The list of causes (`ul.causes`, each `li[data-cause]` with its message and "Fix:"). */
export function CauseList({ causes }: { causes: CauseItem[] }) {
  return (
    <ul class="causes" aria-label="Why not">
      {causes.map((c) => (
        <li key={c.code} data-cause={c.code}>
          <span class="cause">{c.message}</span>
          <span class="fix">
            <b>Fix: </b>
            {c.fix}
          </span>
        </li>
      ))}
    </ul>
  );
}
