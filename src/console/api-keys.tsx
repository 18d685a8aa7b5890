// Settings → API keys: the org's Access API keys for machine callers (DESIGN §6). Lists them (never
// a secret), makes one (its secret shown here once, with a copy button) and deletes one after a
// confirmation, through the same click guard as every other consequential action.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiKeyCreatedWire, ApiKeyWire } from '../api/api-key-schemas';
import { API_KEY_SCOPE_LABELS } from '../api/vocabulary';
import { useActionKeys } from '../shared-ext/action-keys';
import { displayText, since, when } from '../shared-ext/format';
import { GuardedButton, parkedText } from '../shared-ext/guarded-button';
import { callBackground, type ClickEvidence } from '../shared-ext/messages';
import { useSettledAction } from '../shared-ext/use-settled';
import { NewKeyForm } from './api-key-form';
import { Status, useLive } from './use-live';

type Result = { kind: 'ok' | 'error' | 'parked' | 'note'; text: string };

const deletedText = (name: string) => `Deleted “${name}”: whatever used it is refused from its next request.`;

export function ApiKeys() {
  const list = useLive(() => callBackground('listApiKeys'));
  const [created, setCreated] = useState<ApiKeyCreatedWire | undefined>();
  const [confirming, setConfirming] = useState<string | undefined>();
  const [result, setResult] = useState<Result | undefined>();
  const keys = useActionKeys();
  // A delete parked for the popup: the key it names, so the page can say how the popup settled it.
  const [parked, setParked] = useState<{ pendingId: string; name: string } | undefined>();
  useSettledAction(parked?.pendingId, (settled) => {
    const name = parked!.name;
    setParked(undefined);
    if (settled.result.outcome === 'dismissed') return setResult({ kind: 'note', text: `“${name}”: dismissed in the toolbar popup, nothing was deleted.` });
    setConfirming(undefined);
    setResult({ kind: 'ok', text: deletedText(name) });
    list.reload();
  });

  async function remove(k: ApiKeyWire, click: ClickEvidence) {
    const action = `api-key-delete:${k.id}`;
    try {
      const out = await keys.run(action, (idempotencyKey) => callBackground('deleteApiKey', { id: k.id, idempotencyKey, click }));
      if (out.outcome === 'parked') {
        setParked({ pendingId: out.pendingId, name: k.name });
        return setResult({ kind: 'parked', text: `“${k.name}”: ${parkedText(out.reason)}` });
      }
      setConfirming(undefined);
      setResult({ kind: 'ok', text: deletedText(k.name) });
      list.reload();
    } catch (error) {
      setResult({ kind: 'error', text: `“${k.name}” was not deleted: ${(error as Error).message}` });
    }
  }

  const rows = list.value?.keys ?? [];
  return (
    <>
      <p class="note">
        Keys let your tools call the Access API without a person signing in: support tooling checking access as one Support engineer, a SIEM reading the audit log, your identity provider syncing the
        directory. Each key can do only what its scopes allow, and everything done with it is recorded in the audit log under the key's name.
      </p>
      {created && <NewSecret created={created} onDone={() => setCreated(undefined)} />}
      <h2 id="api-keys-heading">Keys</h2>
      <Status state={list} />
      {list.value && rows.length === 0 && <p class="note">No API keys yet.</p>}
      {rows.length > 0 && (
        <table aria-labelledby="api-keys-heading">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scopes</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((k) => (
              <KeyRow key={k.id} k={k} confirming={confirming === k.id} onConfirm={() => setConfirming(k.id)} onCancel={() => setConfirming(undefined)} remove={remove} />
            ))}
          </tbody>
        </table>
      )}
      {result && (
        <p class={`result ${result.kind === 'parked' ? 'parked' : result.kind}`} role="status">
          {result.text}
        </p>
      )}
      {list.value && (
        <NewKeyForm
          engineers={list.value.engineers}
          onCreated={(k) => {
            setCreated(k);
            setResult(undefined);
            list.reload();
          }}
        />
      )}
    </>
  );
}

const expired = (k: ApiKeyWire) => k.expiresAt !== null && Date.parse(k.expiresAt) <= Date.now();

function KeyRow({
  k,
  confirming,
  onConfirm,
  onCancel,
  remove,
}: {
  k: ApiKeyWire;
  confirming: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  remove: (k: ApiKeyWire, c: ClickEvidence) => void;
}) {
  const confirmId = `confirm-${k.id}`;
  // Focus goes to Cancel when the question opens (a second Enter must not delete), and back to
  // "Delete…" when it closes, so keyboard and screen-reader users keep their place.
  const ask = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);
  useEffect(() => {
    if (wasConfirming.current && !confirming) ask.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);
  return (
    <tr data-key={k.id}>
      <td>
        <strong>{k.name}</strong>
      </td>
      <td>
        <ul class="plain">
          {k.scopes.map((s) => (
            <li key={s}>
              {API_KEY_SCOPE_LABELS[s]}
              {s === 'access_check' && k.engineer && <span class="small"> — as {k.engineerName ?? k.engineer}</span>}
            </li>
          ))}
        </ul>
      </td>
      <td>
        <span title={when(k.createdAt)}>{since(k.createdAt)}</span>
        <div class="small">by {k.createdByName}</div>
      </td>
      <td>{k.expiresAt === null ? 'Never' : expired(k) ? <span class="lozenge revoked">Expired {when(k.expiresAt)}</span> : when(k.expiresAt)}</td>
      <td>{k.lastUsedAt === null ? 'Never' : <span title={when(k.lastUsedAt)}>{since(k.lastUsedAt)}</span>}</td>
      <td>
        {confirming ? (
          <fieldset aria-labelledby={confirmId} class="confirm">
            <p id={confirmId} class="small">
              Delete “{k.name}”? Whatever uses it is refused from its next request. This cannot be undone.
            </p>
            <div class="actions" style="margin:0">
              <GuardedButton class="danger" confirm={`Delete the API key “${k.name}”: whatever uses it is refused from its next request`} act={(click) => remove(k, click)}>
                Delete key
              </GuardedButton>
              <FocusedOnMount onClick={onCancel}>Cancel</FocusedOnMount>
            </div>
          </fieldset>
        ) : (
          <button type="button" ref={ask} aria-label={`Delete ${k.name}…`} onClick={onConfirm}>
            Delete…
          </button>
        )}
      </td>
    </tr>
  );
}

/** The new key's secret, this once: copy it now. Focus lands here so a screen reader reads it first. */
function NewSecret({ created, onDone }: { created: ApiKeyCreatedWire; onDone: () => void }) {
  const field = useRef<HTMLInputElement>(null);
  const section = useRef<HTMLElement>(null);
  const [copied, setCopied] = useState<string | undefined>();
  // Once per new key, not on every render (a re-render must not pull focus off the Copy button).
  useEffect(() => section.current?.focus(), [created.id]);
  async function copy() {
    try {
      await navigator.clipboard.writeText(created.secret);
      setCopied('Copied to the clipboard.');
    } catch {
      // The page around our frame may forbid clipboard access: select it for Ctrl+C / ⌘C instead.
      field.current?.select();
      setCopied(document.execCommand('copy') ? 'Copied to the clipboard.' : 'Selected: press Ctrl+C (⌘C on a Mac) to copy it.');
    }
  }
  return (
    <section class="secret" aria-labelledby="new-secret-heading" tabIndex={-1} ref={section}>
      <h2 id="new-secret-heading">Copy the key “{displayText(created.name)}” now: you won't see it again</h2>
      <p class="small">Access Companion keeps only a fingerprint of it. If you lose it, delete the key and make a new one.</p>
      <label for="new-secret" class="small">
        Secret
      </label>
      <div class="actions" style="margin-top:2px">
        <input id="new-secret" ref={field} class="secret-value" readOnly value={created.secret} spellcheck={false} autocomplete="off" onFocus={(e) => (e.target as HTMLInputElement).select()} />
        <button type="button" class="primary" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" onClick={onDone}>
          I've stored it
        </button>
      </div>
      {copied && (
        <p class="small ok" role="status">
          {copied}
        </p>
      )}
    </section>
  );
}

/** A plain button that takes focus when it first appears. */
function FocusedOnMount({ onClick, children }: { onClick: () => void; children: string }) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <button type="button" ref={ref} onClick={onClick}>
      {children}
    </button>
  );
}
