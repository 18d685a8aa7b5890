// The background answers only our own extension pages, and content scripts only on the vendor
// origins and only for methods opened to them.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { isAllowedSender, METHODS, registerHandlers } from '../../src/shared-ext/messages';

const ID = 'abcdefghijklmnopabcdefghijklmnop';
type Listener = (message: unknown, sender: chrome.runtime.MessageSender, sendResponse: (r: unknown) => void) => boolean | undefined;
let listeners: Listener[] = [];

beforeEach(() => {
  listeners = [];
  vi.stubGlobal('chrome', {
    runtime: {
      id: ID,
      getURL: (p: string) => `chrome-extension://${ID}/${p}`,
      onMessage: { addListener: (l: Listener) => listeners.push(l) },
    },
  });
});
afterEach(() => vi.unstubAllGlobals());

const panel = { id: ID, url: `chrome-extension://${ID}/src/panel/index.html#key=PS-101`, tab: { id: 1 } as chrome.tabs.Tab, origin: `chrome-extension://${ID}` };
const contentScript = { id: ID, url: 'http://support.localhost:4401/servicedesk/customer/portal/1/PS-101', origin: 'http://support.localhost:4401', tab: { id: 1 } as chrome.tabs.Tab };

function send(message: unknown, sender: chrome.runtime.MessageSender): Promise<unknown> {
  return new Promise((resolve) => {
    for (const l of listeners) l(message, sender, resolve);
  });
}

describe('sender checks', () => {
  test('extension pages are allowed; other extensions and foreign pages are not', () => {
    expect(isAllowedSender(panel, false)).toBe(true);
    expect(isAllowedSender({ ...panel, id: 'someotherextensionidxxxxxxxxxxxx' }, false)).toBe(false);
    expect(isAllowedSender({ id: ID, url: 'chrome-extension://otherid/x.html' }, false)).toBe(false);
    expect(isAllowedSender(contentScript, false)).toBe(false);
    expect(isAllowedSender(contentScript, true)).toBe(true);
    expect(isAllowedSender({ ...contentScript, origin: 'https://evil.example', url: 'https://evil.example/' }, true)).toBe(false);
    expect(isAllowedSender({ ...contentScript, origin: 'http://support.localhost.evil.example' }, true)).toBe(false);
  });

  test('registerHandlers answers allowed senders and refuses others without running the handler', async () => {
    const handler = vi.fn(async () => ({ signedIn: true, apiBaseUrl: 'http://localhost:4400' }));
    registerHandlers({ getStatus: handler });
    expect(await send({ type: 'getStatus' }, panel)).toEqual({ ok: true, value: { signedIn: true, apiBaseUrl: 'http://localhost:4400' } });
    expect(await send({ type: 'getStatus' }, contentScript)).toEqual({ ok: false, error: { title: 'Not allowed', status: 403 } });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  test('console and popup methods answer no content script, even on a vendor page', async () => {
    const { registerConsoleHandlers } = await import('../../src/background/handlers-console');
    const { registerPopupHandlers } = await import('../../src/background/handlers-popup');
    registerConsoleHandlers();
    registerPopupHandlers();
    for (const type of ['getPopupState', 'listGrants', 'revokeGrant', 'bulkGrant', 'guardDecision', 'getAudit', 'getMe']) {
      expect(await send({ type, id: 'g1' }, contentScript)).toEqual({ ok: false, error: { title: 'Not allowed', status: 403 } });
    }
  });

  test('the request-access methods answer no content script, and refuse malformed requests with a problem', async () => {
    const { registerRequesterHandlers } = await import('../../src/background/handlers-requester');
    registerRequesterHandlers();
    const productPage = { ...contentScript, url: 'http://acme.localhost:4403/wiki', origin: 'http://acme.localhost:4403' };
    for (const type of ['getRequestContext', 'requestProductAccess']) {
      expect(await send({ type, site: 'acme-main', product: 'confluence', idempotencyKey: 'k' }, productPage)).toEqual({ ok: false, error: { title: 'Not allowed', status: 403 } });
    }
    const frame = { ...panel, url: `chrome-extension://${ID}/src/request/index.html#site=x` };
    expect(await send({ type: 'getRequestContext', site: '', product: 'confluence' }, frame)).toMatchObject({ ok: false, error: { title: 'Bad request', status: 400 } });
    expect(await send({ type: 'requestProductAccess', site: 'acme-main', product: 'jira', for: { team: 'x' }, idempotencyKey: 'k' }, frame)).toMatchObject({
      ok: false,
      error: { detail: 'for must name a user or an email.' },
    });
  });

  test('unknown methods fall through to other listeners; handler errors come back as problems', async () => {
    registerHandlers({
      signOut: async () => {
        throw Object.assign(new Error('x'), { problem: { title: 'Access API unreachable', status: 0 } });
      },
    });
    expect(listeners[0]!({ type: 'getNothingSuchAsThis' }, panel, () => undefined)).toBe(false);
    expect(await send({ type: 'signOut' }, panel)).toEqual({ ok: false, error: { title: 'Access API unreachable', status: 0, detail: undefined, causes: undefined } });
  });

  test('every method the message map declares has a handler in the background', async () => {
    const { registerConsoleHandlers } = await import('../../src/background/handlers-console');
    const { registerPanelHandlers } = await import('../../src/background/handlers-panel');
    const { registerRequesterHandlers } = await import('../../src/background/handlers-requester');
    const { registerConsentHandlers } = await import('../../src/background/handlers-consent');
    registerConsentHandlers();
    const { registerPopupHandlers } = await import('../../src/background/handlers-popup');
    const { registerAccountHandlers } = await import('../../src/background/handlers-account');
    const { registerRoleHandlers } = await import('../../src/background/handlers-roles');
    registerConsoleHandlers();
    registerRoleHandlers();
    registerPanelHandlers();
    registerRequesterHandlers();
    registerPopupHandlers();
    registerAccountHandlers();
    // A listener that answers a method returns true (it will reply); one that does not know it, false.
    // The reply itself is not awaited: with no browser here the handlers fail, which is not the point.
    const unanswered = Object.keys(METHODS).filter((type) => !listeners.some((l) => l({ type }, panel, () => undefined) === true));
    expect(unanswered).toEqual([]);
    expect(Object.keys(METHODS).length).toBeGreaterThan(20);
  });
});
