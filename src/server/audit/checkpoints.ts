// Signed heads of the audit chain as signed notes (README.md: Signed heads; HEAD is the body's
// grammar), and the Ed25519 keys that sign them. A rotation head adds `key <old key id> <new key id>
// <new key, base64 SPKI DER>` and is signed by both keys; the boundary head adds `legacy <seq>`: rows
// 1..seq follow the rule before v2. Each key signs the body, its final newline included.
import { createPrivateKey, createPublicKey, generateKeyPairSync, hash, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type * as W from '../../api/schemas';
import { writeFileWhole } from '../db/write-file';

const HEAD = /^access-companion\/audit\/v2\norg (.*)\nseq (\d{1,15})\nhash ([0-9a-f]{64})\nat (.*)\n(?:key (\S+) (\S+) (\S+)\n)?(?:legacy (\d{1,15})\n)?\n/;

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** First 16 hex digits of sha256 of the public key (SPKI DER). */
  keyId: string;
  /** The public key as SPKI PEM: what verifiers are given. */
  publicPem: string;
}

/** What GET /v1/audit/checkpoints and the audit stream send for one signed head. */
export type Checkpoint = W.AuditCheckpointPageWire['checkpoints'][number];

/**
 * A signed head, parsed. `note` is the exact text stored and published; every other field is read
 * from it. `keyId` is the key that signs the heads after it (the key a rotation introduces, else its
 * signer), and `signature` that key's signature, base64.
 */
export interface SignedHead extends Checkpoint {
  /** Present on a rotation head: the key it hands over from and the key it introduces. */
  rotation?: { from: string; to: string; publicKey: KeyObject };
  /** Present on the boundary head: rows 1..legacy follow the old rule (legacy.ts). */
  legacy?: number;
  body: string;
  signatures: Map<string, Buffer>;
}

export const keyIdOf = (publicKey: KeyObject): string => hash('sha256', publicKey.export({ type: 'spki', format: 'der' }), 'hex').slice(0, 16);

function signingKeyFrom(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey), publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** A fresh key held only in memory (for an in-memory database, whose trail dies with it). */
export const ephemeralSigningKey = (): SigningKey => signingKeyFrom(generateKeyPairSync('ed25519').privateKey);

/** Where the public key of `keyFile` is published: beside it, `<name>.pub.pem`. */
export const publicKeyFileOf = (keyFile: string): string => keyFile.replace(/(\.pem)?$/, '.pub.pem');

/**
 * Reads the Ed25519 private key (PKCS#8 PEM) at `file`, or creates it (mode 0600, linked into
 * place so a crash or a second process starting at once never leaves a partial or world-readable
 * key). Writes the public key beside it (publicKeyFileOf). Throws a readable message on a bad file.
 */
export function loadOrCreateSigningKey(file: string): { key: SigningKey; created: boolean; readableByOthers: boolean } {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const created = !existsSync(file) && writeFileWhole(file, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600, true);
  const key = signingKeyFrom(ed25519(() => createPrivateKey(readFileSync(file)), `cannot read the audit signing key ${file}`));
  const pub = publicKeyFileOf(file);
  if (!existsSync(pub) || readFileSync(pub, 'utf8') !== key.publicPem) writeFileWhole(pub, key.publicPem, 0o644, false);
  return { key, created, readableByOthers: (statSync(file).mode & 0o077) !== 0 };
}

/** The key `read` gives when it reads one and it is Ed25519; else throws `${refusal}: ` and what is wrong. */
function ed25519(read: () => KeyObject, refusal: string): KeyObject {
  try {
    const k = read();
    if (k.asymmetricKeyType === 'ed25519') return k;
    throw new Error(`it is ${k.asymmetricKeyType}, not Ed25519`);
  } catch (e) {
    throw new Error(`${refusal}: ${(e as Error).message}`);
  }
}

/** Parses an Ed25519 public key (SPKI: PEM text, or createPublicKey's input); throws a readable message naming `where`. */
export const parsePublicKey = (key: Parameters<typeof createPublicKey>[0], where: string): KeyObject => ed25519(() => createPublicKey(key), `${where} is not an Ed25519 public key`);

/**
 * The signed note for head `h`, signed by `keys` (one; a rotation head by the old key, then the new).
 * A rotation head names `keys[0]` → `keys[1]`; `legacy` makes it the boundary head.
 */
export function signHead(keys: SigningKey[], h: { seq: number; hash: string; at: string; org: string; legacy?: number }): string {
  let body = `access-companion/audit/v2\norg ${h.org}\nseq ${h.seq}\nhash ${h.hash}\nat ${h.at}\n`;
  if (keys.length === 2) body += `key ${keys[0]!.keyId} ${keys[1]!.keyId} ${keys[1]!.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}\n`;
  if (h.legacy !== undefined) body += `legacy ${h.legacy}\n`;
  return `${body}\n${keys.map((k) => `— ${k.keyId} ${sign(null, Buffer.from(body), k.privateKey).toString('base64')}\n`).join('')}`;
}

/** Parses a signed note; throws a readable message when it is not one of ours. Checks no signature. */
export function parseHead(note: string): SignedHead {
  const m = HEAD.exec(note);
  if (!m) throw new Error('not a signed head of this audit trail');
  const [body, org, seq, hash, at, from, to, der, legacy] = m as unknown as [string, string, string, string, string, ...(string | undefined)[]];
  const signatures = new Map([...note.slice(body.length).matchAll(/^— (\S+) (\S+)$/gm)].map(([, id, sig]) => [id!, Buffer.from(sig!, 'base64')]));
  const keyId = to ?? [...signatures.keys()][0] ?? '';
  const rotation =
    from && to && der ? { from, to, publicKey: parsePublicKey({ key: Buffer.from(der, 'base64'), format: 'der', type: 'spki' }, `the key the rotation at row ${seq} names`) } : undefined;
  const signature = signatures.get(keyId)?.toString('base64') ?? '';
  return { seq: Number(seq), hash, at, org, keyId, signature, note, body: body.slice(0, -1), signatures, rotation, legacy: legacy === undefined ? undefined : Number(legacy) };
}

/** True when `head` carries a valid signature by `publicKey` (Ed25519, as every key here is) over its body. */
export function signedBy(head: SignedHead, publicKey: KeyObject): boolean {
  const sig = head.signatures.get(keyIdOf(publicKey));
  return !!sig && verify(null, Buffer.from(head.body), publicKey, sig);
}

/** The wire form of a stored note. */
export function checkpointOf(note: string): Checkpoint {
  const { seq, hash, at, org, keyId, signature } = parseHead(note);
  return { seq, hash, at, org, keyId, signature, note };
}
