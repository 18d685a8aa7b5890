// Security → Audit log says who did what to what, in words (issue 23): people, tickets and products
// by name (it showed `access_request ar_…` and `admin priya`), refusals with their reason, an
// AI-conversation revoke naming its conversations, an "Audit log" heading, a ticket filter of tickets
// only; exports the filtered log as CSV and JSON Lines; Verify says the signed trail's verdict in
// words; and Dev, who may not read the log, gets no filters or tools for it.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, consoleFrame, signIn, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { screenshot } from './harness';
import { ROUTES } from '../../src/api/contract';

let w: ConsoleWorld;
const squash = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

describe('admin console: audit log in words', () => {
  beforeAll(async () => {
    w = await startConsoleWorld('alice-token', { signAudit: true });
    const asked = await apiCall(w.api, 'oscar-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence' });
    expect((await apiCall(w.api, 'dev-token', ROUTES.denyAccessRequest, { id: asked.body.id }, { message: 'No.' })).status).toBe(200);
    expect((await apiCall(w.api, 'bob-token', ROUTES.grant, { key: 'PS-102' })).status).toBe(403); // wrong site: refused, on record
    const ai = await apiCall(w.api, 'alice-token', ROUTES.grantAiConversations, { key: 'PS-105' }, { conversations: ['rovo-conv-8812'] });
    expect(ai.status).toBe(201);
    expect((await apiCall(w.api, 'alice-token', ROUTES.revoke, { id: ai.body.id })).status).toBe(200);
    expect((await apiCall(w.api, 'alice-token', ROUTES.grant, { key: 'PS-101' })).status).toBe(201);
  });
  afterAll(async () => {
    await w?.close();
  });

  test('people, tickets and products by name; refusals with reasons; AI revoke said as such', async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('security/audit-log'));
    const frame = await consoleFrame(page);
    const table = frame.getByRole('table', { name: 'Audit entries' });
    await table.waitFor({ timeout: 15_000 });
    await screenshot(page, 'console-audit-log-words');
    expect(squash(await frame.locator('h1').textContent())).toBe('Access Companion · Audit log');
    const rows = (await table.locator('tbody tr').allTextContents()).map(squash);
    const row = (re: RegExp) => rows.find((r) => re.test(r)) ?? '';
    expect(row(/Dev Patel.*Denied product access/)).toContain('Confluence on acme.atlassian.net for Oscar Reyes');
    expect(row(/Bob Okafor/)).toMatch(/Refused: .+/);
    expect(row(/Bob Okafor/)).toContain('PS-102');
    // Which conversations, by title and owner (issue 23), not a bare revoke.
    expect(row(/Revoked AI conversation access/)).toContain('AI conversations “Why does the nightly export stop at 2 AM?” (Tomás Ferreira) on PS-105');
    expect(row(/Alice Ng.*Granted data access/)).toContain('Data access on PS-101');
    for (const r of rows) {
      expect(r).not.toMatch(/\b(ar|sr|gr)_[A-Za-z0-9_-]{6,}/);
      expect(r).not.toMatch(/access_request |admin [a-z]+\b|— refused · /);
    }
    // The ticket filter lists tickets only, by key and title.
    const options = (await frame.getByLabel('Ticket', { exact: true }).locator('option').allTextContents()).map(squash);
    expect(options[0]).toBe('All tickets');
    expect(options).toContain('PS-101 · Confluence page export to PDF times out');
    await page.close();
  });

  test('Export CSV and JSON Lines: every row of the filter, in one file each', async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('security/audit-log'));
    const frame = await consoleFrame(page);
    await frame.getByRole('table', { name: 'Audit entries' }).waitFor({ timeout: 15_000 });
    const total = (await apiCall(w.api, 'alice-token', ROUTES.audit, { query: { limit: 1 } })).body.total as number;
    expect(total).toBeGreaterThan(3);

    const [csv] = await Promise.all([page.waitForEvent('download'), frame.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(csv.suggestedFilename()).toBe('audit-log.csv');
    const lines = readFileSync((await csv.path())!, 'utf8')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe('seq,at,actor,actorId,actorKind,action,actionCode,outcome,reason,resource,ticket');
    expect(lines).toHaveLength(total + 1);
    expect(lines.some((l) => l.includes('Confluence on acme.atlassian.net for Oscar Reyes'))).toBe(true);

    const [jsonl] = await Promise.all([page.waitForEvent('download'), frame.getByRole('button', { name: 'Export JSON Lines' }).click()]);
    expect(jsonl.suggestedFilename()).toBe('audit-log.jsonl');
    const records = readFileSync((await jsonl.path())!, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { actionCode: string; outcome: string; reason: string });
    expect(records).toHaveLength(total);
    expect(records.find((r) => r.outcome === 'refused' && r.actionCode === 'grant.create')?.reason).toBeTruthy();
    expect(squash(await frame.getByRole('status').filter({ hasText: 'Exported' }).textContent())).toBe(`Exported ${total} rows to audit-log.jsonl.`);
    await page.close();
  });

  test('Verify says the verdict in words, and says where the log breaks', async () => {
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('security/audit-log'));
    const frame = await consoleFrame(page);
    await frame.getByRole('table', { name: 'Audit entries' }).waitFor({ timeout: 15_000 });
    const signed = await w.api.tick!();
    expect(signed).toBeDefined();
    const verdict = frame.locator('#audit-verdict');
    // A keyboard press runs it: Verify reads, it changes nothing, so it needs no confirmation.
    await frame.getByRole('button', { name: 'Verify' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => verdict.textContent(), { timeout: 30_000 }).toMatch(/^Intact/);
    const total = (await apiCall(w.api, 'alice-token', ROUTES.audit, { query: { limit: 1 } })).body.total as number;
    const text = squash(await verdict.locator('b').textContent());
    expect(text).toMatch(new RegExp(`^Intact: ${total.toLocaleString('en-US')} entries, signed head #${signed!.seq.toLocaleString('en-US')} by key [0-9a-f]{16} at .+\\.$`));
    expect(await frame.getByRole('status').filter({ hasText: 'Intact' }).count()).toBe(1);
    await screenshot(page, 'console-audit-verify-intact');

    // Someone with write access to the database edits an entry: Verify names it and why.
    await w.api.tamper!(2);
    await frame.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => verdict.textContent(), { timeout: 30_000 }).toMatch(/^Broken at entry 2: /);
    expect(await verdict.getAttribute('class')).toContain('broken');
    await screenshot(page, 'console-audit-verify-broken');
    await page.close();
  });

  test('Dev, who may not read the audit log, gets the answer and no filters for it', async () => {
    await signIn(w, 'dev-token');
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('security/audit-log'));
    const frame = await consoleFrame(page);
    await expect.poll(() => frame.getByRole('alert').count(), { timeout: 15_000 }).toBe(1);
    await screenshot(page, 'console-audit-log-dev');
    expect(squash(await frame.getByRole('alert').textContent())).toMatch(/org admins/);
    expect(await frame.getByRole('group', { name: 'Audit log filters' }).count()).toBe(0);
    expect(await frame.getByRole('button', { name: /Support actors only|Export|Verify/ }).count()).toBe(0);
    await page.close();
    await signIn(w, 'alice-token');
  });
});
