// Security → Audit log says who did what to what, in words (issue 23): people, tickets and products
// by name (it showed `access_request ar_…` and `admin priya`), refusals with their reason, an
// AI-conversation revoke as such, an "Audit log" heading, a ticket filter of tickets only; exports
// the filtered log as CSV and JSON Lines; and Dev, who may not read the log, gets no filters for it.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, consoleFrame, signIn, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { screenshot } from './harness';

let w: ConsoleWorld;
const squash = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

describe('admin console: audit log in words', () => {
  beforeAll(async () => {
    w = await startConsoleWorld('alice-token');
    const asked = await apiCall(w.api, 'oscar-token', 'POST', '/v1/access-requests', { site: 'acme-main', product: 'confluence' });
    expect((await apiCall(w.api, 'dev-token', 'POST', `/v1/access-requests/${asked.body.id}/deny`, { message: 'No.' })).status).toBe(200);
    expect((await apiCall(w.api, 'bob-token', 'POST', '/v1/tickets/PS-102/grants')).status).toBe(403); // wrong site: refused, on record
    const ai = await apiCall(w.api, 'alice-token', 'POST', '/v1/tickets/PS-105/ai-grants', { conversations: ['rovo-conv-8812'] });
    expect(ai.status).toBe(201);
    expect((await apiCall(w.api, 'alice-token', 'POST', `/v1/grants/${ai.body.id}/revoke`)).status).toBe(200);
    expect((await apiCall(w.api, 'alice-token', 'POST', '/v1/tickets/PS-101/grants')).status).toBe(201);
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
    expect(row(/Revoked AI conversation access/)).toContain('AI conversations on PS-105');
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
    const total = (await apiCall(w.api, 'alice-token', 'GET', '/v1/audit?limit=1')).body.total as number;
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

  test('Dev, who may not read the audit log, gets the answer and no filters for it', async () => {
    await signIn(w, 'dev-token');
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.adminPageUrl('security/audit-log'));
    const frame = await consoleFrame(page);
    await expect.poll(() => frame.getByRole('alert').count(), { timeout: 15_000 }).toBe(1);
    await screenshot(page, 'console-audit-log-dev');
    expect(squash(await frame.getByRole('alert').textContent())).toMatch(/org admins/);
    expect(await frame.getByRole('group', { name: 'Audit log filters' }).count()).toBe(0);
    expect(await frame.getByRole('button', { name: /Support actors only|Export/ }).count()).toBe(0);
    await page.close();
    await signIn(w, 'alice-token');
  });
});
