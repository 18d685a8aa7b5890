// Shapes and sizes every part agrees on. They live in core because the world parser and the rules
// check them; src/api re-exports them beside their labels for the server and the extension.

/**
 * A ticket key as the vendor writes it: upper-case project, dash, number ("PS-101"). The source
 * without anchors, so a URL matcher can embed it; test a whole string with `isTicketKey`.
 */
export const TICKET_KEY_SOURCE = '[A-Z][A-Z0-9_]*-\\d+';
const TICKET_KEY = new RegExp(`^${TICKET_KEY_SOURCE}$`);
/** Longest id the API accepts in a path or a body (characters). */
export const MAX_ID_LENGTH = 200;
/**
 * Longest ticket key anyone accepts (characters). A ticket key is an id to the API: the routes
 * check only this length, so a key of another shape is looked up, refused and audited like any
 * unknown ticket rather than turned away before the audit sees it.
 */
export const TICKET_KEY_MAX_LENGTH = MAX_ID_LENGTH;

/** Is `v` a whole ticket key within the length limit? */
export function isTicketKey(v: string): boolean {
  return v.length <= TICKET_KEY_MAX_LENGTH && TICKET_KEY.test(v);
}

/** Longest free-text message a person types (characters): a deny message, a grant note, an ask. */
export const MAX_MESSAGE_LENGTH = 500;
