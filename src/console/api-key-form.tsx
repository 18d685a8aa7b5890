// The "New key" form of the API keys page: name, scopes, the engineer an access_check key checks
// as, and an optional expiry. The API validates everything again; its refusal is shown as it said it.
// A key is a standing org credential, so it is made only by "Create key" pressed as every
// consequential control is (GuardedButton: a pointer press the frame vouches for, or from the
// keyboard its code confirmation, which names the key and its scopes). Enter in a field sends
// nothing: a hostile page can steer a person's typing into this form (a decoy field just before
// our frame in tab order), and typing is not consent.
import { useState } from 'preact/hooks';
import type { ApiKeyCreatedWire, ApiKeyListWire } from '../api/api-key-schemas';
import { API_KEY_NAME_MAX, API_KEY_SCOPE_LABELS, API_KEY_SCOPES, type ApiKeyScope } from '../api/vocabulary';
import { GuardedButton } from '../shared-ext/guarded-button';
import { callBackground, type ClickEvidence } from '../shared-ext/messages';

export function NewKeyForm({ engineers, onCreated }: { engineers: ApiKeyListWire['engineers']; onCreated: (k: ApiKeyCreatedWire) => void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Set<ApiKeyScope>>(new Set());
  const [engineer, setEngineer] = useState('');
  const [expires, setExpires] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const toggle = (s: ApiKeyScope) =>
    setScopes((prev) => {
      const next = new Set(prev);
      if (next.has(s)) next.delete(s);
      else next.add(s);
      return next;
    });

  async function create(click: ClickEvidence) {
    setError(undefined);
    // What the form can tell at once; the API checks all of it again.
    if (!name.trim()) return setError('Give the key a name, e.g. the tool that will use it.');
    if (scopes.size === 0) return setError('Choose at least one scope.');
    if (scopes.has('access_check') && !engineer) return setError('Choose the Support engineer an access-check key checks as.');
    // datetime-local is the person's local time; the API takes ISO 8601 with an offset.
    const expiresAt = expires ? new Date(expires).toISOString() : undefined;
    setBusy(true);
    try {
      const made = await callBackground('createApiKey', {
        name: name.trim(),
        scopes: API_KEY_SCOPES.filter((s) => scopes.has(s)),
        ...(scopes.has('access_check') ? { engineer } : {}),
        ...(expiresAt ? { expiresAt } : {}),
        click,
      });
      setName('');
      setScopes(new Set());
      setEngineer('');
      setExpires('');
      onCreated(made);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="new-key" aria-labelledby="new-key-heading" onSubmit={(e) => e.preventDefault()} noValidate>
      <h2 id="new-key-heading">New key</h2>
      <div class="field">
        <label for="key-name">Name</label>
        <input id="key-name" type="text" value={name} maxLength={API_KEY_NAME_MAX} required autocomplete="off" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </div>
      <fieldset>
        <legend>Scopes</legend>
        {API_KEY_SCOPES.map((s) => (
          <label key={s} class="choice">
            <input type="checkbox" name="scope" value={s} checked={scopes.has(s)} onChange={() => toggle(s)} /> {API_KEY_SCOPE_LABELS[s]}
          </label>
        ))}
      </fieldset>
      {scopes.has('access_check') && (
        <div class="field">
          <label for="key-engineer">Checks access as</label>
          <select id="key-engineer" value={engineer} required aria-describedby="key-engineer-help" onChange={(e) => setEngineer((e.target as HTMLSelectElement).value)}>
            <option value="">Choose a Support engineer…</option>
            {engineers.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name} ({x.email})
              </option>
            ))}
          </select>
          <p id="key-engineer-help" class="small">
            The key is bound to this engineer when it is made: it is allowed exactly what they are allowed.
          </p>
        </div>
      )}
      <div class="field">
        <label for="key-expires">Expires (optional, your local time)</label>
        <input id="key-expires" type="datetime-local" value={expires} onInput={(e) => setExpires((e.target as HTMLInputElement).value)} />
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        <GuardedButton class="primary" disabled={busy} confirm={confirmWords(name, scopes)} act={(click) => void create(click)}>
          {busy ? 'Creating…' : 'Create key'}
        </GuardedButton>
      </div>
    </form>
  );
}

/** What the keyboard confirmation of "Create key" says: the key's name and everything it will be able to do. */
function confirmWords(name: string, scopes: ReadonlySet<ApiKeyScope>): string {
  const can = API_KEY_SCOPES.filter((s) => scopes.has(s)).map((s) => API_KEY_SCOPE_LABELS[s]);
  return `Create the API key “${name.trim()}”${can.length ? `, which can: ${can.join('; ')}` : ' (no scope chosen yet)'}`;
}
