// Which browser extensions may call the API from their pages (CORS). Only extensions the deployment
// names: the demo build's pinned id always (src/api/extension-ids.ts), plus the ids given with
// --extension-ids / AC_EXTENSION_IDS (the store build's id; a Firefox install's moz-extension UUID).
// Reflecting any chrome-extension:// origin (issue 19) let every installed extension read answers
// with whatever token it held. Bearer tokens, not CORS, are what protect the API: CORS only keeps
// origins we never named from reading answers in a browser.
import { DEMO_EXTENSION_ID } from '../../api/extension-ids';

const CHROME_ID = /^[a-p]{32}$/;
const CHROME_ORIGIN = /^chrome-extension:\/\/[a-p]{32}$/;
// Firefox gives each installation a random UUID as its extension origin's host.
const FIREFOX_ORIGIN = /^moz-extension:\/\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The origins CORS answers for: `chrome-extension://<demo id>` and each entry of `ids`, which is a
 * Chrome extension id (32 letters a–p), a `chrome-extension://<id>` origin or a
 * `moz-extension://<uuid>` origin (lower case). Throws naming the first entry that is none of them
 * (no wildcards: an origin allowed must be one someone chose).
 */
export function extensionOrigins(ids: readonly string[] = []): Set<string> {
  const out = new Set([`chrome-extension://${DEMO_EXTENSION_ID}`]);
  for (const raw of ids) {
    const id = raw.trim();
    if (id === '') continue;
    if (CHROME_ID.test(id)) out.add(`chrome-extension://${id}`);
    else if (CHROME_ORIGIN.test(id) || FIREFOX_ORIGIN.test(id)) out.add(id);
    else
      throw new Error(
        `extension id "${id}" is not a Chrome extension id (32 letters a–p), a chrome-extension://<id> origin or a moz-extension://<uuid> origin (lower case, as Firefox's about:debugging shows it)`,
      );
  }
  return out;
}
