// The request-access frame on a product's "You don't have access" page: ask for myself, for a
// teammate or for someone new, and follow each request live (pending and who decides, approved with
// a way in, denied with the reviewer's message and any bar). Everything shown is the API's answer,
// via the background; the page only says which product on which site.
import { browser } from '../shared-ext/browser';
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { AccessRequestContextWire } from '../api/schemas';
import { AGE_TICK_MS, ago, day, displayText } from '../shared-ext/format';
import { followChanges } from '../shared-ext/live';
import { BackgroundError, callBackground, type Problem } from '../shared-ext/messages';
import { MyRequest } from '../shared-ext/my-request';
import { readRequestContext, type RequestPageContext } from './context';
import { ForMyself, ForOthers } from './request-controls';

type View = AccessRequestContextWire & { fetchedAt: number };

function useRequestView(context: RequestPageContext | undefined) {
  const [view, setView] = useState<View>();
  const [problem, setProblem] = useState<Problem>();
  const load = useCallback(async () => {
    if (!context) return;
    try {
      setView(await callBackground('getRequestContext', { site: context.site, product: context.product }));
      setProblem(undefined);
    } catch (error) {
      setProblem(error instanceof BackgroundError ? error.problem : { title: (error as Error).message });
    }
  }, [context?.site, context?.product]);
  useEffect(() => {
    void load();
    const open = new AbortController();
    // The background re-syncs on every change the API streams to me (a decision on my request).
    followChanges(() => void load(), open.signal);
    return () => open.abort();
  }, [load]);
  return { view, problem, reload: load };
}

function RequestFrame() {
  const [context] = useState(() => readRequestContext(location.hash));
  const { view, problem, reload } = useRequestView(context);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), AGE_TICK_MS);
    return () => clearInterval(t);
  }, []);
  return (
    <section class="frame" aria-label="Access Companion: request access">
      <header>
        <img src="/icons/icon-32.png" alt="" width={16} height={16} />
        <h1>Access Companion</h1>
      </header>
      {!context ? (
        <p class="muted">This page doesn't show a product Access Companion recognises.</p>
      ) : problem?.status === 401 ? (
        <div>
          <p>Sign in to Access Companion to request access to {context.productName} and follow your requests here.</p>
          <button type="button" class="primary" onClick={() => void browser.runtime.openOptionsPage()}>
            Open options to sign in
          </button>
        </div>
      ) : !view ? (
        <p class="status" role="status">
          {problem ? `Couldn't load from the Access API: ${problem.detail ?? problem.title}` : 'Loading from the Access API…'}
        </p>
      ) : (
        <Body context={context} view={view} problem={problem} now={now} reload={() => void reload()} />
      )}
    </section>
  );
}

function Body({ context, view, problem, now, reload }: { context: RequestPageContext; view: View; problem?: Problem; now: number; reload: () => void }) {
  const host = new URL(view.site.url).host;
  const openHref = context.here ?? view.product.url;
  const pendingSelf = view.requests.some((r) => r.state === 'pending' && (r.self || r.role === 'subject'));
  return (
    <>
      {problem ? (
        <p class="status stale" role="status">
          Stale, from {ago(now - view.fetchedAt)}: {problem.detail ?? problem.title}
        </p>
      ) : (
        <p class="status" role="status">
          {view.product.name} on {host} · up to date · {ago(now - view.fetchedAt)}
        </p>
      )}
      {context.account && context.account.toLowerCase() !== view.me.email.toLowerCase() && (
        <p class="warning" role="alert">
          This page is logged in as {displayText(context.account)}, but Access Companion is signed in as {view.me.name} ({view.me.email}). Requests here are made as {view.me.name}.
        </p>
      )}
      {view.hasAccess && (
        <p class="has-access" role="status">
          You have access to {view.product.name} on {host}.{' '}
          <a href={openHref} target="_top">
            Open {view.product.name}
          </a>
        </p>
      )}
      {view.bar && (
        <div class="bar" role="alert" aria-label="Barred from requesting">
          <p>
            <b>You can't request product access in this org: barred since {day(view.bar.at)}.</b>
          </p>
          <p>{view.bar.rule} Ask an admin of the org if this is a mistake.</p>
        </div>
      )}
      {!view.hasAccess && !view.bar && <h2>For myself</h2>}
      <ForMyself view={view} pending={pendingSelf} onDone={reload} />
      <ForOthers view={view} onDone={reload} />
      {view.requests.length > 0 && (
        <>
          <h2>Your requests for {view.product.name}</h2>
          <ul class="requests" aria-label="Your requests">
            {view.requests.map((r) => (
              <MyRequest key={r.id} request={r} now={now} openHref={openHref} />
            ))}
          </ul>
        </>
      )}
    </>
  );
}

render(<RequestFrame />, document.getElementById('app')!);

// Tell the content script how tall to make this frame; a height is all that leaves the frame.
const app = document.getElementById('app')!;
new ResizeObserver(() => {
  parent.postMessage({ type: 'access-companion:height', height: Math.ceil(app.getBoundingClientRect().height) }, '*');
}).observe(app);
