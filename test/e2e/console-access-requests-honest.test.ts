// Admin console → Access requests says exactly what a decision does (issue 23): a bulk approval of
// five requests for three people says three seats, per product, and the seats move by that much;
// a barred person's older self-made request says the bar in the same sentence the requester reads.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, consoleFrame, signIn, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { clickArmed, screenshot } from './harness';
import { ROUTES } from '../../src/api/contract';

let w: ConsoleWorld;
const text = async (p: Promise<string | null>) => ((await p) ?? '').replace(/\s+/g, ' ').trim();

describe('admin console: access requests say what a decision does', () => {
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
  const seats = async (id: string) => (await apiCall(w.api, 'alice-token', ROUTES.accessRequest, { id })).body.seatsNow as number;

  test('five requests for three people: "Adds 2 billable seats to Confluence: 37 → 39; 1 to Jira: 41 → 42", and the seats move by that', async () => {
    // Frank asked for himself and Alice asks for him; Priya asked for Kai and Bob asks for Kai with his email written otherwise.
    const forFrank = await apiCall(w.api, 'alice-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence', for: { userId: 'frank' } });
    const forKai = await apiCall(w.api, 'bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence', for: { email: 'Kai.Moreno@ACME.test' } });
    expect([forFrank.status, forKai.status]).toEqual([201, 201]);
    const ids = ['ar_demo-frank-confluence', forFrank.body.id, 'ar_demo-priya-for-kai', forKai.body.id, 'ar_demo-bob-for-priya'];
    const before = { confluence: await seats('ar_demo-frank-confluence'), jira: await seats('ar_demo-bob-for-priya') };
    expect(before).toEqual({ confluence: 37, jira: 41 });

    const { page, frame } = await open();
    for (const id of ids) await clickArmed(frame, frame.locator(`section[data-request="${id}"]`).getByRole('checkbox'));
    const bulk = frame.getByRole('group', { name: 'Decide selected requests' }).first();
    await expect.poll(() => text(bulk.textContent())).toContain('Selected (5)');
    // Reachable at the top of a long list: the bulk bar comes before the first request in reading and tab order.
    expect(await bulk.evaluate((el) => (el.compareDocumentPosition(document.querySelector('section.request')!) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0)).toBe(true);
    await screenshot(page, 'console-access-requests-bulk-5-for-3');
    expect(await text(bulk.textContent())).toContain('Approving adds 2 billable seats to Confluence: 37 → 39; 1 to Jira: 41 → 42.');

    await clickArmed(frame, bulk.getByRole('button', { name: 'Approve selected (5)' }));
    await expect.poll(() => bulk.locator('p.result').count()).toBe(5);
    expect({ confluence: await seats('ar_demo-frank-confluence'), jira: await seats('ar_demo-bob-for-priya') }).toEqual({ confluence: 39, jira: 42 });
    await page.close();
  });

  test("barred: Oscar's older self-made request, the reviewer's warning and the requester's notice say one rule in one sentence", async () => {
    const rule = 'Denying a request that someone outside the site made for themself bars that person from requesting product access anywhere in Acme Corp.';
    // Oscar asks for Confluence too; dev denies it, which bars him. His older Jira request stays pending.
    const conf = await apiCall(w.api, 'oscar-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence' });
    expect(conf.status).toBe(201);
    const { page, frame } = await open();
    const card = frame.locator(`section[data-request="${conf.body.id}"]`);
    await card.waitFor();
    // Before the click: the warning says the rule, once.
    expect(await text(card.locator('.bar-warning').textContent())).toContain(rule);
    await card.getByRole('button', { name: /^Deny/ }).click();
    // Once on the card, not again beside the message box, which focus has moved to and which it describes.
    expect(await card.locator('p', { hasText: rule }).count()).toBe(1);
    expect(await card.getByRole('textbox').evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await card.getByRole('textbox').getAttribute('aria-describedby')).toBe(await card.locator('.bar-warning').getAttribute('id'));
    await clickArmed(frame, card.getByRole('button', { name: 'Deny and bar' }));
    await expect.poll(() => card.count()).toBe(0);

    const older = frame.locator('section[data-request="ar_demo-oscar-jira"]');
    await expect.poll(() => text(older.textContent())).toMatch(/Barred/);
    await screenshot(page, 'console-access-requests-barred');
    const said = await text(older.textContent());
    expect(said).not.toMatch(/made for them by someone else/);
    expect(said).toMatch(/Oscar Reyes asked for this himself|asked for themself before the bar/);
    expect(said).toContain(rule);
    expect(said).not.toMatch(/\d{4}-\d{2}-\d{2}/);

    // The API's answers carry the same sentence, to the reviewer and to the requester.
    expect((await apiCall(w.api, 'dev-token', ROUTES.accessRequest, { id: 'ar_demo-oscar-jira' })).body.barRule).toBe(rule);
    const mine = await apiCall(w.api, 'oscar-token', ROUTES.myAccessRequests);
    expect(mine.body.requests.find((r: { id: string }) => r.id === conf.body.id).barRule).toBe(rule);
    const context = await apiCall(w.api, 'oscar-token', ROUTES.accessRequestContext, { query: { site: 'acme-main', product: 'jira' } });
    expect(context.body.bar.rule).toBe(rule);
    expect(context.body.bar.message).toContain(rule);

    // The requester reads the same sentence on the product's "no access" page.
    await page.close();
    await signIn(w, 'oscar-token');
    const product = await w.browser.context.newPage();
    await product.goto(w.demo.productPageUrl('https://acme.atlassian.net', 'wiki', 'oscar'));
    const requestFrame = await (async () => {
      for (let i = 0; i < 150; i++) {
        for (const f of product.frames())
          if (
            f.url().includes('/src/request/') &&
            (await f
              .getByLabel('Barred from requesting')
              .count()
              .catch(() => 0)) > 0
          )
            return f;
        await product.waitForTimeout(100);
      }
      throw new Error('no request-access frame with a bar');
    })();
    const notice = await text(requestFrame.getByLabel('Barred from requesting').textContent());
    expect(notice).toContain(rule);
    expect(notice).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    await screenshot(product, 'request-access-barred');
    await product.close();
  });
});
