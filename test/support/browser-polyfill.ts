// Stands in for webextension-polyfill in unit tests (vitest.config.ts aliases it here). The real
// polyfill refuses to load outside an extension and wraps callback APIs; our tests instead stub a
// promise-returning `chrome` global per test (vi.stubGlobal), as Chrome's MV3 APIs are. This
// `browser` reads whatever `chrome` is stubbed at the moment of each call, so a module imported once
// sees every test's fake. Like the polyfill, runtime.onMessage listeners may answer by returning a
// promise: the fake's listener gets a wrapper that passes the settled value to `sendResponse`.
type Listener = (message: unknown, sender: unknown, sendResponse: (response: unknown) => void) => unknown;
type FakeEvent = { addListener(listener: Listener): void; removeListener?(listener: Listener): void };

const wrapped = new WeakMap<Listener, Listener>();
function promiseAnswering(listener: Listener): Listener {
  let wrapper = wrapped.get(listener);
  if (!wrapper) {
    wrapper = (message, sender, sendResponse) => {
      const result = listener(message, sender, sendResponse);
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        (result as Promise<unknown>).then(sendResponse, (error: Error) => sendResponse({ __mozWebExtensionPolyfillReject__: true, message: error.message }));
        return true;
      }
      return result === true ? true : false;
    };
    wrapped.set(listener, wrapper);
  }
  return wrapper;
}

function messageEvent(event: FakeEvent | undefined): FakeEvent | undefined {
  if (!event) return event;
  return {
    ...event,
    addListener: (listener) => event.addListener(promiseAnswering(listener)),
    removeListener: (listener) => event.removeListener?.(wrapped.get(listener) ?? listener),
  };
}

const fake = () => (globalThis as { chrome?: Record<string | symbol, unknown> }).chrome;

const browser = new Proxy({} as Record<string | symbol, unknown>, {
  get(_target, name) {
    const value = fake()?.[name];
    if (name !== 'runtime' || !value) return value;
    return new Proxy(value as Record<string | symbol, unknown>, {
      get(runtime, key) {
        if (key === 'onMessage' || key === 'onMessageExternal') return messageEvent(runtime[key] as FakeEvent | undefined);
        return runtime[key];
      },
    });
  },
  has: (_target, name) => name in (fake() ?? {}),
});
export default browser;
