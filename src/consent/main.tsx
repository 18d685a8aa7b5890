// The consent note beside the request form's "allow Support to access my data" box: before the admin
// sends the form, whether ticking the box will really give Support access for the chosen product
// and site (or hold it for Guard), and if not why and who can. Everything shown is the Access API's
// answer via the background; the page only says which product on which site (the URL fragment,
// changed in place when the form's choice changes).
import { render } from 'preact';
import { browser } from '../shared-ext/browser';
import { useEffect, useState } from 'preact/hooks';
import { roleTitle } from '../api/vocabulary';
import { BackgroundError, callBackground, type Problem, type Res } from '../shared-ext/messages';
import { CauseList } from '../shared-ext/cause-list';

interface Choice {
  site?: string;
  product?: string;
  productName?: string;
}
type Answer = Res<'getNewTicketEligibility'>;

/** The form's choice from this frame's fragment; page-derived, so bounded and shown as text only. */
export function readChoice(hash: string): Choice {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const bounded = (v: string | null, max: number) => (v && v.length <= max ? v : undefined);
  return { site: bounded(p.get('site'), 300), product: bounded(p.get('product'), 100), productName: bounded(p.get('productName'), 100) };
}

const hostOf = (site: string) => {
  try {
    return new URL(site).host;
  } catch {
    return site;
  }
};

function useEligibility(choice: Choice) {
  const [state, setState] = useState<{ for: string; answer?: Answer; problem?: Problem }>({ for: '' });
  const ask = choice.site && choice.product ? `${choice.site}\u0000${choice.product}` : '';
  useEffect(() => {
    if (!ask) return;
    let current = true;
    setState({ for: ask });
    callBackground('getNewTicketEligibility', { site: choice.site!, product: choice.product! }).then(
      (answer) => {
        if (current) setState({ for: ask, answer });
      },
      (error: unknown) => {
        if (current) setState({ for: ask, problem: error instanceof BackgroundError ? error.problem : { title: (error as Error).message } });
      },
    );
    return () => {
      current = false;
    };
  }, [ask]);
  return state.for === ask ? state : { for: ask };
}

function ConsentNote() {
  const [choice, setChoice] = useState(() => readChoice(location.hash));
  useEffect(() => {
    const onHash = () => setChoice(readChoice(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const { answer, problem } = useEligibility(choice);
  const what = `${choice.productName ?? choice.product ?? 'the product'} on ${choice.site ? hostOf(choice.site) : 'the site'}`;
  return (
    <section class="panel consent" aria-label="What ticking this box does">
      {!choice.site || !choice.product ? (
        <p class="line muted">Access Companion: choose a product and a site to see whether ticking this box gives Support access.</p>
      ) : problem?.status === 401 ? (
        <p class="line">
          Sign in to Access Companion to see whether ticking this gives Support access.{' '}
          <button type="button" class="secondary" onClick={() => void browser.runtime.openOptionsPage()}>
            Open options
          </button>
        </p>
      ) : problem ? (
        <p class="line error" role="status">
          Access Companion couldn't check {what}: {problem.detail ?? problem.title}
        </p>
      ) : !answer ? (
        <p class="line muted" role="status">
          Access Companion is checking {what}…
        </p>
      ) : (
        <Verdict answer={answer} what={what} />
      )}
    </section>
  );
}

function Verdict({ answer, what }: { answer: Answer; what: string }) {
  if (answer.allowed && answer.guardApprovalRequired) {
    return (
      <div class="decision held" role="status" data-verdict="guard">
        <strong>Ticking this asks for access, held for Guard approval.</strong> {hostOf(answer.scope.siteUrl || answer.scope.site)} restricts Support access: Support gets nothing until a Guard admin
        approves.
      </div>
    );
  }
  if (answer.allowed) {
    return (
      <div class="decision allowed" role="status" data-verdict="grants">
        <strong>Ticking this gives Support access</strong> to {what} for this request, as {roleTitle(answer.via)}. You can revoke it at any time.
      </div>
    );
  }
  return (
    <>
      <div class="decision refused" role="status" data-verdict="refused">
        <strong>Ticking this won't give Support access</strong> to {what}: the request would be refused. Leave it unticked, or ask someone who can.
        <CauseList causes={answer.causes} />
      </div>
      <h2>Who can</h2>
      {answer.qualifiedAdmins.length === 0 ? (
        <p class="muted nobody">Nobody in your org can grant this right now: the fix above comes first.</p>
      ) : (
        <ul class="admins" aria-label="Who can">
          {answer.qualifiedAdmins.map((a) => (
            <li key={a.userId}>
              <span>{a.name}</span> <span class="role">{roleTitle(a.role)}</span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

render(<ConsentNote />, document.getElementById('app')!);

// Tell the content script how tall to make this frame, and whether the note shows a control (then
// the frame takes clicks; while it is only text, clicks go to the page's form). A height and a
// boolean are all that leave the frame.
const app = document.getElementById('app')!;
let last = '';
const report = () => {
  const message = { type: 'access-companion:height', height: Math.ceil(app.getBoundingClientRect().height), interactive: app.querySelector('button, a[href], input, select, textarea') !== null };
  const key = JSON.stringify(message);
  if (key === last) return;
  last = key;
  parent.postMessage(message, '*');
};
new ResizeObserver(report).observe(app);
new MutationObserver(report).observe(app, { childList: true, subtree: true });
