// Names and titles others typed can carry invisible characters: a right-to-left override in a
// person's name turns the rest of a panel line around ("Trojan Source"), a zero-width space makes two
// names look alike. The API stores what it was given; every surface shows it through displayText
// (src/shared-ext/format.ts). A world whose people, ticket title and AI conversation title carry bidi
// controls and zero-width characters: the panel, the popup and the console pages (the audit log
// too) show none of them, in their text or their accessible names, and still name everyone.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seriousViolations } from './axe-helpers';
import { apiCall, type ConsoleWorld, consoleFrame, startConsoleWorld } from './console-helpers';
import { panelFrame, ROOT, screenshot } from './harness';
import { ROUTES } from '../../src/api/contract';

const INVISIBLE = /[\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/;
// Bob's name would read "Bob Okafor (org admin)" with the override obeyed; the title hides a word order.
const BOB = 'Bob\u200B Okafor \u202E)nimda gro(\u202C';
const SAM = '\u2067Sam Ortiz\u2069';
const TITLE = 'Workflow \u202Eliaf\u202C transition\u200B with a 500 error';
const CONVERSATION = 'Why does the \u2066nightly\u2069 export stop at 2 AM?';

let w: ConsoleWorld;
let dir: string;
const squash = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

/** Every string a person or a screen reader gets from `frame`: its text and its accessible names. */
async function readable(frame: Frame): Promise<string> {
  return frame.evaluate(() =>
    [
      document.body.textContent ?? '',
      ...[...document.querySelectorAll('[aria-label], [title], [placeholder]')].flatMap((e) => [
        e.getAttribute('aria-label') ?? '',
        e.getAttribute('title') ?? '',
        e.getAttribute('placeholder') ?? '',
      ]),
    ].join('\n'),
  );
}

async function lookedAt(page: Page, frame: Frame, name: string): Promise<string> {
  await page.waitForTimeout(250); // the frame's height settles before the picture
  await screenshot(page, name);
  expect(await seriousViolations(frame)).toEqual([]);
  const text = await readable(frame);
  expect(text.match(INVISIBLE)?.[0]?.codePointAt(0)?.toString(16), `an invisible character in ${name}`).toBeUndefined();
  return squash(text);
}

describe('names and titles with bidi controls and zero-width characters', () => {
  beforeAll(async () => {
    const world = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'demo-world.json'), 'utf8'));
    world.users.find((u: { id: string }) => u.id === 'bob').name = BOB;
    world.engineers.find((e: { id: string }) => e.id === 'sam').name = SAM;
    world.tickets.find((t: { key: string }) => t.key === 'PS-107').title = TITLE;
    world.tickets.find((t: { key: string }) => t.key === 'PS-105').aiConversationsRequested[0].title = CONVERSATION;
    dir = mkdtempSync(join(tmpdir(), 'display-text-'));
    const file = join(dir, 'world.json');
    writeFileSync(file, JSON.stringify(world));
    w = await startConsoleWorld('alice-token', { fixture: file, pagesWorldFile: file });
    // Bob grants PS-107: the panel, popup and console name him as its granter.
    expect((await apiCall(w.api, 'bob-token', ROUTES.grant, { key: 'PS-107' })).status).toBe(201);
    // The API keeps what it was given: the test is about what we show.
    const ticket = await apiCall(w.api, 'alice-token', ROUTES.ticket, { key: 'PS-107' });
    expect(ticket.body.title).toBe(TITLE);
  });
  afterAll(async () => {
    await w?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the ticket panel', async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.ticketUrl('PS-107'));
    const panel = await panelFrame(page, 20_000);
    await panel.locator('[data-state="active"]').waitFor({ timeout: 15_000 });
    const text = await lookedAt(page, panel, 'display-text-panel');
    expect(text).toContain('Workflow liaf transition with a 500 error');
    expect(text).toContain('granted by Bob Okafor )nimda gro(');
    expect(text).toMatch(/Others who can grant.*Bob Okafor \)nimda gro\(/i);
    await page.close();
  });

  test('the ticket panel: AI conversations', async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.ticketUrl('PS-105'));
    const panel = await panelFrame(page, 20_000);
    await panel.locator('[data-conversation="rovo-conv-8812"]').first().waitFor({ timeout: 15_000 });
    const text = await lookedAt(page, panel, 'display-text-panel-ai');
    expect(text).toContain('Why does the nightly export stop at 2 AM?');
    await page.close();
  });

  test('the popup', async () => {
    const popup = await w.browser.context.newPage();
    await popup.setViewportSize({ width: 400, height: 720 });
    await popup.goto(`chrome-extension://${w.browser.extensionId}/src/popup/index.html`);
    await popup.locator('li.grant').first().waitFor({ timeout: 15_000 });
    await expect.poll(async () => squash(await popup.locator('body').textContent()), { timeout: 15_000 }).toContain('Bob Okafor )nimda gro( requests Jira');
    const text = await lookedAt(popup, popup.mainFrame(), 'display-text-popup');
    expect(text).toContain('Sam Ortiz · since');
    await popup.close();
  });

  test('the console: Support access, Access requests, Roles and the audit log', async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('settings/support-access'));
    let frame = await consoleFrame(page);
    await frame.getByRole('table', { name: 'Active grants' }).waitFor({ timeout: 15_000 });
    let text = await lookedAt(page, frame, 'display-text-console-support-access');
    expect(text).toContain('Sam Ortiz');

    await page.goto(w.demo.adminPageUrl('access-requests'));
    frame = await consoleFrame(page);
    await frame.locator('section[data-request="ar_demo-bob-for-priya"]').waitFor({ timeout: 15_000 });
    text = await lookedAt(page, frame, 'display-text-console-access-requests');
    expect(text).toContain("Approve Bob Okafor )nimda gro('s Jira request for Priya Raman");

    await page.goto(w.demo.adminPageUrl('directory/roles'));
    frame = await consoleFrame(page);
    await frame.getByLabel('Product', { exact: true }).selectOption('jira');
    await frame.locator('tr[data-user="bob"]').waitFor({ timeout: 15_000 });
    text = await lookedAt(page, frame, 'display-text-console-roles');
    expect(text).toContain("Remove Bob Okafor )nimda gro('s role…");

    // The audit log shows Bob's grant by his name; its export keeps the log's own text.
    await page.goto(w.demo.adminPageUrl('security/audit-log'));
    frame = await consoleFrame(page);
    await frame.getByRole('table', { name: 'Audit entries' }).waitFor({ timeout: 15_000 });
    await expect.poll(async () => squash(await frame.getByRole('table', { name: 'Audit entries' }).textContent()), { timeout: 15_000 }).toContain('Bob Okafor )nimda gro(');
    await lookedAt(page, frame, 'display-text-console-audit-log');
    await page.close();
  });
});
