// The popup: my active grants (revoke in one click) and everything waiting on me. It shows the
// cached copy at once, labelled with its age, then asks the background for a fresh one, and stays
// live while open through the background's event stream (reconnecting, and catching up, after the
// service worker restarts).
import { browser } from '../shared-ext/browser';
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { callBackground, type PopupState } from '../shared-ext/messages';
import { followChanges } from '../shared-ext/live';
import { useActionKeys } from '../shared-ext/action-keys';
import { stateLabel } from '../api/vocabulary';
import type { InboxKind } from '../api/schemas';
import { AGE_TICK_MS, ago, displayText, personName, since } from '../shared-ext/format';
import { grantedByNoLongerCanText } from '../shared-ext/role-words';
import { PendingAction } from './pending-action';
import { MyRequest } from '../shared-ext/my-request';
import { signedOutWhy } from '../shared-ext/signed-out';

function Popup() {
  const [state, setState] = useState<PopupState | undefined>();
  const [refreshing, setRefreshing] = useState(true);
  const [now, setNow] = useState(Date.now());
  const [errors, setErrors] = useState<Map<string, string>>(new Map());
  const keys = useActionKeys();

  const refresh = useCallback(() => {
    setRefreshing(true);
    callBackground('getPopupState', { fresh: true })
      .then(setState, () => undefined)
      .finally(() => setRefreshing(false));
  }, []);

  useEffect(() => {
    void callBackground('getPopupState', { fresh: false }).then((cached) => setState((s) => s ?? cached));
    refresh();
    const open = new AbortController();
    // A change arrives after the background synced: its cache is current. After a reconnect nobody
    // synced for us: ask for a fresh poll.
    followChanges((why) => {
      if (why === 'reconnected') refresh();
      else void callBackground('getPopupState', { fresh: false }).then(setState, () => undefined);
    }, open.signal);
    const tick = setInterval(() => setNow(Date.now()), AGE_TICK_MS);
    return () => {
      open.abort();
      clearInterval(tick);
    };
  }, [refresh]);

  async function revoke(id: string) {
    try {
      // No click evidence: no page can frame the popup. One key per revoke, reused if retried.
      await keys.run(`revoke:${id}`, (idempotencyKey) => callBackground('revokeGrant', { id, idempotencyKey }));
      refresh();
    } catch (error) {
      setErrors((m) => new Map(m).set(id, (error as Error).message));
    }
  }

  if (state && !state.signedIn) return <SignedOut state={state} now={now} />;
  const grants = state?.grants?.value ?? [];
  const inbox = state?.inbox?.value ?? [];
  const myRequests = state?.myRequests?.value ?? [];
  // Count what the list below shows, by state: a grant waiting on Guard gives Support nothing yet.
  const active = grants.filter((g) => g.state === 'active').length;
  const waitingOnGuard = grants.filter((g) => g.state === 'pending_guard_approval').length;
  const fetchedAt = Math.min(state?.grants?.fetchedAt ?? Infinity, state?.inbox?.fetchedAt ?? Infinity);
  return (
    <main>
      <h1>Access Companion</h1>
      {state?.account && (
        <section class="account" aria-label="Signed in as">
          <strong>{displayText(state.account.name)}</strong> · {displayText(state.account.org)}
          <span class="muted"> · {state.account.email}</span>
        </section>
      )}
      <p class="counts">
        <span>
          <strong>{inbox.length}</strong> waiting on you
        </span>{' '}
        ·{' '}
        <span>
          <strong>{active}</strong> active
        </span>
        {waitingOnGuard > 0 && (
          <>
            {' '}
            ·{' '}
            <span>
              <strong>{waitingOnGuard}</strong> waiting on Guard
            </span>
          </>
        )}
      </p>
      <Freshness fetchedAt={Number.isFinite(fetchedAt) ? fetchedAt : undefined} now={now} refreshing={refreshing} problem={state?.problem} apiBaseUrl={state?.apiBaseUrl} />
      <PendingAction />

      <h2>Waiting on you</h2>
      {inbox.length === 0 ? (
        <p class="muted">Nothing waiting on you.</p>
      ) : (
        <ul class="list" aria-label="Waiting on you">
          {inbox.map((item) => (
            <li key={item.id} data-item={item.id}>
              <a href={item.link ?? '#'} target="_blank" rel="noreferrer">
                {displayText(item.title)}
              </a>
              <div class="muted">
                {KIND[item.kind as InboxKind] ?? item.kind}
                {item.ticket ? ` · ${item.ticket}` : ''} · {since(item.createdAt, now)}
              </div>
            </li>
          ))}
        </ul>
      )}

      {myRequests.length > 0 && (
        <>
          <h2>My requests</h2>
          <ul class="list requests" aria-label="My requests">
            {myRequests.slice(0, 10).map((r) => (
              <MyRequest key={r.id} request={r} now={now} showPlace />
            ))}
          </ul>
        </>
      )}

      <h2>Grants</h2>
      {grants.length === 0 ? (
        <p class="muted">No active grants, none waiting on Guard.</p>
      ) : (
        <ul class="list" aria-label="Grants">
          {grants.map((g) => (
            <li key={g.id} data-grant={g.id} class="grant">
              <div>
                <strong>{g.ticket}</strong> · {g.product} · {g.siteHost}
                {g.kind === 'ai_conversations' && <div class="ai-scope">AI conversations: {(g.conversations ?? []).join(', ')}</div>}
                <div class="muted">
                  {g.engineer} · since {since(g.grantedAt ?? g.requestedAt, now)} · <span class={`state ${g.state}`}>{stateLabel(g.state)}</span>
                </div>
                {g.grantedByNoLongerCan && (
                  <p class="flag no-longer-can" data-flag="granted-by-no-longer-can">
                    {grantedByNoLongerCanText(g.grantedByName ?? personName(g.grantedBy, {}))}
                  </p>
                )}
                {errors.get(g.id) && <div class="error">{errors.get(g.id)}</div>}
              </div>
              <button type="button" class="danger" aria-label={g.kind === 'ai_conversations' ? `Revoke AI conversations on ${g.ticket}` : `Revoke ${g.ticket}`} onClick={() => void revoke(g.id)}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
      <p>
        <button type="button" class="link" onClick={() => void browser.runtime.openOptionsPage()}>
          Options
        </button>
      </p>
    </main>
  );
}

/**
 * Signed out: why (a session the API ended, a token it stopped accepting) and "Sign in", which
 * signs in with the org's identity provider at the last address, or opens Options when there is
 * none to use.
 */
function SignedOut({ state, now }: { state: PopupState; now: number }) {
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  async function signIn() {
    setError(undefined);
    setBusy(true);
    try {
      const provider = state.apiBaseUrl ? await callBackground('getIdentityProvider', { apiBaseUrl: state.apiBaseUrl }).catch(() => null) : null;
      if (!provider) return void (await browser.runtime.openOptionsPage());
      await callBackground('signInWithProvider', { apiBaseUrl: state.apiBaseUrl });
      location.reload();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <main>
      <h1>Access Companion</h1>
      {state.signedOutAt ? (
        <p class="status stale signed-out" role="status">
          <strong>Signed out: sign in again.</strong>{' '}
          {state.signedOutBecause === 'session_ended'
            ? `Your session ended at the Access API (${ago(now - state.signedOutAt)}).`
            : state.signedOutBecause === 'deactivated'
              ? `${signedOutWhy('deactivated').replace(/\.$/, '')} (${ago(now - state.signedOutAt)}).`
              : `The Access API stopped accepting your token (${ago(now - state.signedOutAt)}); it was probably rotated or revoked.`}
        </p>
      ) : (
        <p role="status">Not signed in.</p>
      )}
      <p class="signed-out-actions">
        <button type="button" class="primary" disabled={busy} onClick={() => void signIn()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <button type="button" class="link" onClick={() => void browser.runtime.openOptionsPage()}>
          Options
        </button>
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </main>
  );
}

/** Every inbox kind the API names (schemas.ts InboxItem.kind), in words: no raw kind reaches the popup. */
const KIND: Record<InboxKind, string> = {
  support_request: 'Support request',
  guard_approval: 'Guard approval',
  access_request: 'Access request',
  ask: 'Asked to grant',
  change_request: 'Change to approve',
  change_guard_approval: 'Change awaiting Guard',
};

function Freshness({ fetchedAt, now, refreshing, problem, apiBaseUrl }: { fetchedAt?: number; now: number; refreshing: boolean; problem?: string; apiBaseUrl?: string }) {
  const age = fetchedAt === undefined ? 'never loaded' : `updated ${ago(now - fetchedAt)}`;
  if (problem === 'offline')
    return (
      <p class="status stale" role="status">
        Offline: can't reach {apiBaseUrl}. Showing what we had, {age}. Actions need the API.
      </p>
    );
  if (problem)
    return (
      <p class="status stale" role="status">
        Couldn't refresh ({problem}). Showing what we had, {age}.
      </p>
    );
  return (
    <p class="status" role="status">
      {refreshing ? `From cache, ${age} · refreshing…` : `Up to date · ${age}`}
    </p>
  );
}

render(<Popup />, document.getElementById('app')!);
