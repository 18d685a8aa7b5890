import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { readPanelContext } from './context';

function Panel() {
  const [context, setContext] = useState(() => readPanelContext(location.hash));
  useEffect(() => {
    const onHashChange = () => setContext(readPanelContext(location.hash));
    addEventListener('hashchange', onHashChange);
    return () => removeEventListener('hashchange', onHashChange);
  }, []);

  return (
    <section class="panel" aria-label="Access Companion">
      <header>
        <img src="/icons/icon-32.png" alt="" width={16} height={16} />
        <h1>Access Companion</h1>
      </header>
      {context ? (
        <>
          <p class="ticket" aria-label="Ticket">
            <span>Ticket {context.key}</span>
            <span aria-hidden="true"> · </span>
            <span>{context.productName}</span>
            <span aria-hidden="true"> · </span>
            <span>{context.siteHost}</span>
          </p>
          <p class="note">Who may grant Support access to this ticket's data, and what Support will see, appears here.</p>
        </>
      ) : (
        <p class="note">This page doesn't show a ticket Access Companion recognises.</p>
      )}
    </section>
  );
}

render(<Panel />, document.getElementById('app')!);

// Tell the content script how tall to make this frame; a height is all that leaves the frame.
new ResizeObserver(() => {
  parent.postMessage({ type: 'access-companion:height', height: document.documentElement.scrollHeight }, '*');
}).observe(document.body);
