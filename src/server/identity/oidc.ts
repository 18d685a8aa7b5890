// Verifies ID tokens from the org's OpenID Connect provider (the world file's organization.identity)
// with jose: the provider's keys come from its discovery document's jwks_uri, are cached, and are
// fetched again when a token names a key id we have not seen (a key rotation), at most every 30 s.
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { OrganizationIdentity } from '../../core/index';

/** Signature algorithms an ID token may use; `none` and every HMAC (HS*) are refused. */
export const ID_TOKEN_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
/** How far the provider's clock and ours may disagree (seconds) for exp, nbf and iat. */
export const CLOCK_SKEW_SECONDS = 30;
/** An ID token older than this (by iat) is not exchanged, whatever its exp says. */
const MAX_ID_TOKEN_AGE = '1h';

/** An ID token we refuse: `reason` is for the audit log and logs, never echoed to the client. */
export class IdTokenRefused extends Error {
  constructor(readonly reason: string) {
    super(`ID token refused: ${reason}`);
    this.name = 'IdTokenRefused';
  }
}

/** The provider could not be asked for its keys (down, slow, not a provider): a 503, not the caller's fault. */
export class ProviderUnavailable extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'ProviderUnavailable';
  }
}

/** Who an accepted ID token says signed in. `email` as the provider wrote it. */
export interface VerifiedPerson {
  issuer: string;
  subject: string;
  email: string;
  name?: string;
}

type FetchLike = typeof fetch;

/**
 * One org's ID-token verifier. `verify(idToken, nonce)` resolves to the person or throws
 * IdTokenRefused (forged, expired, not yet valid, wrong issuer or audience, unknown key, disallowed
 * algorithm, nonce mismatch, no verified email) or ProviderUnavailable (discovery or JWKS fetch
 * failed). Discovery is fetched on first use and again after a failure.
 */
export class IdTokenVerifier {
  private keys: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  /** `jwksCooldownMs`: the least time between two key-set fetches caused by unknown key ids. */
  constructor(
    readonly identity: OrganizationIdentity,
    private readonly fetchImpl: FetchLike = fetch,
    private readonly opts: { jwksCooldownMs?: number } = {},
  ) {}

  private jwks(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    this.keys ??= this.discover().catch((e: unknown) => {
      this.keys = undefined; // try again on the next sign-in
      throw e;
    });
    return this.keys;
  }

  private async discover(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    const url = `${this.identity.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let doc: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const res = await this.fetchImpl(url, { signal: AbortSignal.timeout(5_000), headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      doc = (await res.json()) as typeof doc;
    } catch (e) {
      throw new ProviderUnavailable(`the identity provider's discovery document (${url}) could not be read: ${e instanceof Error ? e.message : String(e)}`);
    }
    // OpenID Connect Discovery §4.3: the document's issuer must be the one we asked.
    if (doc.issuer !== this.identity.issuer) throw new ProviderUnavailable(`the discovery document at ${url} names issuer ${String(doc.issuer)}, not ${this.identity.issuer}`);
    if (typeof doc.jwks_uri !== 'string') throw new ProviderUnavailable(`the discovery document at ${url} has no jwks_uri`);
    return createRemoteJWKSet(new URL(doc.jwks_uri), { timeoutDuration: 5_000, cooldownDuration: this.opts.jwksCooldownMs ?? 30_000, cacheMaxAge: 600_000 });
  }

  async verify(idToken: string, nonce: string): Promise<VerifiedPerson> {
    const keys = await this.jwks();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, keys, {
        issuer: this.identity.issuer,
        audience: this.identity.clientId,
        algorithms: ID_TOKEN_ALGORITHMS,
        clockTolerance: CLOCK_SKEW_SECONDS,
        maxTokenAge: MAX_ID_TOKEN_AGE,
        requiredClaims: ['sub', 'exp', 'iat', 'nonce'],
      }));
    } catch (e) {
      if (e instanceof joseErrors.JWKSTimeout) throw new ProviderUnavailable("the identity provider's keys could not be fetched in time");
      if (e instanceof joseErrors.JOSEError) throw new IdTokenRefused(e.code);
      // A key set that is not JSON, or a network failure fetching it, is the provider's fault.
      if (e instanceof TypeError || e instanceof SyntaxError) throw new ProviderUnavailable(`the identity provider's keys could not be read: ${e.message}`);
      throw e;
    }
    // OpenID Connect Core §3.1.3.7: with several audiences, azp must be us.
    if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== this.identity.clientId) throw new IdTokenRefused('azp');
    if (payload.azp !== undefined && payload.azp !== this.identity.clientId) throw new IdTokenRefused('azp');
    if (payload.nonce !== nonce) throw new IdTokenRefused('nonce');
    const email = payload.email;
    if (typeof email !== 'string' || email.length === 0 || email.length > 320) throw new IdTokenRefused('no email claim');
    // An unverified address could be anyone's; a provider that omits the claim vouches for its addresses.
    if (payload.email_verified === false || payload.email_verified === 'false') throw new IdTokenRefused('email not verified');
    return { issuer: this.identity.issuer, subject: String(payload.sub), email, name: typeof payload.name === 'string' ? payload.name : undefined };
  }
}
