// The popup says which ticket of a bulk grant was refused and why, and writes a consent's window in
// words ("for 2 hours"), never as the API's ISO 8601 ("for PT2H").
import { describe, expect, it } from 'vitest';
import { consentWindow } from '../../src/background/action-labels';
import { describeResult } from '../../src/shared-ext/action-result';

describe('what a done action did, in words', () => {
  it('a bulk grant names each ticket, and each refusal its reason', () => {
    const out = describeResult({
      outcome: 'done',
      state: '1 granted, 1 refused',
      rows: [
        { ticket: 'PS-107', ok: true, state: 'active', causes: [] },
        { ticket: 'PS-101', ok: false, causes: [{ code: 'wrong_product', message: 'You administer Jira, not Confluence.', fix: 'Ask Priya.' }] },
        { ticket: 'PS-104', ok: false, causes: [], reason: 'Ticket PS-104 already has an active grant (g_1).' },
      ],
    });
    expect(out.headline).toBe('Done: 1 granted, 1 refused.');
    expect(out.lines.map((l) => [l.ok, l.text])).toEqual([
      [true, 'PS-107: Granted (Active)'],
      [false, 'PS-101: Refused: You administer Jira, not Confluence.'],
      [false, 'PS-104: Refused: Ticket PS-104 already has an active grant (g_1).'],
    ]);
  });

  it('a single action says its state in words', () => {
    expect(describeResult({ outcome: 'done', state: 'pending_guard_approval' }).headline).toBe('Done: waiting on a Guard admin.');
    expect(describeResult({ outcome: 'done', state: 'active' }).lines).toEqual([]);
  });

  it('a consent window is in words', () => {
    expect(consentWindow({ once: false, duration: 'PT2H' })).toBe(', for 2 hours');
    expect(consentWindow({ once: true, duration: 'P1DT30M' })).toBe(', once within 1 day 30 minutes');
    expect(consentWindow({ once: false, until: '2026-12-07T17:00:00.000Z' })).not.toMatch(/T17:00/);
  });
});
