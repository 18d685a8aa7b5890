// Grant notifications through the real poll: a Guard admin's decision reaches the admin who granted,
// a ticket closed by Support tells the granter their grant ended, and Support's first read under a
// grant is announced once. Each exactly once, however often the worker polls.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiCall, pollViaAlarm, serviceWorker, signIn, startConsoleWorld, type ConsoleWorld } from './console-helpers';
import { ROUTES } from '../../src/api/contract';

let w: ConsoleWorld;

/** One poll, started by the real poll alarm. */
const poll = () => pollViaAlarm(w.browser);
const notifications = async () => (await serviceWorker(w.browser)).evaluate(async () => chrome.notifications.getAll().then((all) => Object.keys(all)));
const clearAll = async () =>
  (await serviceWorker(w.browser)).evaluate(async () => {
    for (const id of Object.keys(await chrome.notifications.getAll())) await chrome.notifications.clear(id);
  });

/** Signs in as `token`, lets the first sync announce its backlog, and starts from an empty tray. */
async function fresh(token: string) {
  await signIn(w, token);
  await poll();
  await clearAll();
}

describe('grant notifications', () => {
  beforeAll(async () => {
    w = await startConsoleWorld('ivan-token');
  });
  afterAll(async () => {
    await w?.close();
  });

  test('a Guard decision on my grant notifies me once', async () => {
    await fresh('ivan-token');
    // acme-eu is Guard-restricted: ivan's grant waits on gus.
    const made = await apiCall(w.api, 'ivan-token', ROUTES.grant, { key: 'PS-102' });
    expect(made.body.state).toBe('pending_guard_approval');
    await poll(); // the worker sees it pending
    expect((await notifications()).filter((id) => id.startsWith('guard:'))).toEqual([]);
    const decided = await apiCall(w.api, 'gus-token', ROUTES.guardDecision, { id: made.body.id }, { decision: 'approve' });
    expect(decided.body.state).toBe('active');
    await poll();
    expect(await notifications()).toContain(`guard:${made.body.id}`);
    await clearAll();
    await poll();
    expect((await notifications()).filter((id) => id.startsWith('guard:'))).toEqual([]);
  });

  test("Support closing the ticket ends my grant and tells me; Support's first read is announced once", async () => {
    await fresh('priya-token');
    const made = await apiCall(w.api, 'priya-token', ROUTES.grant, { key: 'PS-101' });
    expect(made.body.state).toBe('active');
    await poll();
    // A refused check is not Support using the grant: nothing to announce yet.
    const refused = await apiCall(w.api, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-101', resource: { type: 'ai_conversation', conversation: 'rovo-conv-1' } });
    expect(refused.body.allowed).toBe(false);
    await poll();
    expect(await notifications()).not.toContain(`first-access:${made.body.id}`);
    const read = await apiCall(w.api, 'sam-token', ROUTES.checkAccess, { ticket: 'PS-101', resource: { type: 'page', id: 'export-settings' } });
    expect(read.body.allowed).toBe(true);
    await poll();
    expect(await notifications()).toContain(`first-access:${made.body.id}`);
    await clearAll();
    const closed = await apiCall(w.api, 'sam-token', ROUTES.closeTicket, { key: 'PS-101' });
    expect(closed.status).toBe(200);
    await poll();
    const ids = await notifications();
    expect(ids).toContain(`closed:${made.body.id}`);
    expect(ids).not.toContain(`first-access:${made.body.id}`);
    await clearAll();
    await poll();
    expect(await notifications()).toEqual([]);
  });

  test('signing out and back in does not announce the same backlog again', async () => {
    await fresh('alice-token');
    const options = await w.browser.context.newPage();
    await options.goto(`chrome-extension://${w.browser.extensionId}/src/options/index.html`);
    expect(await options.evaluate(() => chrome.runtime.sendMessage({ type: 'signOut' }))).toMatchObject({ ok: true });
    await options.close();
    await signIn(w, 'alice-token');
    await poll();
    expect(await notifications()).toEqual([]);
    // Something new after that is still announced.
    const req = await apiCall(w.api, 'nina-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira' });
    expect(req.status).toBe(201);
    await poll();
    expect(await notifications()).toEqual([`inbox:access_request:${req.body.id}`]);
  });
});
