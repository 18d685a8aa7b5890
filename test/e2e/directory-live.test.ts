// The live directory reaches an open extension (issue 21), in real Chromium against the real API:
// Priya, signed in with the org's identity provider, is a product admin of Confluence only through
// the "Confluence admins" group. The identity provider (a scim-scoped API key) takes her out of the
// group: her open panel flips from "You can grant" to "You can't" without a reload, and the role
// data the extension cached in IndexedDB is the new one. Then it deactivates her (`active: false`):
// her next request is refused, and the panel, the popup and the badge say she is signed out and why,
// with a way to sign in again.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDemoIdp, type DemoIdp } from '../../scripts/demo-idp';
import type { DemoPages } from '../../scripts/demo-pages';
import { createApp, type AccessApp } from '../../src/server/app';
import { openDb } from '../../src/server/db/index';
import { seriousViolations } from './axe-helpers';
import { launchWithExtension, screenshot, startTestDemoPages, type ExtensionBrowser } from './harness';
import { apiCall, DEMO_WORLD, signInThroughOptions, text, ticketPanel, type TicketWorld } from './ticket-helpers';
import { ROUTES } from '../../src/api/contract';

const SCIM = 'application/scim+json';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let idp: DemoIdp;
let api: AccessApp;
let db: Awaited<ReturnType<typeof openDb>>;
let server: ServerType;
let base: string;
let demo: DemoPages;
let b: ExtensionBrowser;
let scimKey: string;

beforeAll(async () => {
  idp = await startDemoIdp({ port: 0 });
  const world = JSON.parse(readFileSync(DEMO_WORLD, 'utf8'));
  world.organization.identity = { issuer: idp.issuer, clientId: 'access-companion' };
  // Priya's Confluence role comes from a group, not from her own assignment.
  const own = world.roles.findIndex((r: { user?: string; product?: string }) => r.user === 'priya' && r.product === 'confluence');
  expect(own).toBeGreaterThanOrEqual(0);
  const [role] = world.roles.splice(own, 1);
  world.groups = [{ id: 'confluence-admins', name: 'Confluence admins', members: ['priya'] }];
  const { user: _priya, ...reach } = role;
  world.roles.push({ ...reach, group: 'confluence-admins' });
  db = await openDb({});
  api = await createApp({ world, db, log: () => undefined });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
  });
  base = `http://localhost:${(server.address() as AddressInfo).port}`;
  const key = await apiCall<{ secret: string }>({ base }, 'alice-token', ROUTES.createApiKey, { name: 'Okta provisioning', scopes: ['scim'] });
  expect(key.status).toBe(201);
  scimKey = key.body.secret;
  demo = await startTestDemoPages({ apiUrl: base });
  b = await launchWithExtension();
});

afterAll(async () => {
  await b?.close();
  await demo?.close();
  (server as unknown as { closeAllConnections?: () => void })?.closeAllConnections?.();
  await new Promise((r) => server?.close(r));
  await api?.close();
  await db?.close();
  await idp?.close();
});

async function scim(method: string, path: string, body: unknown): Promise<number> {
  const res = await fetch(`${base}/scim/v2${path}`, { method, headers: { authorization: `Bearer ${scimKey}`, 'content-type': SCIM }, body: JSON.stringify(body) });
  await res.body?.cancel();
  return res.status;
}

async function signInAsPriya(): Promise<void> {
  const options = await b.context.newPage();
  await options.goto(`chrome-extension://${b.extensionId}/src/options/index.html`);
  await options.getByLabel('Access API address').fill(base);
  const providerPage = b.context.waitForEvent('page', { predicate: (p) => p.url().startsWith(idp.issuer) });
  await options.getByRole('button', { name: 'Sign in with Acme Corp' }).click();
  const login = await providerPage;
  await login.getByLabel('Email').fill('priya@acme.test');
  await login.getByLabel('Password').fill('demo');
  await login.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => options.getByRole('status').textContent(), { timeout: 20_000 }).toMatch(/Signed in as Priya Raman/);
  await options.close();
}

const worker = () => b.context.serviceWorkers().find((sw) => sw.url().includes(b.extensionId))!;

/** The roles in the extension's cached /v1/me (IndexedDB), or undefined when none is cached. */
const cachedRoles = () =>
  worker().evaluate(
    () =>
      new Promise<Array<{ role: string; product?: string }> | undefined>((resolve, reject) => {
        const open = indexedDB.open('access-companion');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction('me').objectStore('me').get('me');
          get.onsuccess = () => {
            resolve(get.result?.value.roles);
            open.result.close();
          };
          get.onerror = () => reject(get.error);
        };
      }),
  );

/** Marks the panel's document, so a later look can tell it was not reloaded. */
const mark = (panel: Frame) => panel.evaluate(() => Object.assign(window, { __notReloaded: true }));
const stillMarked = (panel: Frame) => panel.evaluate(() => (window as unknown as { __notReloaded?: boolean }).__notReloaded === true);

let page: Page;
let panel: Frame;

describe('a directory change reaches the open extension', () => {
  test('a SCIM PATCH taking Priya out of the granting group flips her open panel to "You can\'t", without a reload', async () => {
    await signInAsPriya();
    page = await b.context.newPage();
    await page.goto(demo.ticketUrl('PS-101'));
    panel = await ticketPanel(page, 'PS-101');
    await expect.poll(() => text(panel, '.decision'), { timeout: 20_000 }).toMatch(/You can grant Support access[\s\S]*as Product admin/);
    expect(await panel.getByRole('button', { name: /^Grant/ }).count()).toBeGreaterThan(0);
    await expect.poll(async () => (await cachedRoles())?.some((r) => r.product === 'confluence'), { timeout: 20_000 }).toBe(true);
    await mark(panel);
    // Bob asks her to grant: it waits in her popup's "Waiting on you" while she can.
    expect((await apiCall({ base }, 'bob-token', ROUTES.ask, { key: 'PS-101' }, { adminId: 'priya' })).status).toBe(201);
    const popup = await b.context.newPage();
    await popup.goto(`chrome-extension://${b.extensionId}/src/popup/index.html`);
    const bobsAsk = popup.locator('ul[aria-label="Waiting on you"] li', { hasText: 'Bob Okafor asks you to grant data access on PS-101' });
    await popup.getByRole('heading', { name: 'Waiting on you' }).waitFor();
    await expect.poll(() => bobsAsk.count(), { timeout: 20_000 }).toBe(1);
    const badge = () => worker().evaluate(() => chrome.action.getBadgeText({}));
    await expect.poll(async () => Number(await badge()), { timeout: 15_000 }).toBeGreaterThan(0);
    await popup.evaluate(() => Object.assign(window, { __notReloaded: true }));

    // Okta's membership removal (RFC 7644 §3.5.2.2 filter path).
    expect(await scim('PATCH', '/Groups/confluence-admins', { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members[value eq "priya"]' }] })).toBe(204);

    await expect.poll(() => text(panel, '.decision'), { timeout: 15_000 }).toMatch(/You can't grant Support access/);
    expect(await stillMarked(panel)).toBe(true);
    expect(await panel.getByRole('button', { name: /^Grant/ }).count()).toBe(0);
    // The cached role data was refreshed too, not only the panel's answer.
    await expect.poll(async () => (await cachedRoles())?.some((r) => r.product === 'confluence') ?? false, { timeout: 15_000 }).toBe(false);
    await screenshot(page, 'directory-panel-flipped');
    // Her open popup stops offering the ask (it went to those who can grant).
    await expect.poll(() => bobsAsk.count(), { timeout: 15_000 }).toBe(0);
    expect(await popup.evaluate(() => (window as unknown as { __notReloaded?: boolean }).__notReloaded === true)).toBe(true);
    // Nothing else waits on her either (Support's request for PS-101 is for those who can grant), and the badge agrees.
    await popup.getByText('Nothing waiting on you.').waitFor({ timeout: 15_000 });
    await expect.poll(async () => Number(await badge()), { timeout: 15_000 }).toBe(0);
    await screenshot(popup, 'directory-popup-after-demotion');
    await popup.close();
  });

  test('a person deactivated by SCIM mid-session is refused; popup, panel and badge say signed out, and why', async () => {
    const popup = await b.context.newPage();
    await popup.goto(`chrome-extension://${b.extensionId}/src/popup/index.html`);
    await popup.getByRole('heading', { name: 'Waiting on you' }).waitFor();

    // Entra's dialect: a capitalised op, a path-less replace, "False" as a string.
    expect(await scim('PATCH', '/Users/priya', { schemas: [PATCH_OP], Operations: [{ op: 'Replace', value: { active: 'False' } }] })).toBe(200);

    // The open panel says so without a reload, with a way to sign in again.
    await panel.getByText('Signed out: sign in again').waitFor({ timeout: 20_000 });
    expect(await stillMarked(panel)).toBe(true);
    expect(await text(panel, '.signed-out')).toMatch(/deactivated in your organization's directory/);
    await panel.getByRole('button', { name: 'Open options to sign in' }).waitFor();
    await screenshot(page, 'directory-deactivated-panel');
    expect(await seriousViolations(panel)).toEqual([]);

    await popup.reload();
    await popup.getByText('Signed out: sign in again.').waitFor({ timeout: 20_000 });
    expect(await popup.getByRole('status').textContent()).toMatch(/Your account was deactivated in your organization's directory/);
    await popup.getByRole('button', { name: 'Sign in' }).waitFor();
    await screenshot(popup, 'directory-deactivated-popup');
    expect(await seriousViolations(popup.mainFrame())).toEqual([]);

    expect(await worker().evaluate(() => chrome.action.getBadgeText({}))).toBe('OUT');
    expect(await worker().evaluate(() => chrome.action.getTitle({}))).toMatch(/Signed out: sign in again\. Your account was deactivated/);

    // Her session was refused on its next request, on record with why.
    const refused = await db.query<{ detail: unknown }>("SELECT detail FROM audit WHERE actor = 'priya' AND action = 'auth.session_refused'");
    expect(refused.map((r) => (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail))).toContainEqual({ reason: 'person_gone' });
    await popup.close();
    await page.close();
  });

  test('the scim_not_synced cause says SCIM never synced the person; the sync it asks for flips her open panel to "You can grant"', async () => {
    await signInThroughOptions({ api: { base }, browser: b } as unknown as TicketWorld, 'hana-token');
    const host = await b.context.newPage();
    await host.goto(demo.ticketUrl('PS-101'));
    const hana = await ticketPanel(host, 'PS-101');
    // Hana's Confluence role was set by SCIM and has not synced.
    await expect.poll(() => text(hana, '[data-cause="scim_not_synced"] .synced'), { timeout: 20_000 }).toBe('Your identity provider (SCIM) has not synced you yet.');
    await screenshot(host, 'directory-scim-not-synced');
    expect(await seriousViolations(hana)).toEqual([]);
    await mark(hana);
    // The provider pushes her (the cause's fix): the role is in effect, and her open panel says so.
    expect(await scim('PATCH', '/Users/hana', { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'name.givenName', value: 'Hana' }] })).toBe(200);
    await expect.poll(() => text(hana, '.decision'), { timeout: 20_000 }).toMatch(/You can grant Support access[\s\S]*as Product admin/);
    expect(await hana.locator('[data-cause="scim_not_synced"]').count()).toBe(0);
    expect(await stillMarked(hana)).toBe(true);
    await screenshot(host, 'directory-scim-synced');
    await host.close();
  });
});
