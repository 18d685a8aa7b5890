// When the worker renews a session from the org's provider: before its last five minutes, or its
// second half for sessions shorter than ten minutes (the e2e test's), never after every request.
import { describe, expect, it } from 'vitest';
import { needsRenewal } from '../../src/background/provider-session';

const HOUR = 3_600_000;

describe('needsRenewal', () => {
  it('an hour-long session is renewed in its last five minutes', () => {
    const s = { sessionIssuedAt: 0, sessionExpiresAt: HOUR };
    expect(needsRenewal(s, HOUR - 5 * 60_000 - 1)).toBe(false);
    expect(needsRenewal(s, HOUR - 5 * 60_000 + 1)).toBe(true);
    expect(needsRenewal(s, HOUR + 1)).toBe(true);
  });
  it('a short session is renewed in its second half', () => {
    const s = { sessionIssuedAt: 0, sessionExpiresAt: 16_000 };
    expect(needsRenewal(s, 7_999)).toBe(false);
    expect(needsRenewal(s, 8_001)).toBe(true);
  });
});
