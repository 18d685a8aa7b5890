// Settings → API keys in the admin console, against the real API and the built extension: an org
// admin makes an access-check key for a Support engineer, sees its secret once (and it works),
// then deletes it through the click guard, after which the API refuses it. A script's click on
// "Delete key" is parked for the popup, not done.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, consoleFrame, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clickArmed, ROOT, screenshot } from './harness';
import { ROUTES } from '../../src/api/contract';

let w: ConsoleWorld;

describe('admin console: API keys', () => {
  beforeAll(async () => {
    w = await startConsoleWorld('alice-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('create a key, see its secret once, use it, delete it', async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('settings/api-keys'));
    const frame = await consoleFrame(page);
    await expect.poll(() => frame.getByText('No API keys yet.').count()).toBe(1);

    // The form by keyboard and labels alone: name, scopes, the engineer picker that appears with access_check.
    await frame.getByLabel('Name').fill('Support tooling');
    await frame.getByRole('checkbox', { name: /Access checks/ }).check();
    await frame.getByLabel('Checks access as').selectOption('sam');
    await frame.getByRole('checkbox', { name: /Read the audit log/ }).press('Space');
    // From the keyboard, Create key asks for the code its confirmation shows (typing is not consent).
    await frame.getByRole('button', { name: 'Create key' }).press('Enter');
    const confirmation = frame.getByRole('group', { name: /^Confirm: Create the API key “Support tooling”, which can: Access checks \(as one Support engineer\); Read the audit log and its stream$/ });
    await confirmation.and(frame.locator('[data-armed="true"]')).waitFor();
    await frame.getByRole('textbox', { name: 'Confirmation code' }).fill(((await frame.locator('.key-confirm-code').textContent()) ?? '').replace(/\s+/g, ''));
    await frame.getByRole('textbox', { name: 'Confirmation code' }).press('Enter');

    const secretBox = frame.getByRole('region', { name: /you won't see it again/ });
    await secretBox.waitFor();
    const secret = await frame.getByLabel('Secret').inputValue();
    expect(secret).toMatch(/^acak_[A-Za-z0-9_-]{43}$/);
    // Focus moves to the secret, so a screen reader reads it first.
    expect(await frame.evaluate(() => document.activeElement?.getAttribute('aria-labelledby'))).toBe('new-secret-heading');
    const row = frame.locator('tr[data-key]');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toMatch(/Support tooling.*Access checks.*as Sam Ortiz.*Read the audit log.*by Alice.*Never.*Never/);
    await secretBox.getByRole('button', { name: 'Copy' }).click();
    await expect.poll(() => secretBox.getByRole('status').textContent()).toMatch(/Copied|Selected/);
    await page.waitForTimeout(300); // let the frame's height settle before the picture
    await screenshot(page, 'console-api-keys-created');
    // axe-core finds nothing wrong in the frame: every control named, the table's headers, contrast.
    // Evaluated, not a script tag: the extension page's CSP rightly refuses inline scripts.
    await frame.evaluate(readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8'));
    const violations = await frame.evaluate(async () => {
      const r = await (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Array<{ id: string; nodes: unknown[] }> }> } }).axe.run(document, {
        resultTypes: ['violations'],
        // The frame sits inside the vendor page's own <main>: a landmark of its own would be a second one.
        rules: { 'landmark-one-main': { enabled: false } },
      });
      return r.violations.map((v) => `${v.id} ×${v.nodes.length}: ${JSON.stringify(v.nodes.map((n: any) => [n.target, n.any?.[0]?.message]))}`);
    });
    expect(violations).toEqual([]);

    // The key works, as Sam; the list nowhere shows the secret again.
    const check = await apiCall(w.api, secret, ROUTES.checkAccess, { ticket: 'PS-101', resource: { type: 'work_item', id: 'PS-101' } });
    expect(check.status).toBe(200);
    await secretBox.getByRole('button', { name: "I've stored it" }).click();
    await expect.poll(() => secretBox.count()).toBe(0);
    await page.reload();
    const again = await consoleFrame(page);
    await again.locator('tr[data-key]').waitFor();
    expect(await again.locator('body').textContent()).not.toContain(secret.slice(5));
    // Used just now: the list says so.
    await expect.poll(() => again.locator('tr[data-key] td').nth(4).textContent()).toMatch(/just now/);

    // Delete asks first. By keyboard: the question opens with focus on Cancel (a second Enter
    // deletes nothing), and Cancel puts focus back where it was.
    const focused = () => again.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent);
    await again.getByRole('button', { name: 'Delete Support tooling…' }).press('Enter');
    await expect.poll(focused).toBe('Cancel');
    await page.keyboard.press('Enter');
    await expect.poll(focused).toBe('Delete Support tooling…');
    expect((await apiCall(w.api, 'alice-token', ROUTES.apiKeys)).body.keys).toHaveLength(1);
    // A script's click on the confirm button is parked, the key still works.
    await again.getByRole('button', { name: 'Delete Support tooling…' }).click();
    const confirm = again.getByRole('group', { name: /Delete “Support tooling”\?/ });
    await confirm.waitFor();
    await page.waitForTimeout(300);
    await screenshot(page, 'console-api-keys-confirm-delete');
    await confirm.getByRole('button', { name: 'Delete key' }).evaluate((b: HTMLButtonElement) => b.click());
    await expect.poll(() => again.locator('p.result').textContent()).toMatch(/Not done yet: The click did not come from you.*toolbar popup/);
    expect((await apiCall(w.api, 'alice-token', ROUTES.apiKeys)).body.keys).toHaveLength(1);

    // The admin's own click deletes it; the API refuses the key from its next use.
    await clickArmed(again, confirm.getByRole('button', { name: 'Delete key' }));
    await expect.poll(() => again.locator('p.result').textContent()).toMatch(/Deleted “Support tooling”/);
    await expect.poll(() => again.getByText('No API keys yet.').count()).toBe(1);
    const refused = await apiCall(w.api, secret, ROUTES.audit);
    expect(refused.status).toBe(401);
    const audit = await apiCall(w.api, 'alice-token', ROUTES.audit, { query: { limit: 20 } });
    expect(audit.body.entries.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`)).toEqual(expect.arrayContaining(['api_key.create:done', 'api_key.delete:done']));
    await page.close();
  });

  test('a delete the frame cannot vouch for waits in the popup, which names the key, and is done there', async () => {
    const made = await apiCall(w.api, 'alice-token', ROUTES.createApiKey, { name: 'SIEM export', scopes: ['audit_read'] });
    expect(made.status).toBe(201);
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('settings/api-keys'));
    const frame = await consoleFrame(page);
    await frame.getByRole('button', { name: 'Delete SIEM export…' }).click();
    await frame.getByRole('button', { name: 'Delete key' }).evaluate((b: HTMLButtonElement) => b.click());
    await expect.poll(() => frame.locator('p.result').textContent()).toMatch(/Not done yet/);

    const popup = await w.browser.context.newPage();
    await popup.goto(`chrome-extension://${w.browser.extensionId}/src/popup/index.html`);
    const pending = popup.getByRole('region', { name: 'Confirm pending action' });
    await expect
      .poll(() => pending.textContent().catch(() => ''), { timeout: 10_000 })
      .toMatch(/Delete the Access API key “SIEM export” \(Read the audit log and its stream\): whatever uses it is refused from its next request/);
    await screenshot(popup, 'popup-pending-api-key-delete');
    expect((await apiCall(w.api, made.body.secret, ROUTES.audit)).status).toBe(200);
    await pending.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => pending.textContent()).toMatch(/Done/);
    expect((await apiCall(w.api, made.body.secret, ROUTES.audit)).status).toBe(401);
    await popup.close();
    await page.close();
  });

  test('an access-check key needs its engineer, and the API refuses an expiry in the past', async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('settings/api-keys'));
    const frame = await consoleFrame(page);
    await frame.getByLabel('Name').fill('half-made');
    await frame.getByRole('checkbox', { name: /Access checks/ }).check();
    await frame.getByRole('button', { name: 'Create key' }).click();
    await expect.poll(() => frame.getByRole('alert').textContent()).toMatch(/Choose the Support engineer/);
    await frame.getByRole('checkbox', { name: /Access checks/ }).uncheck();
    await frame.getByRole('checkbox', { name: /SCIM/ }).check();
    await frame.getByLabel(/Expires/).fill('2020-01-01T09:00');
    // A press the frame can vouch for (a key is made only for one), so the API's own refusal shows.
    await clickArmed(frame, frame.getByRole('button', { name: 'Create key' }));
    await expect.poll(() => frame.getByRole('alert').textContent()).toMatch(/must lie in the future/);
    expect((await apiCall(w.api, 'alice-token', ROUTES.apiKeys)).body.keys).toHaveLength(0);
    await page.close();
  });
});
