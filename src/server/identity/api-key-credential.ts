// What a presented API key is, as the rest of the server sees it (the keys themselves: api-keys.ts).
// Types and one pure helper, so auth.ts and the audit writers can name key callers without
// importing the key store.
import type { ApiKeyScope } from '../../api/vocabulary';

/** A key's id, name, scopes and, for `access_check`, the engineer it checks as. */
export interface ApiKeyCredential {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  engineer: string | null;
}

/** A request made with an API key: `id` is the key's id, `tokenHash` the secret's SHA-256 hex. */
export interface KeyCaller {
  kind: 'key';
  id: string;
  tokenHash: string;
  key: ApiKeyCredential;
}

/** The audit row's actor for a caller: a key's id and kind `key`, with its name (and engineer) for the detail. */
export function keyAttribution(caller: { kind: string; id: string; key?: ApiKeyCredential }): { actor: string; actorKind: 'key'; detail: { keyName: string; engineer?: string } } | undefined {
  if (!caller.key) return undefined;
  return { actor: caller.key.id, actorKind: 'key', detail: { keyName: caller.key.name, ...(caller.kind === 'engineer' ? { engineer: caller.id } : {}) } };
}
