// Signing in with the org's identity provider, in real Chromium: the demo provider (oidc-provider,
// scripts/demo-idp.ts) on a free port, an Access API whose world names it, and the built demo
// extension. The person types only the API's address, signs in on the provider's own page
// (launchWebAuthFlow opens it as a page of the browser), and the panel shows their decision; the
// short API session is renewed from the refresh token without a prompt and survives a worker
// restart; a session ended at the API is refused and the extension says "signed out" in popup,
// panel and badge; sign-out ends the session at the API.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDemoIdp, type DemoIdp } from '../../scripts/demo-idp';
import type { DemoPages } from '../../scripts/demo-pages';
import { createApp, type AccessApp } from '../../src/server/app';
import { openDb } from '../../src/server/db/index';
import { launchWithExtension, screenshot, startTestDemoPages, stopExtensionWorker, type ExtensionBrowser } from './harness';
import { DEMO_WORLD, text, ticketPanel } from './ticket-helpers';

/** Sessions this short make the renewal happen within the test (the extension renews at half-life). */
const SESSION_MS = 16_000;

let idp: DemoIdp;
let api: AccessApp;
let db: Awaited<ReturnType<typeof openDb>>;
let server: ServerType;
let base: string;
let demo: DemoPages;
let b: ExtensionBrowser;

const sessionsOf = (user: string) =>
  db.query<{ token_hash: string; ended_reason: string | null; replaced_by: string | null }>('SELECT token_hash, ended_reason, replaced_by FROM sessions WHERE user_id = $1 ORDER BY created_at', [
    user,
  ]);
const authAudit = async (user: string) => (await db.query<{ action: string }>("SELECT action FROM audit WHERE actor = $1 AND action LIKE 'auth.%' ORDER BY seq", [user])).map((r) => r.action);

beforeAll(async () => {
  idp = await startDemoIdp({ port: 0, accessTokenTtl: 10 });
  const world = JSON.parse(readFileSync(DEMO_WORLD, 'utf8'));
  world.organization.identity = { issuer: idp.issuer, clientId: 'access-companion' };
  db = await openDb({});
  api = await createApp({ world, db, log: () => undefined, sessionTtlMs: SESSION_MS });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
  });
  base = `http://localhost:${(server.address() as AddressInfo).port}`;
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

async function openOptions(): Promise<Page> {
  const options = await b.context.newPage();
  await options.goto(`chrome-extension://${b.extensionId}/src/options/index.html`);
  return options;
}

async function openPopup(): Promise<Page> {
  const popup = await b.context.newPage();
  await popup.goto(`chrome-extension://${b.extensionId}/src/popup/index.html`);
  return popup;
}

const worker = () => b.context.serviceWorkers().find((sw) => sw.url().includes(b.extensionId))!;

describe('sign in with the identity provider', () => {
  test('sign in on the provider’s page; the panel shows that person’s decision', async () => {
    const options = await openOptions();
    await options.getByLabel('Access API address').fill(base);
    const signIn = options.getByRole('button', { name: 'Sign in with Acme Corp' });
    await signIn.waitFor();
    await screenshot(options, 'oidc-options-signed-out');

    const providerPage = b.context.waitForEvent('page', { predicate: (p) => p.url().startsWith(idp.issuer) });
    await signIn.click();
    const login = await providerPage;
    await login.getByLabel('Email').waitFor();
    await screenshot(login, 'oidc-provider-login');
    await login.getByLabel('Email').fill('Priya@Acme.test');
    await login.getByLabel('Password').fill('demo');
    await login.getByRole('button', { name: 'Sign in' }).click();

    await expect.poll(() => options.getByRole('status').textContent(), { timeout: 20_000 }).toMatch(/Signed in as Priya Raman \(priya@acme\.test\), Acme Corp · through your identity provider/);
    // Said once: no second "Signed in" anywhere on the page.
    expect(await options.getByText('Signed in', { exact: false }).count()).toBe(1);
    // Sign out is not dressed as the page's primary action (issue 23): its fill is not the one a
    // plain button of this page gets.
    const fill = await options.getByRole('button', { name: 'Sign out' }).evaluate((signOut) => {
      const plain = document.createElement('button');
      signOut.parentElement!.append(plain);
      const primary = getComputedStyle(plain).backgroundColor;
      plain.remove();
      return { signOut: getComputedStyle(signOut).backgroundColor, primary };
    });
    expect(fill.signOut).not.toBe(fill.primary);
    await screenshot(options, 'oidc-options-signed-in');

    // The session token, the refresh token and the provider's answers stay in the worker.
    const stored = JSON.stringify(await options.evaluate(() => chrome.storage.local.get(null)));
    expect(stored).not.toMatch(/acs_|eyJ/);

    const page = await b.context.newPage();
    await page.goto(demo.ticketUrl('PS-101'));
    const panel = await ticketPanel(page, 'PS-101');
    expect(await text(panel, '.decision')).toMatch(/as Product admin/);
    expect(await authAudit('priya')).toEqual(['auth.sign_in']);

    const popup = await openPopup();
    await popup.getByLabel('Signed in as').waitFor();
    expect(await popup.getByLabel('Signed in as').textContent()).toMatch(/Priya Raman · Acme Corp · priya@acme\.test/);
    await screenshot(popup, 'oidc-popup-account');
    await popup.close();
    await page.close();
    await options.close();
  });

  test('the session is renewed from the refresh token without a prompt, and survives a worker restart', async () => {
    const [first] = await sessionsOf('priya');
    const pages = b.context.pages().length;
    // Each popup load asks the background for a fresh poll, which renews a session past half its life.
    await expect
      .poll(
        async () => {
          const popup = await openPopup();
          await popup.getByRole('heading', { name: 'Waiting on you' }).waitFor();
          await popup.close();
          return (await authAudit('priya')).includes('auth.session_renew');
        },
        { timeout: 40_000, interval: 2_000 },
      )
      .toBe(true);
    const rows = await sessionsOf('priya');
    expect(rows).toHaveLength(2);
    expect(rows[0]!.token_hash).toBe(first!.token_hash);
    expect(rows[0]!.replaced_by).toBe(rows[1]!.token_hash);
    // No sign-in window was opened for it.
    expect(b.context.pages().filter((p) => p.url().startsWith(idp.issuer))).toHaveLength(0);
    expect(b.context.pages().length).toBe(pages);

    const host = await b.context.newPage();
    await host.goto(demo.ticketUrl('PS-101'));
    await stopExtensionWorker(b, host);
    const panel = await ticketPanel(host, 'PS-101');
    expect(await text(panel, '.decision')).toMatch(/as Product admin/);
    await host.close();
  });

  test('a session ended at the API is refused: popup, panel and badge say signed out', async () => {
    const page = await b.context.newPage();
    await page.goto(demo.ticketUrl('PS-101'));
    await ticketPanel(page, 'PS-101');
    const popup = await openPopup();
    await popup.getByRole('heading', { name: 'Waiting on you' }).waitFor();

    // Ended at the API (as a sign-out elsewhere or an admin would): every session of priya's.
    await db.query("UPDATE sessions SET ended_at = $1, ended_reason = 'signed_out' WHERE user_id = 'priya' AND ended_at IS NULL", [Date.now()]);
    await popup.reload();
    await popup.getByText('Signed out: sign in again.').waitFor({ timeout: 20_000 });
    expect(await popup.getByRole('status').textContent()).toMatch(/Your session ended at the Access API/);
    await popup.getByRole('button', { name: 'Sign in' }).waitFor();
    await screenshot(popup, 'oidc-popup-signed-out');
    await page.reload();
    const frame = await (async () => {
      for (let i = 0; i < 100; i++) {
        const f = page.frames().find((x) => x.url().includes('/src/panel/') && !x.isDetached());
        if (
          f &&
          (await f
            .getByText('Signed out: sign in again')
            .count()
            .catch(() => 0)) > 0
        )
          return f;
        await page.waitForTimeout(200);
      }
      throw new Error('the panel never said signed out');
    })();
    expect(await frame.getByText('Signed out: sign in again').first().textContent()).toMatch(/session ended/);
    expect(await worker().evaluate(() => chrome.action.getBadgeText({}))).toBe('OUT');
    expect(await authAudit('priya')).toContain('auth.session_refused');
    await page.close();
    await popup.close();
  });

  test('signing in again reuses the provider’s session; Switch account asks who; sign-out ends both sessions', async () => {
    const options = await openOptions();
    await options.getByRole('button', { name: 'Sign in with Acme Corp' }).click();
    // The provider still knows priya: no login form this time.
    await expect.poll(() => options.getByRole('status').textContent(), { timeout: 20_000 }).toMatch(/Signed in as Priya Raman/);
    expect(await worker().evaluate(() => chrome.action.getBadgeText({}))).not.toBe('OUT');
    expect((await sessionsOf('priya')).filter((r) => r.ended_reason === null)).toHaveLength(1);

    // Switch account: the provider asks again (prompt=login), and another person signs in.
    const providerPage = b.context.waitForEvent('page', { predicate: (p) => p.url().startsWith(idp.issuer) });
    await options.getByRole('button', { name: 'Switch account' }).click();
    const login = await providerPage;
    await login.getByLabel('Email').fill('alice@acme.test');
    await login.getByLabel('Password').fill('demo');
    await login.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => options.getByRole('status').textContent(), { timeout: 20_000 }).toMatch(/Signed in as Alice Ng \(alice@acme\.test\)/);
    const page = await b.context.newPage();
    await page.goto(demo.ticketUrl('PS-101'));
    expect(await text(await ticketPanel(page, 'PS-101'), '.decision')).toMatch(/as Organization admin/);
    await page.close();

    const [live] = (await sessionsOf('alice')).filter((r) => r.ended_reason === null);
    await options.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => options.getByRole('status').textContent(), { timeout: 20_000 }).toMatch(/Signed out\. Cached data was removed/);
    await expect.poll(async () => (await sessionsOf('alice')).find((r) => r.token_hash === live!.token_hash)?.ended_reason).toBe('signed_out');
    expect((await authAudit('alice')).at(-1)).toBe('auth.sign_out');
    await screenshot(options, 'oidc-options-after-sign-out');

    // The provider's session ended too: signing in again asks who is signing in.
    const again = b.context.waitForEvent('page', { predicate: (p) => p.url().startsWith(idp.issuer) });
    await options.getByRole('button', { name: 'Sign in with Acme Corp' }).click();
    const form = await again;
    await form.getByLabel('Email').waitFor();
    await form.close();
    await expect.poll(() => options.getByRole('alert').textContent(), { timeout: 20_000 }).toBeTruthy();
    await options.close();
  });
});
