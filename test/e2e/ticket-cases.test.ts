// Every demo case from demo/CASES.md, as the admin who sees it: the panel's decision and causes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openTicket, shoot, signInThroughOptions, startTicketWorld, text, type TicketWorld } from './ticket-helpers';

// noStake: the admin has no stake in the ticket, so the API answers eligibility only (not its grants or activity).
const CASES: { name: string; token: string; ticket: string; allowed?: string; causes?: string[]; noStake?: true }[] = [
  { name: 'allowed', token: 'priya-token', ticket: 'PS-101', allowed: 'Product admin' },
  { name: 'wrong-product', token: 'bob-token', ticket: 'PS-101', causes: ['wrong_product'] },
  { name: 'wrong-site', token: 'erin-token', ticket: 'PS-101', causes: ['wrong_site'], noStake: true },
  { name: 'contact-not-listed', token: 'cara-token', ticket: 'PS-101', causes: ['contact_not_listed'], noStake: true },
  { name: 'site-deactivated', token: 'lena-token', ticket: 'PS-103', causes: ['site_deactivated'] },
  { name: 'scim-not-synced', token: 'hana-token', ticket: 'PS-101', causes: ['scim_not_synced'], noStake: true },
  { name: 'guard-restricted', token: 'ivan-token', ticket: 'PS-102', allowed: 'Product admin' },
  { name: 'no-admin-role', token: 'gus-token', ticket: 'PS-101', causes: ['no_admin_role'], noStake: true },
  { name: 'ticket-closed', token: 'alice-token', ticket: 'PS-104', causes: ['ticket_closed'] },
];

let w: TicketWorld;

describe('ticket panel: the demo cases', () => {
  beforeAll(async () => {
    w = await startTicketWorld();
  });
  afterAll(async () => {
    await w?.close();
  });

  for (const c of CASES) {
    test(`${c.name}: ${c.token} on ${c.ticket}`, async () => {
      await signInThroughOptions(w, c.token);
      const { page, panel } = await openTicket(w, c.ticket);
      if (c.allowed) {
        expect(await text(panel, '.decision')).toBe(`You can grant Support access as ${c.allowed}`);
      } else {
        expect(await text(panel, '.decision')).toMatch(/^You can't grant Support access/);
        expect(await panel.locator('[data-cause]').evaluateAll((els) => els.map((e) => e.getAttribute('data-cause')))).toEqual(c.causes);
        for (const fix of await panel.locator('[data-cause] .fix').allTextContents()) expect(fix).toMatch(/^Fix: \S/);
      }
      if (c.noStake) {
        expect(await text(panel, '.no-stake')).toMatch(new RegExp(`ticket ${c.ticket}'s grants and Support activity are for its reporter`));
        expect(await panel.locator('[aria-label="Support activity"]').count()).toBe(0);
        if (c.name !== 'scim-not-synced') expect(await panel.getByRole('button', { name: /^Ask .+ to grant$/ }).count()).toBeGreaterThan(0);
      } else {
        expect(await panel.locator('[aria-label="Support activity"]').count()).toBe(1);
        expect(await panel.locator('.no-stake').count()).toBe(0);
      }
      // The directory's own sync state (issue 21): hana's role is pending and SCIM has never synced her.
      if (c.name === 'scim-not-synced') expect(await text(panel, '[data-cause="scim_not_synced"] .synced')).toBe('Your identity provider (SCIM) has not synced you yet.');
      if (c.name === 'site-deactivated') expect(await text(panel, '.nobody')).toMatch(/Nobody in your org can grant this right now/);
      if (c.name === 'guard-restricted') expect(await text(panel, '.grant')).toMatch(/Guard admin must approve/);
      await shoot(page, `ticket-case-${c.name}`);
      await page.close();
    });
  }
});
