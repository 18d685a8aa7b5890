// SCIM answers its refusals in its own error schema (RFC 7644 §3.12), not problem+json: identity
// providers parse `status` (a string) and `scimType`, and show `detail` to the admin who set up
// provisioning. Anything the rest of the server throws (an HttpProblem: 401, 429, 413, 503) is
// translated here, so /scim/v2 never answers in another shape.
import type { Context } from 'hono';
import { asProblem } from '../../http/problems';

export const SCIM_CONTENT_TYPE = 'application/scim+json';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** The `scimType` values of RFC 7644 §3.12 table 9 that this server uses. */
export type ScimType = 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'sensitive';

/** A SCIM refusal: an HTTP status, the RFC's `scimType` where one fits, and a sentence for the admin. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimType,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'ScimError';
  }
}

export const badRequest = (detail: string, scimType: ScimType = 'invalidValue') => new ScimError(400, detail, scimType);
export const notFound = (what: string) => new ScimError(404, `${what} not found.`);

/**
 * The SCIM error for whatever a SCIM route threw: a ScimError as it is, a server problem (401,
 * 403, 413, 429, 503, a rule's refusal) with its status, detail and headers; undefined for a
 * failure (the caller logs it and answers 500).
 */
export function asScimError(e: unknown): ScimError | undefined {
  if (e instanceof ScimError) return e;
  const p = asProblem(e);
  if (p) return new ScimError(p.status, p.detail ?? p.message, p.status === 413 ? 'tooMany' : undefined, p.headers);
  return undefined;
}

/** The error body: `status` is a string, as RFC 7644 §3.12 writes it and Okta and Entra expect. */
export function scimErrorBody(e: ScimError): Record<string, unknown> {
  return { schemas: [ERROR_SCHEMA], status: String(e.status), ...(e.scimType ? { scimType: e.scimType } : {}), detail: e.detail };
}

export function scimErrorResponse(_c: Context, e: ScimError): Response {
  return new Response(JSON.stringify(scimErrorBody(e)), { status: e.status, headers: { 'content-type': SCIM_CONTENT_TYPE, ...e.headers } });
}

/** A SCIM JSON answer with its content type (and Location for a created resource). */
export function scimJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': SCIM_CONTENT_TYPE, ...headers } });
}
