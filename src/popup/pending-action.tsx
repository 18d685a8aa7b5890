// "Confirm pending action": a grant or revoke the ticket panel could not vouch for (the click was
// synthesized, or the panel was covered or faded) waits here. A click in our own popup, which no
// page can cover, is what makes it happen.
import { useEffect, useState } from 'preact/hooks';
import { callBackground } from '../shared-ext/messages';
import type { PendingAction as Pending } from '../shared-ext/pending-action';
import { describeResult, type ResultLine } from '../shared-ext/action-result';

export function PendingAction() {
  const [pending, setPending] = useState<Pending | undefined>();
  const [result, setResult] = useState<{ headline: string; lines: ResultLine[] } | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    void callBackground('getPendingAction').then(setPending, () => undefined);
  }, []);
  if (!pending && !result) return null;

  async function confirm() {
    if (!pending) return;
    try {
      const out = await callBackground('confirmPendingAction', { id: pending.id });
      setResult(out.outcome === 'done' ? describeResult(out) : { headline: 'Still waiting.', lines: [] });
      setPending(undefined);
    } catch (e) {
      setError((e as Error).message);
    }
  }
  async function dismiss() {
    if (!pending) return;
    await callBackground('dismissPendingAction', { id: pending.id }).catch(() => undefined);
    setPending(undefined);
  }

  return (
    <section aria-label="Confirm pending action" style="border:1px solid #0c66e4;border-radius:3px;padding:8px;margin:10px 0;background:#e9f2ff">
      <h2 style="margin-top:0">Confirm pending action</h2>
      {pending ? (
        <>
          <p style="margin:0 0 4px">
            <strong>{pending.label}</strong>
          </p>
          <p class="muted" style="margin:0 0 8px">
            Held because: {pending.reason}
          </p>
          <button type="button" class="danger" style="background:#0c66e4" onClick={() => void confirm()}>
            Confirm
          </button>{' '}
          <button type="button" onClick={() => void dismiss()}>
            Dismiss
          </button>
          {error && <p class="error">{error}</p>}
        </>
      ) : (
        <div role="status" class="action-result">
          <p style="margin:0">{result?.headline}</p>
          {result && result.lines.length > 0 && (
            <ul style="margin:4px 0 0;padding-left:18px">
              {result.lines.map((l) => (
                <li key={l.key} class={l.ok ? 'ok' : 'error'}>
                  {l.text}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
