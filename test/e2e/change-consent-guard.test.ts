// A change on a Guard-restricted site, in real Chromium: the admin's consent holds it for Guard;
// a Guard admin (not the approver) decides it in the ticket panel with the same guarded click as
// any grant; only then is Support's change allowed, once.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { clickArmed } from './harness';
import { apiCall, openTicket, shoot, signInThroughOptions, startTicketWorld, text, type TicketWorld } from './ticket-helpers';
import { ROUTES } from '../../src/api/contract';

let w: TicketWorld;
const PROJECT = { type: 'project', id: 'EU' };

describe('change consent held for Guard', () => {
  beforeAll(async () => {
    w = await startTicketWorld();
    await signInThroughOptions(w, 'gus-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('Ivan consents, Gus approves as Guard admin in the panel, Support runs the test once', async () => {
    const g = await apiCall(w.api, 'ivan-token', ROUTES.grant, { key: 'PS-102' }, {});
    expect(g.body.state).toBe('pending_guard_approval');
    expect((await apiCall(w.api, 'gus-token', ROUTES.guardDecision, { id: g.body.id }, { decision: 'approve' })).status).toBe(200);
    const asked = await apiCall(
      w.api,
      'sam-token',
      ROUTES.createChangeRequest,
      { key: 'PS-102' },
      {
        action: 'run_test',
        resource: PROJECT,
        reason: 'Reproduce the stale filter with a test board.',
        duration: 'PT1H',
      },
    );
    expect(asked.status).toBe(201);
    expect((await apiCall(w.api, 'ivan-token', ROUTES.approveChangeRequest, { id: asked.body.id }, {})).body.state).toBe('pending_guard_approval');
    const run = () => apiCall(w.api, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-102', resource: PROJECT, action: 'run_test' });
    expect((await run()).body.allowed).toBe(false);

    const { page, panel } = await openTicket(w, 'PS-102');
    const card = panel.locator(`[data-change-request="${asked.body.id}"]`);
    await expect.poll(() => card.getAttribute('data-state').catch(() => null), { timeout: 20_000 }).toBe('pending_guard_approval');
    expect(await text(panel, `[data-change-request="${asked.body.id}"] .state`)).toMatch(/^Waiting on Guard: approved by Ivan Petrov/);
    await card.scrollIntoViewIfNeeded();
    await shoot(page, 'change-request-guard');
    await panel.evaluate(readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));
    const axe = await panel.evaluate(async () => {
      const r = await (window as unknown as { axe: { run: (ctx: unknown) => Promise<{ violations: { id: string }[] }> } }).axe.run({ include: [['.changes']] });
      return r.violations.map((v) => v.id);
    });
    expect(axe).toEqual([]);
    await clickArmed(panel, panel.getByRole('button', { name: 'Approve as Guard admin: run test project EU' }));
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 15_000 }).toBe('approved');
    expect((await run()).body.allowed).toBe(true);
    expect((await run()).body.allowed).toBe(false);
    await page.close();
  });
});
