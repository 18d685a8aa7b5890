// The audit trail's verdict in words (issue 23): what Verify says for an intact log with a signed
// head (every append signs its head, so that is its newest entry), an empty one, and a broken one.
import { describe, expect, it } from 'vitest';
import { auditVerdictWords } from '../../src/console/audit-verdict';
import { when } from '../../src/shared-ext/format';

const AT = '2026-12-07T09:55:00.000Z';
const CHECKED = '2026-12-07T10:00:00.000Z';

describe('auditVerdictWords', () => {
  it('intact with a signed head: entries, head, key and time', () => {
    const w = auditVerdictWords({ ok: true, entries: 1204, checkpoints: 3, signedHead: { seq: 1204, at: AT, keyId: '3f9a0c1d2e4b5a69' }, checkedAt: CHECKED });
    expect(w.headline).toBe(`Intact: 1,204 entries, signed head #1,204 by key 3f9a0c1d2e4b5a69 at ${when(AT)}`);
    expect(w.details).toEqual(['Checked against 3 signed checkpoints.']);
  });

  it('one checkpoint, said in the singular', () => {
    const w = auditVerdictWords({ ok: true, entries: 1, checkpoints: 1, signedHead: { seq: 1, at: AT, keyId: 'k' }, checkedAt: CHECKED });
    expect(w.headline).toBe(`Intact: 1 entry, signed head #1 by key k at ${when(AT)}`);
    expect(w.details).toEqual(['Checked against 1 signed checkpoint.']);
  });

  it('intact with no signed head (an empty log): says what only a signed head would show', () => {
    const w = auditVerdictWords({ ok: true, entries: 0, checkpoints: 0, checkedAt: CHECKED });
    expect(w.headline).toBe('Intact: 0 entries, hash chain unbroken');
    expect(w.details[0]).toMatch(/^No signed checkpoint yet: .*cut from the end/);
  });

  it('broken: the first entry that disagrees and why, then what to do', () => {
    const reason = "row 57's hash does not match its contents: the row was edited";
    const w = auditVerdictWords({ ok: false, entries: 56, firstBrokenEntry: 57, reason, checkpoints: 2, signedHead: { seq: 40 }, checkedAt: CHECKED });
    expect(w.headline).toBe(`Broken at entry 57: ${reason}`);
    expect(w.details[0]).toBe('The log agrees with its signed head up to entry 40.');
    expect(w.details[1]).toMatch(/security team/);
    expect(auditVerdictWords({ ok: false, entries: 0, checkpoints: 0, checkedAt: CHECKED }).headline).toBe('Broken: the log does not match its hash chain');
  });
});
