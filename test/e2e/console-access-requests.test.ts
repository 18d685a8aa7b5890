// Admin console → Access requests in real Chromium, against the real API on the demo world (which
// starts with a pending request of every kind): the reviewer sees the seat change and, before the
// click, that denying an off-site self-request bars the person; denies with a message; approves a
// request for a new person and the product's seats rise by one; filters; bulk with per-request results.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, consoleFrame, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { clickArmed, screenshot } from './harness';
import { ROUTES } from '../../src/api/contract';

let w: ConsoleWorld;

describe('admin console: product access requests', () => {
  // dev is user-access admin of acme-main: reviews its requests (not acme-eu's).
  beforeAll(async () => {
    w = await startConsoleWorld('dev-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  const open = async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('access-requests'));
    return { page, frame: await consoleFrame(page) };
  };
  const seatsOf = async (id: string) => (await apiCall(w.api, 'alice-token', ROUTES.accessRequest, { id })).body.seatsNow as number;

  test('an off-site self-request: seat change and bar warning before the click; denied with a message, the person is barred', async () => {
    const { page, frame } = await open();
    const oscar = frame.locator('section[data-request="ar_demo-oscar-jira"]');
    await oscar.waitFor();
    const text = await oscar.textContent();
    expect(text).toMatch(/Oscar Reyes \(oscar@partner\.test\) asked for themself/);
    expect(text).toMatch(/not on this site · email verified/);
    expect(text).toMatch(/Adds 1 billable seat to Jira: 41 → 42/);
    expect(text).toMatch(/No product access/);
    // The bar is said before anything is clicked.
    expect(await oscar.locator('.bar-warning').textContent()).toBe(
      'Denying bars Oscar Reyes (oscar@partner.test). Denying a request that someone outside the site made for themself bars that person from requesting product access anywhere in Acme Corp.',
    );
    // Every kind the demo starts with is on the page, aggregated across the sites dev reviews.
    for (const id of ['ar_demo-frank-confluence', 'ar_demo-bob-for-priya', 'ar_demo-priya-for-kai']) await frame.locator(`section[data-request="${id}"]`).waitFor();
    expect(await frame.locator('section[data-request="ar_demo-erin-for-ivan"]').count()).toBe(0);
    await screenshot(page, 'console-access-requests');

    await oscar.getByRole('button', { name: "Deny Oscar Reyes's Jira request…", exact: true }).click();
    // Focus is in the message box, which the bar warning describes.
    expect(await oscar.getByRole('textbox').evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await oscar.getByRole('textbox').getAttribute('aria-describedby')).toBe(await oscar.locator('.bar-warning').getAttribute('id'));
    await oscar.getByRole('textbox').fill('Please ask your Acme contact to invite you.');
    await clickArmed(frame, oscar.getByRole('button', { name: 'Deny and bar' }));
    const decided = frame.getByRole('table', { name: 'Decided access requests' });
    await expect
      .poll(() =>
        decided
          .locator('tr[data-request="ar_demo-oscar-jira"]')
          .textContent()
          .catch(() => ''),
      )
      .toMatch(/Denied.*invite you/);

    // The API agrees: denied with the message, no seat, and Oscar cannot ask again anywhere.
    const mine = await apiCall(w.api, 'oscar-token', ROUTES.accessRequest, { id: 'ar_demo-oscar-jira' });
    expect(mine.body).toMatchObject({ state: 'denied', message: 'Please ask your Acme contact to invite you.', decidedBy: 'dev' });
    expect(await seatsOf('ar_demo-oscar-jira')).toBe(41);
    const again = await apiCall(w.api, 'oscar-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence' });
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('barred');
    const audit = await apiCall(w.api, 'alice-token', ROUTES.audit, { query: { actor: 'dev' } });
    expect(audit.body.entries[0]).toMatchObject({ action: 'access_request.deny', resource: { id: 'ar_demo-oscar-jira' }, detail: { barred: true } });
    await page.close();
  });

  test('a request for a new person: filtered to new people, approved, Confluence seats rise by one', async () => {
    const { page, frame } = await open();
    await frame.locator('section[data-request="ar_demo-priya-for-kai"]').waitFor();
    await frame.getByLabel('Kind of request').selectOption('new_person');
    await expect.poll(() => frame.locator('section.request').count()).toBe(1);
    const kai = frame.locator('section[data-request="ar_demo-priya-for-kai"]');
    expect(await kai.textContent()).toMatch(/Priya Raman \(priya@acme\.test\) asked for kai\.moreno@acme\.test, who has no account yet/);
    expect(await kai.textContent()).toMatch(/Adds 1 billable seat to Confluence: 37 → 38/);
    expect(await kai.locator('.bar-warning').count()).toBe(0);
    const before = await seatsOf('ar_demo-priya-for-kai');
    await clickArmed(frame, kai.getByRole('button', { name: "Approve Priya Raman's Confluence request for kai.moreno@acme.test", exact: true }));
    await expect
      .poll(() =>
        frame
          .getByRole('table', { name: 'Decided access requests' })
          .locator('tr[data-request="ar_demo-priya-for-kai"]')
          .textContent()
          .catch(() => ''),
      )
      .toMatch(/Approved/);
    expect(await seatsOf('ar_demo-priya-for-kai')).toBe(before + 1);
    expect((await apiCall(w.api, 'priya-token', ROUTES.accessRequest, { id: 'ar_demo-priya-for-kai' })).body.state).toBe('approved');
    await page.close();
  });

  test('bulk: the selected requests are decided one by one, each result shown; my own request is not mine to decide', async () => {
    const own = await apiCall(w.api, 'dev-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence', for: { userId: 'tomas' } });
    expect(own.status).toBe(201);
    const { page, frame } = await open();
    const mine = frame.locator(`section[data-request="${own.body.id}"]`);
    await mine.waitFor();
    expect(await mine.textContent()).toMatch(/another reviewer decides it/);
    expect(await mine.getByRole('checkbox').isDisabled()).toBe(true);
    expect(await mine.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    const seats = { confluence: await seatsOf('ar_demo-frank-confluence'), jira: await seatsOf('ar_demo-bob-for-priya') };
    for (const id of ['ar_demo-frank-confluence', 'ar_demo-bob-for-priya']) {
      // Ticked the way a person does: a tick the frame cannot vouch for would park the bulk decision.
      await clickArmed(frame, frame.locator(`section[data-request="${id}"]`).getByRole('checkbox'));
    }
    const bulk = frame.getByRole('group', { name: 'Decide selected requests' });
    expect(await bulk.textContent()).toMatch(/Approving adds 1 billable seat to Confluence: 38 → 39; 1 to Jira: 41 → 42\./);
    await screenshot(page, 'console-access-requests-bulk');
    await clickArmed(frame, bulk.getByRole('button', { name: 'Approve selected (2)' }));
    await expect
      .poll(() =>
        bulk
          .locator('p.result[data-request="ar_demo-bob-for-priya"]')
          .textContent()
          .catch(() => ''),
      )
      .toMatch(/Priya Raman · Jira: Approved/);
    expect(await bulk.locator('p.result[data-request="ar_demo-frank-confluence"]').textContent()).toMatch(/Frank Moreau · Confluence: Approved/);
    expect(await seatsOf('ar_demo-frank-confluence')).toBe(seats.confluence + 1);
    expect(await seatsOf('ar_demo-bob-for-priya')).toBe(seats.jira + 1);
    await screenshot(page, 'console-access-requests-decided');
    await page.close();
  });
});
