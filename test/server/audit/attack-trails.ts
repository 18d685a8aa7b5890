// Trails the attack tests of outside attack 3 tamper with, on PGlite or a scratch PostgreSQL database.
import { sign } from 'node:crypto';
import { ephemeralSigningKey, type SigningKey } from '../../../src/server/audit/checkpoints';
import { AuditTrail } from '../../../src/server/audit/trail';
import { openPglite, openPostgres, type Db } from '../../../src/server/db/index';
import { checkRow } from './audit-forgery';
import { scratchDatabase, type Backend } from '../helpers';

export interface AttackTrail {
  db: Db;
  key: SigningKey;
  trail: AuditTrail;
  close(): Promise<void>;
}

/** A database on `backend` with `n` rows (default 6), each appended on its own and so each a signed head, by `trail` for `org`. */
export async function signedRows(backend: Backend, opts: { org?: string; n?: number; key?: SigningKey } = {}): Promise<AttackTrail> {
  const scratch = backend === 'postgres' ? await scratchDatabase() : undefined;
  const db = scratch ? await openPostgres(scratch.url) : await openPglite();
  const key = opts.key ?? ephemeralSigningKey();
  const trail = new AuditTrail(key, opts.org ?? 'acme');
  for (let n = 1; n <= (opts.n ?? 6); n++) await db.transaction((tx) => trail.appendBatch(tx, [checkRow(n)]));
  const close = async () => {
    await db.close();
    await scratch?.drop();
  };
  return { db, key, trail, close };
}

export const noteAt = async (db: Db, seq: number): Promise<string> => (await db.query<{ n: string }>('SELECT signed_note AS n FROM audit_rows WHERE seq = $1', [seq]))[0]!.n;
export const setNoteAt = (db: Db, seq: number, note: string) => db.query('UPDATE audit_rows SET signed_note = $2 WHERE seq = $1', [seq, note]);
export const hashAtRow = async (db: Db, seq: number): Promise<string> => (await db.query<{ h: string }>('SELECT hash AS h FROM audit_rows WHERE seq = $1', [seq]))[0]!.h;

/** A rotation head as signHead writes one, but naming `from` → `to` with `der` (base64) as the new key, signed by `signers`. */
export function rotationNote(signers: SigningKey[], h: { seq: number; hash: string; org?: string }, from: string, to: string, der: string): string {
  const body = `access-companion/audit/v2\norg ${h.org ?? 'acme'}\nseq ${h.seq}\nhash ${h.hash}\nat 2026-12-08T00:00:00.000Z\nkey ${from} ${to} ${der}\n`;
  return `${body}\n${signers.map((k) => `— ${k.keyId} ${sign(null, Buffer.from(body), k.privateKey).toString('base64')}\n`).join('')}`;
}
