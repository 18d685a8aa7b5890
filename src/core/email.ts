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

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Is this (after normalizing) shaped like an address: one @, no spaces, a dot in the domain. */
export function isEmailAddress(email: string): boolean {
  return EMAIL_SHAPE.test(normalizeEmail(email));
}
