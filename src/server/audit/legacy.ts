// Rows written before signed heads (issue 20) were hashed by another rule (chain.ts legacyRowHash:
// the previous hash's hex text, then the row's canonical JSON, seq included), from columns.
import { verify } from 'node:crypto';
import type { Queryable } from '../db/index';
import { canonicalJson } from '../../core/canonical-json';
import { signHead, type SigningKey } from './checkpoints';
import { verifyAuditTrail } from './verify';

/**
 * Signs the boundary head of a trail written before signed heads (rows without a body and no
 * signed head), after storing each row's body, inside the caller's transaction, which must commit
 * only when this returns: then the trail verifies (by the old rule up to the boundary) against the
 * boundary and the old checkpoints signed by `key`. Does nothing on any other trail; throws with the
 * first disagreement: a broken old trail is not signed, and the API does not start on it. Signs only
 * when `upgrade` (the operator's --sign-legacy-boundary), else throws: a database writer can give a
 * signed trail that shape (edited, bodies moved back to columns, notes cleared, chain recomputed by
 * the old rule), so the API never signs one on its own (outside attack 3, legacy-downgrade-attack).
 */
export async function signBoundary(tx: Queryable, key: SigningKey, org: string, at: string, upgrade: boolean): Promise<void> {
  const [h] = await tx.query<{ seq: string; hash: string; signed: string | null; legacy: string | null }>(
    `SELECT h.seq::text, h.hash, h.signed_note AS signed, (SELECT max(seq)::text FROM audit_rows WHERE body IS NULL) AS legacy FROM audit_head h WHERE h.id = 1 FOR UPDATE`,
  );
  if (!h || h.signed !== null || h.legacy === null) return;
  if (!upgrade)
    throw new Error(
      `the audit trail has rows without a signed head, as one written before signed heads has (rows up to ${h.legacy}); a trail changed outside the API can take that shape too, so the API does not sign it on its own: if this database was upgraded from a version before signed heads, start once with --sign-legacy-boundary to check the old rows against their old checkpoints and sign their boundary`,
    );
  const seq = Number(h.seq);
  const refuse = (why: string) => new Error(`the audit trail written before signed heads does not verify, so no boundary head was signed and the API does not start: ${why}`);
  const old = await tx.query<{ seq: string; hash: string; at: string; org: string; signature: string }>('SELECT * FROM audit_checkpoints WHERE key_id = $1', [key.keyId]);
  // The old checkpoints, their signatures checked, as heads to compare the rows with (never stored).
  const checkpoints = old.map((c) => {
    const message = `access-companion/audit-checkpoint/v1\n${canonicalJson({ at: c.at, hash: c.hash, org: c.org, seq: Number(c.seq) })}`;
    if (!verify(null, Buffer.from(message), key.publicKey, Buffer.from(c.signature, 'base64'))) throw refuse(`the checkpoint for row ${c.seq} is not signed by this key`);
    return signHead([key], { seq: Number(c.seq), hash: c.hash, at: c.at, org: c.org });
  });
  for (let after = 0; after < seq; after += 5_000) {
    // A legacy row's body is the canonical JSON of its columns and its seq, as the old rule hashed it.
    const rows = await tx.query<Record<string, unknown>>('SELECT seq, at, actor, actor_kind, action, ticket, resource, outcome, detail FROM audit_rows WHERE seq > $1 AND seq <= $1 + 5000', [after]);
    const bodies = rows.map((r) => canonicalJson({ ...r, actor_kind: undefined, actorKind: r.actor_kind, seq: Number(r.seq) }));
    await tx.query('UPDATE audit_rows SET body = u.body FROM unnest($1::bigint[], $2::text[]) AS u(seq, body) WHERE audit_rows.seq = u.seq', [rows.map((r) => r.seq), bodies]);
  }
  const note = signHead([key], { seq, hash: h.hash, at, org, legacy: seq });
  await tx.query('UPDATE audit_rows SET signed_note = $2 WHERE seq = $1', [seq, note]);
  await tx.query('UPDATE audit_head SET signed_note = $1 WHERE id = 1', [note]);
  const v = await verifyAuditTrail(tx, { publicKey: key.publicKey, checkpoints });
  if (!v.ok) throw refuse(`row ${v.firstBrokenRow}: ${v.reason}`);
}
