// A person the API stops vouching for (deactivated by SCIM: the next call is a 401, the extension
// signs them out) must not see what the API once decided for them: the cached ticket answers go with
// the sign-out, so a ticket panel opened afterwards never paints "You can grant" from them, not even
// for a moment before it learns it is signed out. Outside review of 2026-12-07.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, type ConsoleWorld, startConsoleWorld } from './console-helpers';
import { panelFrame } from './harness';
import { ROUTES } from '../../src/api/contract';

let w: ConsoleWorld;

describe('signed out by a 401: the cached decisions go too', () => {
  beforeAll(async () => {
    w = await startConsoleWorld('bob-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('a person deactivated by SCIM is signed out, and the ticket panel opened next never paints "You can grant"', async () => {
    // Bob may grant PS-107: the panel says so, and the answer is cached.
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.ticketUrl('PS-107'));
    const first = await panelFrame(page);
    await first.getByText('You can grant Support access').waitFor({ timeout: 20_000 });
    await page.close();

    // The identity provider deactivates Bob through SCIM.
    const key = await apiCall(w.api, 'alice-token', ROUTES.createApiKey, { name: 'scim', scopes: ['scim'] });
    expect(key.status).toBe(201);
    const deactivated = await fetch(`${w.api.base}/scim/v2/Users/bob`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${key.body.secret}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] }),
    });
    expect(deactivated.status).toBe(200);

    // The extension learns of it from the API's 401 and signs Bob out.
    const popup = await w.browser.context.newPage();
    await popup.goto(`chrome-extension://${w.browser.extensionId}/src/popup/index.html`);
    await popup.getByText('Signed out: sign in again').first().waitFor({ timeout: 30_000 });
    await popup.close();

    // Record every text the panel ever paints, from its first node on.
    await w.browser.context.addInitScript(() => {
      if (!location.href.includes('/src/panel/')) return;
      const seen: string[] = [];
      (window as unknown as { __seen: string[] }).__seen = seen;
      const record = () => {
        const text = (document.body?.innerText ?? '').replace(/\s+/g, ' ').trim();
        if (text && seen[seen.length - 1] !== text) seen.push(text);
      };
      new MutationObserver(record).observe(document, { subtree: true, childList: true, characterData: true });
    });
    const again = await w.browser.context.newPage();
    await again.goto(w.demo.ticketUrl('PS-107'));
    const panel = await panelFrame(again);
    await panel.getByText('Signed out').first().waitFor({ timeout: 20_000 });
    const seen = await panel.evaluate(() => (window as unknown as { __seen?: string[] }).__seen);
    expect(seen, 'the recorder ran in the panel').toBeDefined();
    expect(seen?.length).toBeGreaterThan(0);
    expect(seen?.filter((text) => /You can grant/.test(text))).toEqual([]);
    expect(seen?.at(-1)).toMatch(/Signed out/);
    await again.close();
  });
});
