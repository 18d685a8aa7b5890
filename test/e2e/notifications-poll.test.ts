// Notifications and badge with the popup closed: the 30 s alarm poll delivers, also after the
// worker was stopped (DevTools protocol), and nothing is notified twice.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Worker } from 'playwright-core';
import { apiCall, pollViaAlarm, serviceWorker, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { stopExtensionWorker } from './harness';
import { ROUTES } from '../../src/api/contract';

let w: ConsoleWorld;

const notificationIds = (sw: Worker) => sw.evaluate(async () => Object.keys(await chrome.notifications.getAll()));
const badge = (sw: Worker) => sw.evaluate(() => chrome.action.getBadgeText({}));
const clearAll = (sw: Worker) =>
  sw.evaluate(async () => {
    for (const id of Object.keys(await chrome.notifications.getAll())) await chrome.notifications.clear(id);
  });

describe('notifications', () => {
  beforeAll(async () => {
    w = await startConsoleWorld('alice-token');
    const sw = await serviceWorker(w.browser);
    // The first sync after sign-in announces the backlog; start each test from a clean tray.
    await pollViaAlarm(w.browser);
    await clearAll(sw);
  });
  afterAll(async () => {
    await w?.close();
  });

  test('a new request raises one notification and the badge within one poll (the poll alarm, fired now)', async () => {
    const sw = await serviceWorker(w.browser);
    const before = Number(await badge(sw));
    const req = await apiCall(w.api, 'nina-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira-service-management' });
    expect(req.status).toBe(201);
    await pollViaAlarm(w.browser);
    const ids = await notificationIds(sw);
    expect(ids.filter((id) => id.startsWith('inbox:'))).toHaveLength(1);
    expect(Number(await badge(sw))).toBe(before + 1);
    // Polling again (304) announces nothing new.
    await clearAll(sw);
    await pollViaAlarm(w.browser);
    expect(await notificationIds(sw)).toEqual([]);
  });

  test('the worker stopped between polls: the real alarm still delivers, nothing twice', async () => {
    // A plain web page hosts the DevTools session; no extension page stays open to wake the worker.
    const page = await w.browser.context.newPage();
    await page.goto(w.demo.supportUrl);
    await stopExtensionWorker(w.browser, page);

    const req = await apiCall(w.api, 'priya-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira' });
    expect(req.status).toBe(201);
    // The real 30 s alarm wakes the worker and polls.
    const current = async () => notificationIds(await serviceWorker(w.browser)).catch(() => [] as string[]);
    await expect.poll(current, { timeout: 70_000, interval: 1000 }).toEqual(expect.arrayContaining([expect.stringMatching(/^inbox:/)]));
    const ids = await current();
    // Exactly the one new item: items notified before the restart are not notified again.
    expect(ids.filter((id) => id.startsWith('inbox:'))).toHaveLength(1);
    expect(ids.some((id) => id.includes(String(req.body.id)))).toBe(true);
    await page.close();
  });
});
