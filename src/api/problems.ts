// Stable problem `type` URIs (RFC 9457). Clients branch on these, never on titles.
export const PROBLEM_BASE = 'https://access-companion.dev/problems/';

export const PROBLEMS = {
  'bad-request': { status: 400, title: 'The request is not valid' },
  'invalid-json': { status: 400, title: 'The body is not valid JSON' },
  unauthenticated: { status: 401, title: 'A valid bearer token is required' },
  forbidden: { status: 403, title: 'You may not do this' },
  'not-eligible': { status: 403, title: 'You cannot grant data access for this ticket' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'illegal-transition': { status: 409, title: 'That change is not possible in the current state' },
  conflict: { status: 409, title: 'Conflict' },
  'precondition-failed': { status: 412, title: 'The resource changed since you read it' },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'Send application/json' },
  'idempotency-key-reused': { status: 422, title: 'This Idempotency-Key was used with a different request' },
  'request-refused': { status: 422, title: 'The request was refused' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Something went wrong on our side' },
  'db-unavailable': { status: 503, title: 'The database is unavailable; retry shortly' },
  'storage-unavailable': { status: 503, title: 'The API could not write to its storage' },
  'identity-provider-unavailable': { status: 503, title: "The organisation's identity provider could not be reached; retry shortly" },
} as const;

export type ProblemKind = keyof typeof PROBLEMS;

export const problemType = (kind: ProblemKind): string => PROBLEM_BASE + kind;
