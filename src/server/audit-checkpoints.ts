// Signed checkpoints of the audit chain head (CloudTrail digest files / CT signed tree heads): a
// database writer can recompute or truncate the hash chain, but cannot sign a new head without
// the Ed25519 private key, which lives in a file outside the database.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { canonicalJson } from './audit';
import type { Queryable } from './db/index';

/** One signed statement "the chain of `org` had `seq` rows ending in `hash` at `at`". */
export interface Checkpoint {
  seq: number;
  hash: string;
  at: string;
  org: string;
  /** First 16 hex digits of sha256 of the public key (SPKI DER): which key signed. */
  keyId: string;
  /** Ed25519 signature of `checkpointMessage(...)`, base64. */
  signature: string;
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
  /** The public key as SPKI PEM: what verifiers are given. */
  publicPem: string;
}

/** The exact bytes signed: versioned and canonical, so a verifier rebuilds them from the fields. */
export function checkpointMessage(c: Pick<Checkpoint, 'seq' | 'hash' | 'at' | 'org'>): Buffer {
  return Buffer.from(`access-companion/audit-checkpoint/v1\n${canonicalJson({ at: c.at, hash: c.hash, org: c.org, seq: c.seq })}`, 'utf8');
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

export function signingKeyFrom(privateKey: KeyObject): SigningKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`the audit signing key must be Ed25519, not ${privateKey.asymmetricKeyType}`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey), publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** A fresh key held only in memory (an in-memory database's checkpoints die with it anyway). */
export function ephemeralSigningKey(): SigningKey {
  return signingKeyFrom(generateKeyPairSync('ed25519').privateKey);
}

/** Where the public key of `keyFile` is published: beside it, `<name>.pub.pem`. */
export const publicKeyFileOf = (keyFile: string): string => keyFile.replace(/(\.pem)?$/, '.pub.pem');

/**
 * Reads the Ed25519 private key (PKCS#8 PEM) at `file`, or creates it when missing: written to a
 * temporary file with mode 0600 and linked into place, so a crash or a second process starting at
 * the same moment never leaves a half-written or world-readable key (the loser of the race reads
 * the winner's). Writes the public key beside it. Throws with a readable message on a bad file.
 */
export function loadOrCreateSigningKey(file: string): { key: SigningKey; created: boolean; readableByOthers: boolean } {
  let created = false;
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    const tmp = join(dirname(file), `.${randomBytes(6).toString('hex')}.tmp`);
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, file);
      created = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      unlinkSync(tmp);
    }
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(file));
  } catch (e) {
    throw new Error(`cannot read the audit signing key ${file}: ${(e as Error).message}`);
  }
  const key = signingKeyFrom(privateKey);
  // Anyone who can read the private key can sign a rewritten chain's head.
  const readableByOthers = (statSync(file).mode & 0o077) !== 0;
  const pub = publicKeyFileOf(file);
  if (!existsSync(pub) || readFileSync(pub, 'utf8') !== key.publicPem) writePublic(pub, key.publicPem);
  return { key, created, readableByOthers };
}

function writePublic(file: string, pem: string): void {
  const tmp = join(dirname(file), `.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    writeSync(fd, pem);
  } finally {
    closeSync(fd);
  }
  // Renamed over: readers see the old or the new file, never a partial one.
  renameSync(tmp, file);
}

/** Parses a PEM (SPKI) or raw-text public key; throws a readable message. */
export function parsePublicKey(pem: string, where: string): KeyObject {
  try {
    const k = createPublicKey(pem);
    if (k.asymmetricKeyType !== 'ed25519') throw new Error(`it is ${k.asymmetricKeyType}, not Ed25519`);
    return k;
  } catch (e) {
    throw new Error(`${where} is not an Ed25519 public key: ${(e as Error).message}`);
  }
}

export function signCheckpoint(key: SigningKey, head: { seq: number; hash: string; at: string; org: string }): Checkpoint {
  return { ...head, keyId: key.keyId, signature: sign(null, checkpointMessage(head), key.privateKey).toString('base64') };
}

/** True when `c` was signed by `publicKey` over exactly these fields. */
export function checkpointSignatureValid(publicKey: KeyObject, c: Checkpoint): boolean {
  if (!Number.isSafeInteger(c.seq) || typeof c.hash !== 'string' || typeof c.at !== 'string' || typeof c.org !== 'string' || typeof c.signature !== 'string') return false;
  try {
    return verify(null, checkpointMessage(c), publicKey, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}

// ---- storage ----

type CheckpointRow = { seq: string | number; hash: string; at: string; org: string; key_id: string; signature: string };
const fromRow = (r: CheckpointRow): Checkpoint => ({ seq: Number(r.seq), hash: r.hash, at: r.at, org: r.org, keyId: r.key_id, signature: r.signature });

/** Checkpoints with seq > `after`, oldest first, at most `limit`. */
export async function listCheckpoints(q: Queryable, after = 0, limit = 100): Promise<Checkpoint[]> {
  return (await q.query<CheckpointRow>('SELECT * FROM audit_checkpoints WHERE seq > $1 ORDER BY seq LIMIT $2', [after, limit])).map(fromRow);
}
