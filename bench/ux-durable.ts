// The durability promise as an admin feels it: from a click on Grant access / Revoke access in the
// ticket panel (real Chromium, the extension built by bench/ux.ts) to Support's next access check
// answering allowed / refused, against the API as deployed: its own process (`npm run api`, built),
// PGlite in a --data folder on disk, every commit synced before its answer.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { UX } from './lib/expected';
import { summarize, type Row } from './lib/stats';
import { spawnApi } from './server/spawn-api';
import { apiCall, ROOT, serviceWorker } from './ux-world';

const TICKET = 'PS-101'; // Confluence on acme-main, open; priya is its product admin, sam its engineer
const ADMIN = 'priya-token';

/** `apiArgs`: more arguments for the API (`--unsafe-no-sync` to see what the sync costs). */
export async function benchClickToCheck(dist: string, quick: boolean, apiArgs: string[] = []): Promise<Row[]> {
  const { launchWithExtension, startTestDemoPages, clickArmed, parkedFrame } = await import('../test/e2e/harness');
  const dir = mkdtempSync(join(tmpdir(), 'ac-bench-durable-'));
  const api = await spawnApi({ fixture: join(ROOT, 'fixtures/demo-world.json'), args: ['--data', join(dir, 'data'), ...apiArgs] });
  try {
    const health = (await (await fetch(`${api.base}/healthz`)).json()) as { durable?: boolean };
    if (health.durable !== !apiArgs.includes('--unsafe-no-sync')) throw new Error(`the API does not say it is durable: ${JSON.stringify(health)}`);
    const demo = await startTestDemoPages({ apiUrl: api.base });
    const browser = await launchWithExtension(dist);
    try {
      const sw = await serviceWorker(browser);
      await sw.evaluate(
        async ([apiBaseUrl, token, consoleUrl]) => {
          await chrome.storage.local.set({ apiBaseUrl, token, consoleUrl });
        },
        [api.base, ADMIN, demo.adminUrl] as const,
      );
      await new Promise((r) => setTimeout(r, 1_000)); // the options page opens itself on install
      for (const p of browser.context.pages()) if (p.url().startsWith('chrome-extension://')) await p.close();
      const page = await browser.context.newPage();
      await page.goto(demo.ticketUrl(TICKET));
      const panel = async (): Promise<Frame> => {
        for (let i = 0; i < 400; i++) {
          const f = page.frames().find((x) => x.url().includes('/src/panel/') && !x.isDetached() && !parkedFrame(x));
          if (
            f &&
            (await f
              .locator('.decision')
              .count()
              .catch(() => 0)) > 0
          )
            return f;
          await page.waitForTimeout(50);
        }
        throw new Error(`the panel for ${TICKET} never showed its decision`);
      };
      const checkTimes: number[] = [];
      const check = async () => {
        const t = performance.now();
        const allowed = (await apiCall(api, 'sam-token', 'POST', '/v1/access/check', { ticket: TICKET, resource: { type: 'page', id: 'export-settings' } })).body?.allowed;
        checkTimes.push(performance.now() - t);
        return allowed;
      };
      /** Click `button` (armed: on screen long enough to count as a person's click), then Support checks until the answer is `want`: ms. */
      const clickToCheck = async (button: string, want: boolean): Promise<number> => {
        const f = await panel();
        const b = f.getByRole('button', { name: button });
        await b.waitFor({ timeout: 15_000 });
        await b.scrollIntoViewIfNeeded();
        await b.hover();
        await f.locator(`button[data-armed="true"]`).filter({ hasText: button }).waitFor({ timeout: 15_000 });
        const t0 = performance.now();
        await clickArmed(f, b);
        for (;;) {
          if ((await check()) === want) return performance.now() - t0;
          if (performance.now() - t0 > 15_000) throw new Error(`${button}: Support's check did not turn ${want ? 'allowed' : 'refused'} within 15 s`);
        }
      };
      const clicks = quick ? 10 : 20;
      const grant: number[] = [];
      const revoke: number[] = [];
      for (let i = 0; i < clicks; i++) {
        grant.push(await clickToCheck('Grant access', true));
        revoke.push(await clickToCheck('Revoke access', false));
      }
      await page.close();
      const row = (x: typeof UX.grantClick, s: number[], what: string): Row => {
        const st = summarize(s);
        return {
          ...x,
          value: st.p99,
          median: st.median,
          p99: st.p99,
          latencyUnit: 'ms',
          met: st.p99 <= 1_000,
          note: `${s.length} clicks in the ticket panel (real Chromium, the demo build), each timed from the click to the first of Support's access checks (sent back to back over HTTP) that answers ${what}; the API as deployed: its own process, PGlite in a --data folder on disk, every commit synced before its answer (/healthz durable: true); one check's round trip (its audit row synced): median ${summarize(checkTimes).median.toFixed(1)} ms; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`,
        };
      };
      return [row(UX.grantClick, grant, 'allowed'), row(UX.revokeClick, revoke, 'refused')];
    } finally {
      await browser.close();
      await demo.close();
    }
  } finally {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
