// Why the extension signed a session out, said the same way in the popup, the panel and the options page.

/**
 * Why the API stopped accepting the signed-in credential: `token_rejected` (a personal access token
 * rotated or revoked), `session_ended` (a session from the org's identity provider ended at the API:
 * signed out elsewhere, expired), `deactivated` (the API's 401 said the person was deactivated or
 * removed from the org's directory, e.g. by SCIM `active: false`).
 */
export type SignedOutBecause = 'token_rejected' | 'session_ended' | 'deactivated';

/** One sentence saying why, for a person (ends with a full stop; no time in it). */
export function signedOutWhy(because: SignedOutBecause | undefined): string {
  if (because === 'deactivated') return "Your account was deactivated in your organization's directory, so the Access API refuses it; an org admin can reactivate it.";
  if (because === 'session_ended') return 'Your session ended at the Access API.';
  return 'The Access API stopped accepting your token; it was probably rotated or revoked.';
}
