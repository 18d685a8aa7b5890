// The ticket panel: for the signed-in admin and the ticket on the page, may I grant, why not, who
// can, what Support would see; then grant or revoke. Everything shown is the API's answer, via the
// background; page-derived context is only used to pick the ticket and to warn on disagreement.
import { browser } from '../shared-ext/browser';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { readPanelContext, type PanelContext } from './context';
import { askCachedViewEarly, useTicketView } from './use-ticket-view';
import { Activity, Decision, QualifiedAdmins, Scope } from './sections';
import { DataGrant } from './grant-controls';
import { AiConversationsGrant } from './ai-conversations';
import { ChangeRequests, ChangesMade } from './change-requests';
import type { TicketView } from '../shared-ext/ticket-view';
import { hostOf } from './labels';
import { displayText } from '../shared-ext/format';
import { Freshness } from './freshness';
import { acceptedFactsHash } from '../shared-ext/panel-facts';

// What the page said, once it had rendered the ticket (shared-ext/panel-facts.ts): only from the
// page that embeds us, and only with this frame's key and mount id. Listened for from the start, so
// that none is missed while the panel renders.
const factsListeners = new Set<() => void>();
addEventListener('message', (event: MessageEvent<unknown>) => {
  if (event.source !== parent) return;
  const hash = acceptedFactsHash(location.hash, event.data);
  if (hash === undefined) return;
  history.replaceState(history.state, '', `#${hash}`);
  for (const listener of factsListeners) listener();
});

function Panel() {
  const [context, setContext] = useState(() => readPanelContext(location.hash));
  useEffect(() => {
    const onHashChange = () => setContext(readPanelContext(location.hash));
    addEventListener('hashchange', onHashChange);
    factsListeners.add(onHashChange);
    onHashChange(); // facts may have come between the first render and this effect
    return () => {
      removeEventListener('hashchange', onHashChange);
      factsListeners.delete(onHashChange);
    };
  }, []);
  // A page with no ticket on it asks the API nothing: there is nothing to decide here.
  const { view, refreshing, refresh } = useTicketView(context?.missing ? undefined : context);
  const title = view?.ticket?.title ?? context?.title;

  return (
    <section class="panel" aria-label="Access Companion">
      <header>
        <img src="/icons/icon-32.png" alt="" width={16} height={16} />
        <h1>Access Companion</h1>
      </header>
      {context?.missing ? (
        <p class="note missing" role="note">
          This page shows no ticket: the portal can't find {context.key}, or won't show it to the person signed in to the portal. There is nothing to grant or revoke here.
        </p>
      ) : context ? (
        <>
          <p class="ticket">
            <span>Ticket {context.key}</span>
            {(view?.ticket?.productName ?? context.productName) && (
              <>
                <span aria-hidden="true"> · </span>
                <span>{view?.ticket?.productName ?? context.productName}</span>
              </>
            )}
            {(view?.ticket ? hostOf(view.ticket.siteUrl) : context.siteHost) && (
              <>
                <span aria-hidden="true"> · </span>
                <span>{view?.ticket ? hostOf(view.ticket.siteUrl) : context.siteHost}</span>
              </>
            )}
          </p>
          {context.unreadable && (
            <p class="note unreadable" role="note">
              Access Companion couldn't read this page's ticket details, so it can't check them against the Access API. Everything below is the Access API's record for {context.key}.
            </p>
          )}
          <OtherAccount context={context} view={view} />
          {title && <p class="title">{title}</p>}
          <Body context={context} view={view} refreshing={refreshing} refresh={() => void refresh()} />
        </>
      ) : (
        <p class="note">This page doesn't show a ticket Access Companion recognises.</p>
      )}
    </section>
  );
}

function Body({ context, view, refreshing, refresh }: { context: PanelContext; view?: TicketView; refreshing: boolean; refresh: () => void }) {
  if (!view)
    return (
      <p class="status" role="status">
        Loading from the Access API…
      </p>
    );
  if (view.problem?.kind === 'signed_out') {
    return (
      <div class="signed-out" role="status">
        <p>{view.problem.message.startsWith('Signed out') ? <strong>{view.problem.message}</strong> : 'Sign in to see who can grant access to this ticket.'}</p>
        <button type="button" class="primary" onClick={() => void browser.runtime.openOptionsPage()}>
          Open options to sign in
        </button>
      </div>
    );
  }
  if (view.eligibility && view.problem?.kind === 'no_stake') {
    return (
      <>
        <Freshness view={view} refreshing={refreshing} />
        <Decision eligibility={view.eligibility} />
        <QualifiedAdmins view={view} disabled={view.stale ? `Actions are off: ${view.problem.message}` : undefined} />
        <p class="note no-stake" role="note">
          {view.problem.message}
        </p>
      </>
    );
  }
  if (!view.ticket || !view.eligibility) {
    return (
      <p class="status stale" role="status">
        {view.problem?.message ?? 'Loading from the Access API…'}
      </p>
    );
  }
  const disabled = view.stale ? `Actions are off: ${view.problem?.kind === 'offline' ? "the Access API can't be reached" : (view.problem?.message ?? 'this view is not fresh')}.` : undefined;
  return (
    <>
      <Freshness view={view} refreshing={refreshing} />
      <Mismatch context={context} view={view} />
      <Decision eligibility={view.eligibility} />
      <DataGrant view={view} disabled={disabled} onChange={refresh} />
      <AiConversationsGrant view={view} disabled={disabled} onChange={refresh} />
      <ChangeRequests view={view} disabled={disabled} onChange={refresh} />
      <ChangesMade view={view} />
      <QualifiedAdmins view={view} disabled={disabled} />
      <Scope view={view} />
      <Activity view={view} />
    </>
  );
}

/** The portal is signed in as someone other than the extension's account: say whose grant a click makes. */
function OtherAccount({ context, view }: { context: PanelContext; view?: TicketView }) {
  const me = view?.me;
  if (!context.account || !me || context.account.toLowerCase() === me.email.toLowerCase()) return null;
  return (
    <p class="warning other-account" role="alert">
      This page is logged in as {displayText(context.account)}, but Access Companion is signed in as {me.name} ({me.email}). Grants and revokes here are made as {me.name}.
    </p>
  );
}

/** The page and the API disagree on what this ticket is about: trust the API, and say so. */
function Mismatch({ context, view }: { context: PanelContext; view: TicketView }) {
  const t = view.ticket!;
  const problems: string[] = [];
  if (context.product && context.product !== t.product) problems.push(`the page says ${context.productName}, the Access API says ${t.productName}`);
  if (context.siteUrl && hostOf(context.siteUrl) !== hostOf(t.siteUrl)) problems.push(`the page says ${context.siteHost}, the Access API says ${hostOf(t.siteUrl)}`);
  if (problems.length === 0) return null;
  return (
    <div class="mismatch" role="alert" aria-label="Mismatch">
      <b>This page and the Access API disagree:</b> {problems.join('; ')}. Everything below follows the Access API's record; check the ticket before granting.
    </div>
  );
}

// Marks for the benchmark's stage split (bench/ux.ts): this script has run (its imports with it).
performance.mark('ac:panel-script');
// The cached decision is asked for before the first render, not from the first render's effect.
const initial = readPanelContext(location.hash);
if (initial && !initial.missing) askCachedViewEarly(initial);
render(<Panel />, document.getElementById('app')!);

// Tell the content script how tall to make this frame; a height is all that leaves the frame.
// Measured on the content, not the document: a document never reports less than the frame's height,
// so the frame could grow but never shrink back.
const app = document.getElementById('app')!;
new ResizeObserver(() => {
  parent.postMessage({ type: 'access-companion:height', height: Math.ceil(app.getBoundingClientRect().height) }, '*');
}).observe(app);
