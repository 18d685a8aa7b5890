// The extension ids an Access API lets call it from a browser (CORS), and the demo build's pinned
// key. A Chrome extension loaded unpacked gets its id from the public key in its manifest's `key`
// (the first 128 bits of the SHA-256 of the DER key, written with the letters a–p), else from the
// folder it was loaded from. The demo build pins one, so its id, the redirect URI an identity
// provider must know (https://<id>.chromiumapp.org/) and the allowed CORS origin are the same in
// every clone. Only the public key is here: Chrome needs no private key to load an unpacked build.

/** The demo build's manifest `key`: a base64 DER (SubjectPublicKeyInfo) RSA-2048 public key. */
export const DEMO_EXTENSION_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAz9VLW6BClA6C2VTdGyu4IsOxlEqRMWdOeKAsxduU40LZnN6dX62LAyj5gPJMFEPhD/mINlpfqqDXNhWbExVnOaT21b4saPEYDcaPKciAYRHALSU/Gt4z+qbc3HF48qVUhWTIgB+wCFyu8zsKovKb5owhxBgKXqSmLcnHkKKzEv18ZbEbeUMM1w2YJnZ2NLDpY2NmFHmKL5E+1x8MJyQ0jwLOBwakKz/Ig8HdPPNkLqZzA01FdoN1XWKFxQ7fhUOLML2M8yQbEjHMeGuXV0k2Fpi8waBzOD6oysP9cMdpcH2suXsRorkb6omHR4elmxAh+OmPlQqvg8pAZn80To3eowIDAQAB';

/** The demo build's Chrome extension id, derived from {@link DEMO_EXTENSION_KEY} (checked in test/api/extension-ids.test.ts). */
export const DEMO_EXTENSION_ID = 'opfbkjngjpbglfmicpkgkfjbegodolap';

/**
 * Where `browser.identity.getRedirectURL()` sends the identity provider's answer: Chrome
 * `https://<extension id>.chromiumapp.org/`, Firefox `https://<SHA-1 hex of the add-on id>.extensions.allizom.org/`.
 * These are the redirect URIs to register for the `access-companion` client (README).
 */
export const DEMO_CHROME_REDIRECT_URI = `https://${DEMO_EXTENSION_ID}.chromiumapp.org/`;
/** For the Firefox builds' add-on id (GECKO_ID in manifest.config.ts); checked in test/api/extension-ids.test.ts. */
export const FIREFOX_REDIRECT_URI = 'https://7a18ae9dd1e1593afe7316c5fa967b2b4d3cf39c.extensions.allizom.org/';
