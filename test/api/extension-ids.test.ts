import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEMO_CHROME_REDIRECT_URI, DEMO_EXTENSION_ID, DEMO_EXTENSION_KEY, FIREFOX_REDIRECT_URI } from '../../src/api/extension-ids';
import { buildTarget, GECKO_ID, manifestFor } from '../../manifest.config';

/** Chrome's rule: the first 16 bytes of SHA-256(DER public key), each hex digit 0–f written as a–p. */
function chromeIdOf(base64Key: string): string {
  const hex = createHash('sha256').update(Buffer.from(base64Key, 'base64')).digest('hex').slice(0, 32);
  return [...hex].map((d) => String.fromCharCode(97 + Number.parseInt(d, 16))).join('');
}

describe('the demo build has one extension id in every clone', () => {
  it('derives DEMO_EXTENSION_ID from the pinned key', () => {
    expect(chromeIdOf(DEMO_EXTENSION_KEY)).toBe(DEMO_EXTENSION_ID);
  });
  it('pins the key in the Chrome demo manifest only', async () => {
    const key = async (mode: string) => {
      const m = manifestFor(buildTarget(mode)) as unknown;
      return ((typeof m === 'function' ? await m({ command: 'build', mode }) : await m) as { key?: string }).key;
    };
    expect(await key('demo')).toBe(DEMO_EXTENSION_KEY);
    expect(await key('production')).toBeUndefined();
    expect(await key('firefox-demo')).toBeUndefined();
  });
  it("names the identity provider's redirect URIs for the pinned Chrome id and the Firefox add-on id", () => {
    expect(DEMO_CHROME_REDIRECT_URI).toBe(`https://${DEMO_EXTENSION_ID}.chromiumapp.org/`);
    // Firefox's getRedirectURL(): the SHA-1 of the add-on id, in hex, under extensions.allizom.org.
    expect(FIREFOX_REDIRECT_URI).toBe(`https://${createHash('sha1').update(GECKO_ID).digest('hex')}.extensions.allizom.org/`);
  });
});
