// API sessions of people who signed in with the org's identity provider. A session is an opaque
// random bearer token (256 bits, prefixed "acs_" so other tokens never cost a database lookup);
// only its SHA-256 is stored, in the database, so a sign-out or an expiry is seen by the next
// request on every API process. A session lasts at most an hour; the extension renews it with a
// fresh ID token while the provider's session lasts.
import { randomBytes } from 'node:crypto';
import { normalizeEmail, type User } from '../../core/index';
import { type Caller, sha256 } from '../http/auth';
import type { ServerContext } from '../context';
import type { Queryable } from '../db/index';
import type { VerifiedPerson } from './oidc';
import { HttpProblem } from '../http/problems';

export const SESSION_PREFIX = 'acs_';
/** The longest a session may last (DESIGN §6: whatever the API accepts expires within an hour). */
export const MAX_SESSION_MS = 3_600_000;
/** How long a renewed session's predecessor is still accepted (requests in flight while it was renewed). */
export const RENEWAL_GRACE_MS = 60_000;
const SESSION_TOKEN = /^acs_[A-Za-z0-9_-]{43}$/;

/** Why a presented session is no longer accepted (audit detail). */
export type SessionEnd = 'expired' | 'signed_out' | 'person_gone';

/** A compact JWS's signing input (header.payload): the same for every spelling of one signed token. */
const signedPart = (jws: string): string => jws.slice(0, Math.max(0, jws.lastIndexOf('.')));

/**
 * How an ID token's address must match a person's: canonical composition (NFC) and letter case
 * only. normalizeEmail also folds compatibility forms (NFKC: full-width letters, ligatures) and
 * special cases (dotless ı and long ſ upper-case to I and S), which is right for finding one
 * person written twice in the org's own data, but at a provider those are other accounts with
 * other mailboxes: "alıce@acme.test" is not alice.
 */
const addressForm = (email: string): string => email.trim().normalize('NFC').toLowerCase();

/**
 * The org member an ID token's email names, or undefined: found by the normalized form, and kept
 * only when the address is theirs up to letter case and composition (a folded look-alike is not).
 */
export function personByEmail(s: Pick<ServerContext, 'ix'>, email: string): User | undefined {
  const user = s.ix.usersByEmail.get(normalizeEmail(email));
  return user && addressForm(user.email) === addressForm(email) && email.normalize('NFKC') === email.normalize('NFC') ? user : undefined;
}

/** Is this person still one the API serves: in the directory and not deactivated? (Their sessions and personal token are refused otherwise.) */
export function personActive(s: Pick<ServerContext, 'ix'>, userId: string): boolean {
  const u = s.ix.usersById.get(userId);
  return u !== undefined && u.active !== false;
}

/**
 * Opens a session for `user` lasting `ttlMs` (≤ MAX_SESSION_MS) from `nowMs`, inside `tx`, and
 * audits it (`auth.sign_in`, or `auth.session_renew` when it replaces `previous`, a live session
 * of the same person, which ends with it). Returns the bearer token (shown only now) and its
 * expiry in ms. A sign-in with an ID token already exchanged once is a replay: undefined. A
 * renewal whose `previous` is not a live session of this person, or was renewed already: 'previous_ended'. In both cases
 * nothing was written.
 */
export async function openSession(
  s: Pick<ServerContext, 'trail'>,
  tx: Queryable,
  at: string,
  input: { user: User; person: VerifiedPerson; idToken: string; ttlMs: number; nowMs: number; previous?: string },
): Promise<{ token: string; expiresAt: number } | 'previous_ended' | undefined> {
  const token = SESSION_PREFIX + randomBytes(32).toString('base64url');
  const expiresAt = input.nowMs + Math.min(input.ttlMs, MAX_SESSION_MS);
  // A renewal presents a live session of the same person. It may carry the very ID token the
  // sign-in did (a provider answers a refresh within the same second with the same bytes), so
  // only sign-ins are checked for replay: a thief holding an ID token has no session to present.
  // The old session is not ended outright: requests sent with it just before the client got the
  // new one still arrive. It lasts RENEWAL_GRACE_MS more, and a sign-out with the new one ends it.
  // A session is renewed once: a second renewal in its grace would fork a successor that the
  // sign-out with the first never reaches (replaced_by names one successor).
  // Replay is keyed on what the provider signed (header.payload), not the token's spelling: a
  // JWS signature has several base64url spellings of the same bytes (unused bits in the last
  // character), and each would otherwise sign in once more.
  const renewed =
    input.previous !== undefined &&
    SESSION_TOKEN.test(input.previous) &&
    (
      await tx.query(
        'UPDATE sessions SET expires_at = LEAST(expires_at, $3), replaced_by = $4 WHERE token_hash = $1 AND user_id = $2 AND ended_at IS NULL AND replaced_by IS NULL AND expires_at > $5 RETURNING token_hash',
        [sha256(input.previous), input.user.id, input.nowMs + RENEWAL_GRACE_MS, sha256(token), input.nowMs],
      )
    ).length > 0;
  // A renewal of a session that ended (signed out, expired, someone else's) is no renewal: the
  // person must sign in again, or an API sign-out would be undone by the next silent refresh.
  if (input.previous !== undefined && !renewed) return 'previous_ended';
  // Every ID token exchanged is recorded, a renewal's too: otherwise the fresh one a renewal used
  // could open a new session after the person signed out. A renewal may carry one this person
  // exchanged before (the same bytes within a second, see above): then the new session records none.
  const insert = (idTokenHash: string | null) =>
    tx.query(
      'INSERT INTO sessions (token_hash, user_id, issuer, subject, id_token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id_token_hash) DO NOTHING RETURNING token_hash',
      [sha256(token), input.user.id, input.person.issuer, input.person.subject, idTokenHash, input.nowMs, expiresAt],
    );
  const idTokenHash = sha256(signedPart(input.idToken));
  let inserted = await insert(idTokenHash);
  if (inserted.length === 0 && renewed) {
    const [prior] = await tx.query<{ user_id: string }>('SELECT user_id FROM sessions WHERE id_token_hash = $1', [idTokenHash]);
    // Not this person's: nothing of the renewal may commit (the predecessor was already shortened).
    if (prior?.user_id !== input.user.id) throw new HttpProblem('unauthenticated', 'The ID token was not accepted: sign in with your organisation again.', {}, 401);
    inserted = await insert(null);
  }
  if (inserted.length === 0) return undefined;
  const detail = { issuer: input.person.issuer, subject: input.person.subject, expiresAt: new Date(expiresAt).toISOString() };
  if (renewed) await s.trail.append(tx, { actor: input.user.id, actorKind: 'admin', action: 'auth.session_renew', outcome: 'done', detail }, at);
  else await s.trail.append(tx, { actor: input.user.id, actorKind: 'admin', action: 'auth.sign_in', outcome: 'done', detail }, at);
  return { token, expiresAt };
}

/**
 * The caller a session token names, or why it is refused. `undefined`: not a session token, or
 * one the API never issued. A known session that ended (signed out, replaced, expired) or whose
 * person is gone is refused, and the first such use of each session is audited
 * (`auth.session_refused`): later ones meet the failed-authentication brake without writing the log.
 */
export async function sessionCaller(s: ServerContext, bearer: string | undefined, nowMs = Date.now()): Promise<{ caller: Caller } | { refused: SessionEnd } | undefined> {
  if (!bearer || !SESSION_TOKEN.test(bearer)) return undefined;
  const tokenHash = sha256(bearer);
  const [row] = await s.db.query<{ user_id: string; expires_at: string | number; ended_reason: string | null }>('SELECT user_id, expires_at, ended_reason FROM sessions WHERE token_hash = $1', [
    tokenHash,
  ]);
  if (!row) return undefined;
  const ended: SessionEnd | undefined = (row.ended_reason as SessionEnd | null) ?? (Number(row.expires_at) <= nowMs ? 'expired' : personActive(s, row.user_id) ? undefined : 'person_gone');
  if (!ended) return { caller: { kind: 'admin', id: row.user_id, tokenHash, session: true } };
  await s.db.transaction(async (tx) => {
    const first = await tx.query('UPDATE sessions SET refused_at = $2 WHERE token_hash = $1 AND refused_at IS NULL RETURNING token_hash', [tokenHash, nowMs]);
    if (first.length > 0) await s.trail.append(tx, { actor: row.user_id, actorKind: 'admin', action: 'auth.session_refused', outcome: 'refused', detail: { reason: ended } }, s.now());
  });
  return { refused: ended };
}

/** Is the session `tokenHash` still live at `nowMs` (not ended, not expired, its person still served)? */
export async function sessionLive(s: Pick<ServerContext, 'db' | 'ix'>, tokenHash: string, nowMs = Date.now()): Promise<boolean> {
  const [row] = await s.db.query<{ user_id: string; expires_at: string | number; ended_at: unknown }>('SELECT user_id, expires_at, ended_at FROM sessions WHERE token_hash = $1', [tokenHash]);
  return !!row && row.ended_at === null && Number(row.expires_at) > nowMs && personActive(s, row.user_id);
}

/** Ends the session `tokenHash` names (sign-out), audited; false when it was not a live session. */
export async function endSession(s: ServerContext, caller: Caller, nowMs = Date.now()): Promise<boolean> {
  return s.db.transaction(async (tx) => {
    // The predecessor it replaced, in its grace, ends with it.
    const ended = await tx.query<{ token_hash: string }>(
      "UPDATE sessions SET ended_at = $2, ended_reason = 'signed_out' WHERE (token_hash = $1 OR replaced_by = $1) AND user_id = $3 AND ended_at IS NULL RETURNING token_hash",
      [caller.tokenHash, nowMs, caller.id],
    );
    if (!ended.some((r) => r.token_hash === caller.tokenHash)) return false;
    await s.trail.append(tx, { actor: caller.id, actorKind: 'admin', action: 'auth.sign_out', outcome: 'done' }, s.now());
    return true;
  });
}

/** Forget sessions that ended or expired more than `keepMs` ago (their audit rows stay). */
export async function expireSessions(s: Pick<ServerContext, 'db'>, keepMs: number, nowMs = Date.now()): Promise<number> {
  return (await s.db.query('DELETE FROM sessions WHERE expires_at < $1 RETURNING token_hash', [nowMs - keepMs])).length;
}
