// The audit trail's verification verdict in words an admin can act on: "Intact: 1,204 entries, signed
// head #1,204 by key 3f9a… at Dec 7, 2026, 9:55 AM" or "Broken at entry 57: row 57's hash …".
// Every append signs its new head (issue 20) and the API calls rows past the newest signed head
// broken, so an intact verdict is signed up to its newest entry: there is no "newer entries not
// signed yet" to say. Intact without a signed head is an empty log.
import { when } from '../shared-ext/format';
import type { AuditVerdictView } from '../shared-ext/views';

const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/** The verdict as a headline and the sentences under it (no trailing full stop on the headline). */
export function auditVerdictWords(v: AuditVerdictView): { headline: string; details: string[] } {
  const details: string[] = [];
  if (!v.ok) {
    const at = v.firstBrokenEntry !== undefined ? `Broken at entry ${count(v.firstBrokenEntry)}` : 'Broken';
    if (v.signedHead) details.push(`The log agrees with its signed head up to entry ${count(v.signedHead.seq)}.`);
    details.push('Someone with write access to the database changed, removed or inserted entries. Keep the exported log and the signed checkpoints as evidence, and tell your security team.');
    return { headline: `${at}: ${v.reason ?? 'the log does not match its hash chain'}`, details };
  }
  const entries = plural(v.entries, 'entry', 'entries');
  if (v.signedHead) {
    const key = v.signedHead.keyId ? ` by key ${v.signedHead.keyId}` : '';
    const at = v.signedHead.at ? ` at ${when(v.signedHead.at)}` : '';
    details.push(`Checked against ${plural(v.checkpoints, 'signed checkpoint')}.`);
    return { headline: `Intact: ${entries}, signed head #${count(v.signedHead.seq)}${key}${at}`, details };
  }
  details.push('No signed checkpoint yet: the hash chain is unbroken, but only a signed head shows that no entries were cut from the end or the chain recomputed after an edit.');
  return { headline: `Intact: ${entries}, hash chain unbroken`, details };
}
