// The first grant path, in real Chromium with the built extension: on the portal's raise-a-request
// form, beside the "allow Support to access my data" box, the admin sees before sending whether
// ticking it gives Support access for the chosen product and site (following their choice), and
// if not why and who can; sent ticked by someone who may, the new request's page shows the grant
// (active, or waiting on Guard); ticked by someone who may not, the form is refused and nothing
// is raised. Screenshots of each state.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Frame, Page } from 'playwright-core';
import { apiCall, shoot, signInThroughOptions, startTicketWorld, text, ticketPanel, type TicketWorld } from './ticket-helpers';
import { ROUTES } from '../../src/api/contract';

let w: TicketWorld;

/** The consent note frame on the form, once it has rendered. */
async function consentNote(page: Page, timeout = 20_000): Promise<Frame> {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const frame of page.frames()) {
      if (!frame.url().includes('/src/consent/index.html') || frame.isDetached()) continue;
      if (
        (await frame
          .locator('section.consent')
          .count()
          .catch(() => 0)) > 0
      )
        return frame;
    }
    if (Date.now() > deadline) throw new Error(`no consent note on ${page.url()}`);
    await page.waitForTimeout(100);
  }
}

async function openForm(as: string): Promise<{ page: Page; note: Frame }> {
  const page = await w.browser.context.newPage();
  await page.goto(w.demo.createRequestUrl(as));
  await page.getByRole('heading', { name: 'Technical support' }).waitFor();
  return { page, note: await consentNote(page) };
}

async function choose(page: Page, product: string, site: string) {
  await page.getByLabel('Product').selectOption({ label: product });
  await page.getByLabel('Site URL').selectOption({ label: site });
}

const note = (frame: Frame) => text(frame, 'section.consent');

async function send(page: Page, summary: string) {
  await page.getByLabel('Summary').fill(summary);
  await page.getByLabel('Description').fill("Started after Monday's change; several people see it.");
  await page.getByLabel('Allow Atlassian Support to access my data for this request').check();
  await page.getByRole('button', { name: 'Send' }).click();
}

/** The key of the request the form just raised, once the portal shows its page. */
async function raisedKey(page: Page): Promise<string> {
  await page.waitForURL(/\/portal\/1\/PS-\d+/, { timeout: 15_000 });
  return /\/(PS-\d+)/.exec(page.url())![1]!;
}

describe('raising a request with the consent box', () => {
  beforeAll(async () => {
    w = await startTicketWorld();
  });
  afterAll(async () => {
    await w?.close();
  });

  test("signed out, the note asks to sign in and its button (the note's only control) opens the options page", async () => {
    const { page, note: frame } = await openForm('priya');
    await choose(page, 'Confluence', 'acme.atlassian.net');
    await expect.poll(() => note(frame), { timeout: 15_000 }).toMatch(/Sign in to Access Companion to see whether ticking this gives Support access/);
    const options = w.browser.context.waitForEvent('page', { predicate: (p) => p.url().includes('/src/options/'), timeout: 15_000 });
    await frame.getByRole('button', { name: 'Open options' }).click();
    await (await options).close();
    await shoot(page, 'request-form-signed-out');
    await page.close();
  });

  test('an admin who may grant sees that ticking gives access, follows their choice, and the new request starts with an active grant', async () => {
    await signInThroughOptions(w, 'priya-token');
    const { page, note: frame } = await openForm('priya');
    await expect.poll(() => note(frame)).toMatch(/choose a product and a site/);

    await choose(page, 'Confluence', 'acme.atlassian.net');
    await expect.poll(() => note(frame), { timeout: 15_000 }).toMatch(/Ticking this gives Support access to Confluence on acme\.atlassian\.net for this request, as Product admin/);
    expect(await frame.locator('[data-verdict]').getAttribute('data-verdict')).toBe('grants');

    // Another product on the form: the note follows, with why not and who can; back again, it follows again.
    await page.getByLabel('Product').selectOption({ label: 'Jira' });
    await expect.poll(() => note(frame), { timeout: 15_000 }).toMatch(/Ticking this won't give Support access to Jira on acme\.atlassian\.net/);
    expect(await frame.locator('[data-cause]').evaluateAll((els) => els.map((e) => e.getAttribute('data-cause')))).toEqual(['wrong_product']);
    expect(await frame.getByRole('list', { name: 'Who can' }).textContent()).toMatch(/Bob Okafor/);
    await page.getByLabel('Product').selectOption({ label: 'Confluence' });
    await expect.poll(() => frame.locator('[data-verdict]').getAttribute('data-verdict'), { timeout: 15_000 }).toBe('grants');
    await shoot(page, 'request-form-can-grant');

    await send(page, 'Page tree does not load');
    const key = await raisedKey(page);
    // The panel as it is now: the portal can mount a fresh sidebar frame after the new request's page loads.
    await expect.poll(async () => text(await ticketPanel(page, key), '[data-state]'), { timeout: 15_000 }).toMatch(/^Active: Support has access · granted by you/);
    const grants = (await apiCall(w.api, 'priya-token', ROUTES.ticketGrants, { key })).body.grants;
    expect(grants).toEqual([expect.objectContaining({ state: 'active', grantedBy: 'priya', product: 'confluence', site: 'acme-main' })]);
    expect((await apiCall(w.api, 'priya-token', ROUTES.ticket, { key })).body).toMatchObject({ title: 'Page tree does not load', reporter: 'priya' });
    await shoot(page, 'request-form-created-active');
    await page.close();
  });

  test('an admin who may not grant sees why and who can; sending ticked is refused and raises nothing', async () => {
    await signInThroughOptions(w, 'bob-token');
    const { page, note: frame } = await openForm('bob');
    await choose(page, 'Confluence', 'acme.atlassian.net');
    await expect.poll(() => note(frame), { timeout: 15_000 }).toMatch(/Ticking this won't give Support access to Confluence on acme\.atlassian\.net: the request would be refused/);
    expect(await text(frame, '[data-cause="wrong_product"]')).toMatch(/You are product admin of Jira on acme\.atlassian\.net, not of Confluence\.\s*Fix: Ask an admin of Confluence/);
    const who = await frame.getByRole('list', { name: 'Who can' }).textContent();
    expect(who).toMatch(/Priya Raman/);
    expect(who).toMatch(/Alice Ng/);
    await shoot(page, 'request-form-cannot-grant');

    type Row = { action: string; outcome: string };
    const refusedRaises = async () => (await apiCall<{ entries: Row[] }>(w.api, 'alice-token', ROUTES.audit, { query: { actor: 'bob' } })).body.entries.filter((r) => r.action === 'ticket.create');
    expect(await refusedRaises()).toEqual([]);
    await send(page, 'Confluence search is empty');
    const alert = page.getByRole('alert').filter({ hasText: 'cannot grant' });
    await alert.waitFor({ timeout: 15_000 });
    expect(await alert.textContent()).toMatch(/nothing was created/);
    expect(page.url()).toContain('/create/1');
    // On record once as a refused raise; no request was raised.
    expect((await refusedRaises()).map((r) => r.outcome)).toEqual(['refused']);
    await page.close();
  });

  test('on a Guard-restricted site the note says the grant is held for Guard, and the new request shows the hold', async () => {
    await signInThroughOptions(w, 'ivan-token');
    const { page, note: frame } = await openForm('ivan');
    await choose(page, 'Jira', 'acme-eu.atlassian.net');
    await expect.poll(() => note(frame), { timeout: 15_000 }).toMatch(/Ticking this asks for access, held for Guard approval\. acme-eu\.atlassian\.net restricts Support access/);
    await shoot(page, 'request-form-guard');

    await send(page, 'EU board export fails');
    const key = await raisedKey(page);
    await expect.poll(async () => text(await ticketPanel(page, key), '[data-state]'), { timeout: 15_000 }).toMatch(/^Waiting on Guard: Waiting on a Guard admin \(Gus Romero\) to approve/);
    expect((await apiCall(w.api, 'ivan-token', ROUTES.ticketGrants, { key })).body.grants).toEqual([expect.objectContaining({ state: 'pending_guard_approval', grantedBy: 'ivan' })]);
    await shoot(page, 'request-form-created-guard');
    await page.close();
  });
});
