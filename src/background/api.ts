// The only place the token is read to call the Access API. Network failures become an
// `offline` problem so views can say why they are stale.
import { AccessApiError, createAccessClient, type AccessClient } from '../api/client';
import { freshSettings } from './provider-session';
import type { Problem } from '../shared-ext/messages';
import { tokenRejected } from './auth-state';

export class NotSignedIn extends Error {
  readonly problem: Problem = { title: 'Not signed in', detail: 'Sign in from Access Companion options.', status: 401 };
  constructor() {
    super('Not signed in');
    this.name = 'NotSignedIn';
  }
}

export class ApiUnreachable extends Error {
  readonly problem: Problem;
  constructor(readonly apiBaseUrl: string) {
    super(`Can't reach the Access API at ${apiBaseUrl}`);
    this.name = 'ApiUnreachable';
    this.problem = { title: 'Access API unreachable', detail: `${this.message}.`, status: 0 };
  }
}

/** A client for the signed-in admin; fetch failures (API down, offline) throw ApiUnreachable. */
export async function accessClient(): Promise<{ client: AccessClient; tokenHash: string; apiBaseUrl: string }> {
  // A session from the org's provider is renewed here, before it ends, while the provider allows.
  const settings = await freshSettings();
  if (!settings.token) throw new NotSignedIn();
  return { client: clientFor(settings.apiBaseUrl, settings.token, { signOutOn401: true }), tokenHash: await fingerprint(settings.token), apiBaseUrl: settings.apiBaseUrl };
}

/** `signOutOn401`: the signed-in session's client; a 401 means its token was rotated or revoked. */
export function clientFor(apiBaseUrl: string, token: string, opts: { signOutOn401?: boolean } = {}): AccessClient {
  return createAccessClient(apiBaseUrl, token, async (input, init) => {
    let res: Response;
    try {
      res = await fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(10_000) });
    } catch {
      throw new ApiUnreachable(apiBaseUrl);
    }
    if (res.status === 401 && opts.signOutOn401) await tokenRejected(token, await problemReason(res));
    return res;
  });
}

/** The `reason` member of a 401 problem (`deactivated`, `session_ended`), read from a copy so the caller still has the body. */
export async function problemReason(res: Response): Promise<unknown> {
  try {
    return ((await res.clone().json()) as { reason?: unknown }).reason;
  } catch {
    return undefined;
  }
}

/** Identifies a token in the cache without storing it twice. */
export async function fingerprint(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return [...new Uint8Array(digest).slice(0, 12)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function problemOf(error: unknown): Problem {
  if (error instanceof AccessApiError) {
    return { title: error.problem.title, detail: error.problem.detail, status: error.status, causes: error.problem.causes };
  }
  if (error instanceof ApiUnreachable || error instanceof NotSignedIn) return error.problem;
  return { title: error instanceof Error ? error.message : String(error) };
}
