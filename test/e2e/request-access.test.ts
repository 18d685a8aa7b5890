// The requester's side of product access requests, in real Chromium with the built extension: on
// the vendor's "You don't have access to Confluence" page, an outsider asks for themself and sees
// the reviewer's denial, message and bar arrive live; a site user asks for a new person, a reviewer
// approves, and the requester is notified and sees the way in. Screenshots of each state.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Frame, Page } from 'playwright-core';
import { apiCall, pollViaAlarm, serviceWorker, signIn, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { clickArmed, screenshot } from './harness';
import { ROUTES } from '../../src/api/contract';

let w: ConsoleWorld;
const SITE = 'https://acme.atlassian.net';

/** The request-access frame on a product page, once it has rendered. */
async function requestFrame(page: Page, timeout = 20_000): Promise<Frame> {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const frame of page.frames()) {
      if (!frame.url().includes('/src/request/index.html') || frame.isDetached()) continue;
      if (
        (await frame
          .locator('section.frame')
          .count()
          .catch(() => 0)) > 0
      )
        return frame;
    }
    if (Date.now() > deadline) throw new Error(`no request-access frame on ${page.url()}`);
    await page.waitForTimeout(100);
  }
}

const text = async (frame: Frame) => ((await frame.locator('section.frame').textContent()) ?? '').replace(/\s+/g, ' ');
const notifications = async () => (await serviceWorker(w.browser)).evaluate(async () => Object.keys(await chrome.notifications.getAll()));

async function openProductPage(path: string, as: string) {
  const page = await w.browser.context.newPage();
  await page.goto(w.demo.productPageUrl(SITE, path, as));
  await page.getByRole('heading', { name: /You don.t have access to/ }).waitFor();
  return { page, frame: await requestFrame(page) };
}

async function shoot(page: Page, name: string) {
  await page.waitForTimeout(250); // let the frame's height settle after the last render
  await screenshot(page, name);
}

describe('requesting product access from the product page', () => {
  beforeAll(async () => {
    w = await startConsoleWorld('oscar-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('someone not on the site asks for themself; the denial, its message and the bar show up live', async () => {
    const { page, frame } = await openProductPage('wiki', 'oscar');
    // The vendor's own page stays, with our frame below its Request access button.
    expect(await page.getByRole('button', { name: 'Request access', exact: true }).isVisible()).toBe(true);
    await expect.poll(() => text(frame)).toMatch(/People not on acme\.atlassian\.net may request access only for themselves/);
    expect(await frame.getByLabel('Teammate').count()).toBe(0);
    expect(await frame.getByLabel('Email address').count()).toBe(0);
    await shoot(page, 'request-access-outsider');

    // A click a script makes is not the person's: parked for the popup, nothing requested.
    const mySelf = frame.getByRole('button', { name: 'Request access for myself to Confluence on acme.atlassian.net' });
    await mySelf.evaluate((b: HTMLButtonElement) => b.click());
    await expect.poll(() => text(frame)).toMatch(/Not done yet: The click did not come from you/);
    // The demo world seeds a Jira request of Oscar's; the parked click must have made no Confluence one.
    expect((await apiCall(w.api, 'oscar-token', ROUTES.myAccessRequests)).body.requests.filter((r: { product: string }) => r.product === 'confluence')).toEqual([]);
    const parked = await (await serviceWorker(w.browser)).evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const o = indexedDB.open('access-companion');
        o.onsuccess = () => resolve(o.result);
        o.onerror = () => reject(o.error);
      });
      const row = await new Promise<{ value?: { id: string; label: string } }>((resolve) => {
        const g = db.transaction('meta').objectStore('meta').get('pendingAction');
        g.onsuccess = () => resolve(g.result ?? {});
      });
      db.close();
      return row.value;
    });
    expect(parked?.label).toBe('Request access to Confluence on acme.atlassian.net for yourself');
    // Only the toolbar popup may settle a parked action: dismiss it there, as the person would.
    const popup = await w.browser.context.newPage();
    await popup.goto(`chrome-extension://${w.browser.extensionId}/src/popup/index.html`);
    expect(await popup.evaluate((id) => chrome.runtime.sendMessage({ type: 'dismissPendingAction', id }), parked!.id)).toMatchObject({ ok: true });
    await popup.close();
    // The request page that parked it catches up.
    await expect.poll(() => text(frame), { timeout: 10_000 }).toMatch(/Dismissed in the toolbar popup: nothing was done\./);
    expect(await text(frame)).not.toMatch(/Not done yet/);

    await clickArmed(frame, frame.getByRole('button', { name: 'Request access for myself to Confluence on acme.atlassian.net' }));
    const pending = frame.locator('li.request[data-state="pending"]');
    await pending.waitFor({ timeout: 15_000 });
    expect(await pending.textContent()).toMatch(/Waiting on one of: .*Alice Ng.*Dev Patel/);
    await shoot(page, 'request-access-pending');

    const mine = await apiCall(w.api, 'oscar-token', ROUTES.myAccessRequests);
    const id = mine.body.requests[0].id as string;
    const denied = await apiCall(w.api, 'dev-token', ROUTES.denyAccessRequest, { id }, { message: 'Contractors get Confluence through their Acme sponsor.' });
    expect(denied.status).toBe(200);
    // No reload: the API streams the decision to the requester, the frame follows it.
    const card = frame.locator(`li.request[data-request="${id}"][data-state="denied"]`);
    await card.waitFor({ timeout: 20_000 });
    expect(await card.getByLabel("Reviewer's message").textContent()).toBe('Contractors get Confluence through their Acme sponsor.');
    // One human date format, never ISO (issue 23).
    expect(await card.textContent()).toMatch(/Denied by Dev Patel on [A-Z][a-z]{2} \d{1,2}, \d{4}/);
    const bar = frame.getByRole('alert', { name: 'Barred from requesting' });
    expect(await bar.textContent()).toMatch(/barred since [A-Z][a-z]{2} \d{1,2}, \d{4}/);
    // The rule in the one sentence the reviewer read before denying.
    expect(await bar.textContent()).toContain('Denying a request that someone outside the site made for themself bars that person from requesting product access anywhere in Acme Corp.');
    expect(await bar.textContent()).not.toMatch(/\d{4}-\d\d-\d\d/);
    expect(await frame.getByRole('button', { name: /for myself/ }).count()).toBe(0);
    await shoot(page, 'request-access-denied-barred');
    await page.close();
  });

  test('an outsider without a verified email is told why they cannot ask', async () => {
    await signIn(w, 'pat-token');
    const { page, frame } = await openProductPage('wiki', 'pat');
    await expect.poll(() => text(frame)).toMatch(/Verify your email address first/);
    expect(await text(frame)).toMatch(/pat@freelance\.test is not verified/);
    expect(await frame.getByRole('button', { name: /Request access/ }).count()).toBe(0);
    await shoot(page, 'request-access-unverified');
    await page.close();
    // The vendor page shows someone else than the extension is signed in as: requests are made as
    // the extension's person, and the frame says so.
    const other = await openProductPage('wiki', 'oscar');
    await expect.poll(() => text(other.frame)).toMatch(/This page is logged in as oscar@partner\.test, but Access Companion is signed in as Pat Quinn/);
    await other.page.close();
  });

  test('a site user asks for a new person; a reviewer approves; the requester is notified and sees the way in', async () => {
    await signIn(w, 'nina-token');
    await pollViaAlarm(w.browser); // the worker has read nina's (empty) request list
    const { page, frame } = await openProductPage('wiki', 'nina');
    await frame.getByLabel('Email address').waitFor();
    expect(await frame.getByLabel('Teammate').locator('option').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^Bob Okafor/)]));
    await shoot(page, 'request-access-site-user');

    await frame.getByLabel('Email address').fill('zoe.new@acme.test');
    await clickArmed(frame, frame.getByRole('button', { name: 'Request access for this person' }));
    const pending = frame.locator('li.request[data-state="pending"]');
    await pending.waitFor({ timeout: 15_000 });
    expect(await pending.textContent()).toMatch(/For zoe\.new@acme\.test/);
    const id = (await pending.getAttribute('data-request'))!;

    const approved = await apiCall(w.api, 'alice-token', ROUTES.approveAccessRequest, { id }, {});
    expect(approved.status).toBe(200);
    const card = frame.locator(`li.request[data-request="${id}"][data-state="approved"]`);
    await card.waitFor({ timeout: 20_000 });
    expect(await card.textContent()).toMatch(/Approved by Alice Ng/);
    expect(await card.getByRole('link', { name: 'Open Confluence' }).getAttribute('href')).toBe('https://acme.atlassian.net/wiki');
    await shoot(page, 'request-access-approved');
    await pollViaAlarm(w.browser);
    expect(await notifications()).toContain(`request-decision:${id}`);

    // The popup lists it under My requests.
    const popup = await w.browser.context.newPage();
    await popup.setViewportSize({ width: 420, height: 700 });
    await popup.goto(`chrome-extension://${w.browser.extensionId}/src/popup/index.html`);
    const list = popup.getByRole('list', { name: 'My requests' });
    await list.waitFor();
    expect(await list.locator(`[data-request="${id}"]`).textContent()).toMatch(/Confluence · acme\.atlassian\.net.*Approved/);
    await screenshot(popup, 'request-access-popup');
    await popup.close();
    await page.close();
  });

  test('a site user asks for themself; once approved, "Open Confluence" leads into the product', async () => {
    await signIn(w, 'bob-token');
    const { page, frame } = await openProductPage('wiki', 'bob');
    await clickArmed(frame, frame.getByRole('button', { name: /for myself/ }));
    const pending = frame.locator('li.request[data-state="pending"]');
    await pending.waitFor({ timeout: 15_000 });
    const id = (await pending.getAttribute('data-request'))!;
    expect((await apiCall(w.api, 'alice-token', ROUTES.approveAccessRequest, { id }, {})).status).toBe(200);
    const open = frame.locator(`li.request[data-request="${id}"][data-state="approved"]`).getByRole('link', { name: 'Open Confluence' });
    await open.waitFor({ timeout: 20_000 });
    await expect.poll(() => text(frame)).toMatch(/You have access to Confluence on acme\.atlassian\.net/);
    await shoot(page, 'request-access-approved-self');
    await open.click();
    await page.getByRole('heading', { name: 'Welcome to Confluence, Bob' }).waitFor();
    expect(await page.locator('access-companion-request').count()).toBe(0);
    await page.close();

    // Signed out of the extension: the frame asks to sign in instead of showing anything.
    const options = await w.browser.context.newPage();
    await options.goto(`chrome-extension://${w.browser.extensionId}/src/options/index.html`);
    expect(await options.evaluate(() => chrome.runtime.sendMessage({ type: 'signOut' }))).toMatchObject({ ok: true });
    await options.close();
    const signedOut = await openProductPage('jira', 'nina');
    await signedOut.frame.getByRole('button', { name: 'Open options to sign in' }).waitFor();
    expect(await text(signedOut.frame)).toMatch(/Sign in to Access Companion to request access to Jira/);
    await signedOut.page.close();
  });
});
