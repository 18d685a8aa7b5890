// Directory → Roles in the admin console (issue 21, "Roles assigned at runtime"): per site and
// product, who can grant and through which role or group; an org admin assigns a role to a person,
// removes it, and removes a group's role, each through the click guard, and the API's next decision
// sees it at once. Someone who is not an org admin gets the API's answer, not controls.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, consoleFrame, signIn, type ConsoleWorld, startConsoleWorld } from './console-helpers';
import { clickArmed, ROOT, screenshot } from './harness';
import { ROUTES } from '../../src/api/contract';

let w: ConsoleWorld;
const squash = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

/** The demo world plus a group of two that administers Jira on acme-main through its role. */
function worldWithGroup(): string {
  const world = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'demo-world.json'), 'utf8'));
  world.groups = [{ id: 'jira-admins', name: 'Jira admins', members: ['frank', 'nina'] }];
  world.roles.push({ group: 'jira-admins', role: 'product_admin', site: 'acme-main', product: 'jira' });
  const file = join(mkdtempSync(join(tmpdir(), 'ac-roles-')), 'world.json');
  writeFileSync(file, JSON.stringify(world));
  return file;
}

const mayGrant = async (token: string, ticket: string) => (await apiCall(w.api, token, ROUTES.eligibility, { key: ticket })).body.allowed as boolean;

async function rolesPage(): Promise<{ page: Awaited<ReturnType<ConsoleWorld['browser']['context']['newPage']>>; frame: Frame }> {
  const page = await w.browser.context.newPage();
  await page.goto(w.demo.adminPageUrl('directory/roles'));
  const frame = await consoleFrame(page);
  return { page, frame };
}

describe('admin console: who can grant, and changing it', () => {
  beforeAll(async () => {
    w = await startConsoleWorld('alice-token', { fixture: worldWithGroup() });
  });
  afterAll(async () => {
    await w?.close();
  });

  test('per site and product: each person once, with their role and whether it is theirs or a group’s', async () => {
    const { page, frame } = await rolesPage();
    expect(squash(await frame.locator('h1').textContent())).toBe('Access Companion · Who can grant');
    await frame.getByRole('table', { name: 'People who can grant' }).waitFor({ timeout: 15_000 });
    // acme-main's Jira first (the first site and product).
    expect(squash(await frame.locator('#grantors-heading').textContent())).toBe('Who can grant for Jira on acme.atlassian.net');
    const row = (user: string) => frame.locator(`tr[data-user="${user}"]`);
    expect(squash(await row('alice').innerText())).toMatch(/^Alice Ng alice@acme\.test Organization admin across the organization Their own role/);
    expect(squash(await row('bob').innerText())).toMatch(/Product admin of Jira on acme\.atlassian\.net Their own role/);
    expect(squash(await row('frank').innerText())).toMatch(/Product admin .*Group “Jira admins” Change it in the group below$/);
    expect(await row('hana').count()).toBe(0); // a Confluence admin (and not synced): not here
    expect(await row('gus').count()).toBe(0); // Guard admin grants nothing
    const group = frame.locator('tr[data-group="jira-admins"]');
    expect(squash(await group.innerText())).toMatch(/^Jira admins Product admin of Jira on acme\.atlassian\.net 2 people Remove…$/);
    const status = squash(await frame.getByRole('status').filter({ hasText: 'can grant here' }).textContent());
    const listed = await frame.locator('tr[data-user]').count();
    expect(status).toBe(`${listed} people can grant here.`);
    await screenshot(page, 'console-roles-jira');

    // Another product: Confluence's admins, the same org admin.
    await frame.getByLabel('Product', { exact: true }).selectOption('confluence');
    await expect.poll(async () => squash(await frame.locator('#grantors-heading').textContent())).toBe('Who can grant for Confluence on acme.atlassian.net');
    await expect.poll(() => row('priya').count()).toBe(1);
    expect(await row('bob').count()).toBe(0);
    // A site pending deletion says nobody can grant there.
    await frame.getByLabel('Site', { exact: true }).selectOption('acme-legacy');
    await expect.poll(async () => squash(await frame.locator('.note.warn').textContent())).toMatch(/^This site is pending deletion: nobody can grant/);
    await page.close();
  });

  test('assign a role to a person: they can grant at the next decision; remove it: they no longer can', async () => {
    const { page, frame } = await rolesPage();
    await frame.getByLabel('Product', { exact: true }).selectOption('confluence');
    await expect.poll(async () => squash(await frame.locator('#grantors-heading').textContent())).toBe('Who can grant for Confluence on acme.atlassian.net');
    expect(await mayGrant('bob-token', 'PS-101')).toBe(false);

    await frame.getByLabel('Find a person or group').fill('bob');
    const who = frame.getByLabel('Person or group', { exact: true });
    await expect.poll(async () => (await who.locator('option').allTextContents()).map(squash)).toContain('Bob Okafor (bob@acme.test)');
    await who.selectOption('user:bob');
    await frame.getByLabel('Role', { exact: true }).selectOption('product_admin');
    expect(squash(await frame.getByLabel('Role', { exact: true }).locator('option:checked').textContent())).toBe('Product admin — of Confluence on acme.atlassian.net');
    await screenshot(page, 'console-roles-assign');
    await clickArmed(frame, frame.getByRole('button', { name: 'Assign role' }));
    await expect.poll(() => frame.locator('tr[data-user="bob"]').count(), { timeout: 15_000 }).toBe(1);
    expect(squash(await frame.locator('p.result').textContent())).toBe('Gave Bob Okafor the Product admin role of Confluence on acme.atlassian.net.');
    expect(await mayGrant('bob-token', 'PS-101')).toBe(true);
    // One audit row naming who did it.
    const audit = (await apiCall(w.api, 'alice-token', ROUTES.audit, { query: { actor: 'alice' } })).body.entries as { action: string }[];
    expect(audit.filter((e) => e.action === 'directory.role_assign')).toHaveLength(1);

    // Remove: a question first (Cancel focused, so a second Enter removes nothing), then the guarded button.
    await frame.getByRole('button', { name: "Remove Bob Okafor's role…" }).click();
    const question = frame.getByRole('group', { name: /^Remove Bob Okafor's Product admin role of Confluence on acme\.atlassian\.net\?/ });
    await question.waitFor();
    await expect.poll(() => frame.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await screenshot(page, 'console-roles-remove-question');
    await clickArmed(frame, question.getByRole('button', { name: 'Remove role' }));
    await expect.poll(() => frame.locator('tr[data-user="bob"]').count(), { timeout: 15_000 }).toBe(0);
    expect(await mayGrant('bob-token', 'PS-101')).toBe(false);
    await page.close();
  });

  test("removing a group's role ends it for every member", async () => {
    expect(await mayGrant('frank-token', 'PS-107')).toBe(true);
    const { page, frame } = await rolesPage();
    const group = frame.locator('tr[data-group="jira-admins"]');
    await group.waitFor({ timeout: 15_000 });
    await group.getByRole('button', { name: 'Remove the Product admin role from Jira admins…' }).click();
    const question = frame.getByRole('group', { name: /^Remove the group “Jira admins”'s Product admin role of Jira on acme\.atlassian\.net \(2 people lose it/ });
    await clickArmed(frame, question.getByRole('button', { name: 'Remove role' }));
    await expect.poll(() => group.count(), { timeout: 15_000 }).toBe(0);
    expect(await frame.locator('tr[data-user="frank"], tr[data-user="nina"]').count()).toBe(0);
    expect(await mayGrant('frank-token', 'PS-107')).toBe(false);
    await screenshot(page, 'console-roles-group-removed');
    await page.close();
  });

  test('Priya, a product admin but not an org admin, gets the answer and no controls', async () => {
    await signIn(w, 'priya-token');
    const { page, frame } = await rolesPage();
    await expect.poll(() => frame.getByRole('alert').count(), { timeout: 15_000 }).toBe(1);
    expect(squash(await frame.getByRole('alert').textContent())).toMatch(/org admins/);
    expect(await frame.getByRole('button').count()).toBe(0);
    expect(await frame.getByRole('combobox').count()).toBe(0);
    await screenshot(page, 'console-roles-not-org-admin');
    await page.close();
    await signIn(w, 'alice-token');
  });
});
