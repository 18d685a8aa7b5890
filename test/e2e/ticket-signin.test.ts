// Sign-in on the options page: the background checks the token with GET /v1/me, keeps it where no
// content script can read it, and sign-out leaves nothing cached. The panel follows along.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openAdvancedTokenForm, shoot, startTicketWorld, text, ticketPanel, type TicketWorld } from './ticket-helpers';
import { parkedFrame, screenshot } from './harness';

let w: TicketWorld;

describe('ticket panel: sign-in', () => {
  beforeAll(async () => {
    w = await startTicketWorld();
  });
  afterAll(async () => {
    await w?.close();
  });

  test('signed out → sign-in prompt; wrong tokens refused with the reason; signed in → decision; sign out → prompt again', async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.ticketUrl('PS-101'));
    const panelFrame = async () => {
      for (;;) {
        const f = page.frames().find((x) => x.url().includes('/src/panel/') && !parkedFrame(x));
        if (
          f &&
          (await f
            .locator('.signed-out, .decision')
            .count()
            .catch(() => 0)) > 0
        )
          return f;
        await page.waitForTimeout(100);
      }
    };
    const panel = await panelFrame();
    await expect.poll(() => text(panel, '.signed-out'), { timeout: 15_000 }).toMatch(/Sign in to see who can grant access/);
    await shoot(page, 'ticket-signed-out');

    const options = await w.browser.context.newPage();
    const url = `chrome-extension://${w.browser.extensionId}/src/options/index.html`;
    await options.goto(url).catch(async () => {
      await options.waitForTimeout(500);
      await options.goto(url);
    });
    await options.getByLabel('Access API address').fill(w.api.base);
    await openAdvancedTokenForm(options);
    const submit = async (token: string) => {
      await options.getByLabel('Personal access token').fill(token);
      await options.getByRole('button', { name: 'Sign in with token' }).click();
    };
    // Refusals are alerts; the one status line says who is signed in.
    await submit('nobody-token');
    await expect.poll(() => options.getByRole('alert').textContent()).toMatch(/did not accept this token/);
    await submit('sam-token');
    await expect.poll(() => options.getByRole('alert').textContent()).toMatch(/belongs to a Support engineer/);
    await submit('alice-token');
    await expect.poll(() => options.getByRole('status').textContent()).toMatch(/Signed in as Alice Ng \(alice@.*\), Acme Corp/);
    await screenshot(options, 'options-signed-in');

    // chrome.storage.local is readable by content scripts: the token must not be there.
    const stored = await options.evaluate(() => chrome.storage.local.get(null));
    expect(JSON.stringify(stored)).not.toContain('alice-token');

    const signedIn = await ticketPanel(page, 'PS-101');
    expect(await text(signedIn, '.decision')).toMatch(/as Organization admin/);

    await options.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => options.getByRole('status').textContent()).toMatch(/Signed out/);
    await expect.poll(() => text(signedIn, '.signed-out'), { timeout: 15_000 }).toMatch(/Sign in/);
    await options.close();
    await page.close();
  });
});
