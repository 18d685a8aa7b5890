// One form of an email address for matching people: the same person written " Alice@ACME.test ",
// "alice@acme.test" or with a decomposed accent must be one user, one bar, one seat.

/**
 * The matching key of an email address: surrounding space trimmed, Unicode NFKC (so composed and
 * decomposed accents, full-width letters and ligatures compare equal), then case-folded.
 * `toUpperCase().toLowerCase()` is used because it folds what `toLowerCase()` alone leaves apart
 * (ß/SS → ss, final sigma, long s); NFKC runs again since lower-casing can leave decomposed forms.
 * Used for lookups and storage keys; the address a person typed is kept for display.
 */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

const EMAIL_SHAPE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/u;
/**
 * Characters that draw nothing or look like a space: format characters (zero-width space, soft
 * hyphen, joiners, direction marks), controls, separators, private-use and unassigned code points.
 * An address holding one displays exactly like another person's, so it is refused rather than
 * matched or folded away (a reviewer must never approve a second seat for a look-alike).
 */
const INVISIBLE = /[\p{Cf}\p{Cc}\p{Z}\p{Co}\p{Cn}]/u;

/**
 * Is this (after normalizing) shaped like an address: one @, no spaces or invisible characters,
 * a domain of dot-separated labels with no empty label (no trailing or doubled dot).
 */
export function isEmailAddress(email: string): boolean {
  const e = normalizeEmail(email);
  return !INVISIBLE.test(e) && EMAIL_SHAPE.test(e);
}
