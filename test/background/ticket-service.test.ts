// The background's ticket service against the real Access API (in process, PGlite): cached then
// fresh, stale with the reason when the API can't be reached, idempotent actions, parked clicks.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { ROUTES } from '../../src/api/contract';
import { callApi } from '../support/api-call';
import { type InProcessApi, signInBackground, startApiAsFetch, stubChrome } from './api-world';

const BASE = 'http://localhost:4999';
let api: InProcessApi;
let apiUp = true;
/** What the content script owning the frame's host answers (host-guard.ts): steady and uncovered unless a test says otherwise. */
let hostReply: unknown = { steadyMs: 5_000 };
const hostAsks: unknown[] = [];
const store = new Map<string, unknown>();

beforeAll(async () => {
  api = await startApiAsFetch({
    answer: async (req, answer) => {
      if (!apiUp) throw new TypeError('Failed to fetch');
      return answer(req);
    },
  });
  stubChrome(store, {
    runtime: {
      id: 'x',
      getURL: (p: string) => `chrome-extension://x/${p}`,
      getManifest: () => ({ action: { default_popup: 'src/popup/index.html' } }),
      onMessage: { addListener: (l: MessageListener) => messageListeners.push(l) },
    },
    tabs: {
      sendMessage: async (tabId: number, message: unknown, options: unknown) => {
        hostAsks.push({ tabId, message, options });
        return hostReply;
      },
    },
  });
  await signInBackground(BASE, 'priya-token');
}, 60_000); // PGlite's first start is slow on a busy 2-core machine
afterAll(async () => {
  vi.unstubAllGlobals();
  await api?.close();
});

type MessageListener = (message: unknown, sender: chrome.runtime.MessageSender, sendResponse: (r: unknown) => void) => boolean | undefined;
const messageListeners: MessageListener[] = [];
/** What the background's message listeners (behind webextension-polyfill) answer `message` from `sender`. */
function sendMessage(message: unknown, sender: chrome.runtime.MessageSender): Promise<unknown> {
  return new Promise((resolve) => {
    for (const l of messageListeners) l(message, sender, resolve);
  });
}
const tab = { id: 7 } as chrome.tabs.Tab;
const panelSender = { id: 'x', tab, frameId: 3, url: 'chrome-extension://x/src/panel/index.html#key=PS-101&mount=m-1' };
const consoleSender = { id: 'x', tab, frameId: 4, url: 'chrome-extension://x/src/console/index.html#page=support-access&mount=m-2' };
const popupSender = { id: 'x', url: 'chrome-extension://x/src/popup/index.html' };
const grantsOf = async (key: string, token = 'priya-token') =>
  // Through the stubbed fetch, as the extension's own calls go.
  ((await callApi(BASE, token, ROUTES.ticketGrants, { key })).json as { grants: { id: string; kind: string; state: string }[] }).grants;

describe('ticket service', () => {
  test('no cache yet → empty and stale; refresh → the API decision; then served from cache with its age', async () => {
    const { ticketView } = await import('../../src/background/ticket-views');
    const empty = await ticketView('PS-101', false);
    expect(empty).toMatchObject({ key: 'PS-101', stale: true });
    expect(empty.fetchedAt).toBeUndefined();
    const fresh = await ticketView('PS-101', true);
    expect(fresh).toMatchObject({ stale: false, eligibility: { allowed: true, via: 'product_admin' }, ticket: { productName: 'Confluence' } });
    const cached = await ticketView('PS-101', false);
    expect(cached).toMatchObject({ stale: true, fetchedAt: fresh.fetchedAt, eligibility: { allowed: true } });
  });

  test('API unreachable → the cached answer, stale, saying why', async () => {
    const { ticketView } = await import('../../src/background/ticket-views');
    apiUp = false;
    try {
      const view = await ticketView('PS-101', true);
      expect(view.stale).toBe(true);
      expect(view.problem).toMatchObject({ kind: 'offline' });
      expect(view.problem?.message).toMatch(/Can't reach the Access API at http:\/\/localhost:4999/);
      expect(view.eligibility?.allowed).toBe(true);
    } finally {
      apiUp = true;
    }
  });

  test('the same idempotency key twice makes one grant', async () => {
    const { requestAction } = await import('../../src/background/actions');
    const click = { isTrusted: true, visible: true, pointer: true };
    const a = await requestAction({ kind: 'grant', ticket: 'PS-106', idempotencyKey: 'k-1' }, click, panelSender);
    const b = await requestAction({ kind: 'grant', ticket: 'PS-106', idempotencyKey: 'k-1' }, click, panelSender);
    expect(a).toMatchObject({ outcome: 'done', state: 'active' });
    expect(b).toEqual(a);
    expect((await grantsOf('PS-106')).filter((g) => g.kind === 'data' && g.state === 'active')).toHaveLength(1);
  });

  test('an untrusted or unseen click is parked; confirming it in the popup does it', async () => {
    const { requestAction, pendingAction, confirmPendingAction } = await import('../../src/background/actions');
    const parked = await requestAction({ kind: 'grant', ticket: 'PS-101', idempotencyKey: 'k-2' }, { isTrusted: true, visible: false, pointer: true }, panelSender);
    expect(parked).toMatchObject({ outcome: 'parked', reason: expect.stringMatching(/covered, hidden or faded/) });
    const pending = await pendingAction();
    expect(pending?.label).toBe('Grant Support access to PS-101 (Confluence on acme.atlassian.net)');
    expect(await confirmPendingAction(pending!.id)).toMatchObject({ outcome: 'done', state: 'active' });
    expect(await pendingAction()).toBeUndefined();
    await expect(confirmPendingAction(pending!.id)).rejects.toThrow(/expired/);
  });

  test('only the popup confirms or dismisses a parked action: a panel or console frame is refused and the action still waits', async () => {
    const { requestAction, pendingAction } = await import('../../src/background/actions');
    const { registerPopupHandlers } = await import('../../src/background/handlers-popup');
    registerPopupHandlers();
    await requestAction({ kind: 'grant', ticket: 'PS-104', idempotencyKey: 'k-popup-only' }, { isTrusted: false, visible: true, pointer: true }, panelSender);
    const pending = (await pendingAction())!;
    for (const type of ['confirmPendingAction', 'dismissPendingAction'])
      for (const sender of [panelSender, consoleSender]) {
        const reply = (await sendMessage({ type, id: pending.id }, sender)) as { ok: boolean; error?: { status?: number; title: string } };
        expect(reply).toMatchObject({ ok: false, error: { status: 403, title: expect.stringMatching(/Only the toolbar popup/) } });
        expect((await pendingAction())?.id).toBe(pending.id);
      }
    // The popup's confirmation reaches the action (priya holds no Jira role: the API's own answer
    // refuses it, not the sender check), and the slot is settled.
    const done = (await sendMessage({ type: 'confirmPendingAction', id: pending.id }, popupSender)) as { ok: boolean; error?: { status?: number; title: string } };
    expect(done.error?.title ?? '').not.toMatch(/Only the toolbar popup/);
    expect(done.error?.status).toBe(403);
    expect(await pendingAction()).toBeUndefined();
  });

  test('a click from a browser that cannot see occlusion (no IntersectionObserver v2, e.g. Firefox) is parked, and the popup says why', async () => {
    const { requestAction, pendingAction, dismissPendingAction } = await import('../../src/background/actions');
    const activeBefore = (await grantsOf('PS-101')).filter((g) => g.kind === 'data' && g.state === 'active').length;
    const parked = await requestAction({ kind: 'grant', ticket: 'PS-101', idempotencyKey: 'k-blind' }, { isTrusted: true, visible: false, pointer: true, visibilityUnknown: true }, panelSender);
    expect(parked).toMatchObject({ outcome: 'parked', reason: expect.stringMatching(/cannot tell whether a page covered or faded the panel/) });
    expect((await pendingAction())?.reason).toMatch(/no IntersectionObserver v2/);
    await dismissPendingAction((await pendingAction())!.id);
    expect(await pendingAction()).toBeUndefined();
    expect((await grantsOf('PS-101')).filter((g) => g.kind === 'data' && g.state === 'active')).toHaveLength(activeBefore);
  });

  test('a console frame click without evidence is parked; the popup needs none; a retry reuses the action key', async () => {
    const { requestAction, pendingAction, confirmPendingAction } = await import('../../src/background/actions');
    const grant = (await grantsOf('PS-106')).find((g) => g.kind === 'data' && g.state === 'active')!;
    // A script's click in the console frame (no evidence at all counts as untrusted).
    const parked = await requestAction({ kind: 'revoke', grantId: grant.id, idempotencyKey: 'k-3' }, undefined, consoleSender);
    expect(parked).toMatchObject({ outcome: 'parked', reason: expect.stringMatching(/synthesized by a script/) });
    expect((await pendingAction())?.label).toBe("Revoke Support's access to PS-106 (Confluence on acme.atlassian.net)");
    expect((await grantsOf('PS-106')).find((g) => g.id === grant.id)?.state).toBe('active');
    // The popup asks for the same action (same key): done once, and confirming the parked copy
    // afterwards replays it instead of acting twice.
    const direct = await requestAction({ kind: 'revoke', grantId: grant.id, idempotencyKey: 'k-3' }, undefined, popupSender);
    expect(direct).toMatchObject({ outcome: 'done', state: 'revoked' });
    expect(await confirmPendingAction((await pendingAction())!.id)).toEqual(direct);
  });

  test('a seen, deliberate click still parks when the page around the frame did not show it steadily, or cannot say', async () => {
    const { requestAction, pendingAction, dismissPendingAction } = await import('../../src/background/actions');
    const click = { isTrusted: true, visible: true, pointer: true };
    const cases: [unknown, RegExp][] = [
      [{ steadyMs: 120, problem: 'moved' }, /moved the panel just before the click/],
      [{ steadyMs: 0, problem: 'clipped' }, /cut the panel down/],
      [{ steadyMs: 0, problem: 'faded' }, /see-through/],
      [{ steadyMs: 0, problem: 'covered' }, /lay over it/],
      [{ steadyMs: 300 }, /moved the panel just before the click/],
      [undefined, /could not check how the page showed the panel/],
    ];
    for (const [i, [reply, reason]] of cases.entries()) {
      hostReply = reply;
      hostAsks.length = 0;
      const out = await requestAction({ kind: 'grant', ticket: 'PS-105', idempotencyKey: `k-host-${i}` }, click, panelSender);
      expect(out).toMatchObject({ outcome: 'parked', reason: expect.stringMatching(reason) });
      // The content script asked is the one in the sender's tab's top frame, about the sender's own mount.
      expect(hostAsks).toEqual([{ tabId: 7, message: { type: 'access-companion:host-evidence', mount: 'm-1' }, options: { frameId: 0 } }]);
      await dismissPendingAction((await pendingAction())!.id);
    }
    // A frame that does not name its mount (not placed by our content script) cannot be vouched for.
    hostReply = { steadyMs: 5_000 };
    const unplaced = await requestAction({ kind: 'grant', ticket: 'PS-105', idempotencyKey: 'k-host-x' }, click, { ...panelSender, url: 'chrome-extension://x/src/panel/index.html#key=PS-105' });
    expect(unplaced).toMatchObject({ outcome: 'parked', reason: expect.stringMatching(/could not check/) });
    await dismissPendingAction((await pendingAction())!.id);
    // A press from a pointer that had only just arrived, or a bulk grant over rows ticked without evidence.
    expect(await requestAction({ kind: 'grant', ticket: 'PS-105', idempotencyKey: 'k-host-y' }, { ...click, pointer: false }, panelSender)).toMatchObject({
      outcome: 'parked',
      reason: expect.stringMatching(/pointer had only just reached/),
    });
    await dismissPendingAction((await pendingAction())!.id);
    expect(await requestAction({ kind: 'bulk_grant', tickets: ['PS-105'], idempotencyKey: 'k-host-z' }, { ...click, selection: false }, consoleSender)).toMatchObject({
      outcome: 'parked',
      reason: expect.stringMatching(/ticked by a click/),
    });
    await dismissPendingAction((await pendingAction())!.id);
  });
});
