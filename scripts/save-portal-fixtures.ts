// Saves rendered demo portal pages as the adapter's test fixtures (test/content/fixtures/*.html).
// Re-run after changing demo/: `npx tsx scripts/save-portal-fixtures.ts`.
import { chromium } from 'playwright-core';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDemoPages } from './demo-pages';

const OUT = join(import.meta.dirname, '..', 'test', 'content', 'fixtures');
const demo = await startDemoPages({ supportPort: 0, adminPort: 0 });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage();
  const save = async (name: string, url: string, ready: string) => {
    await page.goto(url);
    await page.locator(ready).first().waitFor();
    writeFileSync(join(OUT, `${name}.html`), await page.content());
    console.log(`saved ${name}.html`);
  };
  await save('portal-ticket-PS-101', demo.ticketUrl('PS-101'), 'aside');
  await save('portal-ticket-PS-105', demo.ticketUrl('PS-105'), 'aside');
  await save('portal-ticket-loading', demo.ticketUrl('PS-102'), '[role="status"]');
  await save('portal-requests', `${demo.supportUrl}/servicedesk/customer/user/requests`, 'table');
} finally {
  await browser.close();
  await demo.close();
}
