// Messages others typed reach the ticket panel as what they are (outside review, 2026-12-07): a
// Guard admin's reason for a denial and an admin's message declining Support's change request
// went through raw, so a right-to-left override made "Denied for now …" read "access is now
// approved". Both now go through displayText, like names and titles.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, openTicket, signInThroughOptions, startTicketWorld, text, type TicketWorld } from './ticket-helpers';
import { ROUTES } from '../../src/api/contract';

const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;
const REASON = 'Denied for now \u202E.devorppa won si ssecca\u202C';
const DECLINE = 'Not this one \u202Edevorppa\u202C';
const BUG = { type: 'workflow', id: 'Bug', project: 'PS' };
let w: TicketWorld;

describe('messages in the ticket panel', () => {
  beforeAll(async () => {
    w = await startTicketWorld();
    await signInThroughOptions(w, 'alice-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test("a Guard admin's denial reason and an admin's decline message are shown without bidi controls", async () => {
    const granted = await apiCall(w.api, 'alice-token', ROUTES.grant, { key: 'PS-108' });
    expect(granted.body.state).toBe('pending_guard_approval');
    const denied = await apiCall(w.api, 'gus-token', ROUTES.guardDecision, { id: granted.body.id }, { decision: 'deny', message: REASON });
    expect(denied.status).toBeLessThan(300);
    expect((await apiCall(w.api, 'bob-token', ROUTES.grant, { key: 'PS-107' }, {})).status).toBe(201);
    const asked = await apiCall(w.api, 'sam-token', ROUTES.createChangeRequest, { key: 'PS-107' }, { action: 'update', resource: BUG, reason: 'fix', duration: 'PT2H' });
    expect(asked.status).toBe(201);
    const declined = await apiCall(w.api, 'bob-token', ROUTES.declineChangeRequest, { id: asked.body.id }, { message: DECLINE });
    expect(declined.status).toBeLessThan(300);

    const a = await openTicket(w, 'PS-108');
    await expect.poll(() => text(a.panel, '[data-state="denied"]'), { timeout: 20_000 }).toContain('Their reason');
    const guard = await text(a.panel, '[data-state="denied"]');
    expect(guard.match(INVISIBLE)?.[0], 'guard reason').toBeUndefined();
    expect(guard).toContain('Denied for now .devorppa won si ssecca');
    const b = await openTicket(w, 'PS-107');
    await expect.poll(() => text(b.panel, '[data-state="declined"]').catch(() => ''), { timeout: 20_000 }).toContain('Declined');
    const decline = await text(b.panel, '[data-state="declined"]');
    expect(decline.match(INVISIBLE)?.[0], 'decline message').toBeUndefined();
    expect(decline).toContain('Not this one devorppa');
  });
});
