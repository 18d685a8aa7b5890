// npm run audit:verify (USAGE below): exit 0 when the log verifies, 1 when it does not (naming the
// first row that disagrees), 2 when it could not be checked. Without --data or DATABASE_URL it checks
// the folder `npm start` keeps (.data/api), with the public key `npm start` publishes beside it. What is checked: verify.ts.
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { lockDataDir } from '../db/data-lock';
import { openDb } from '../db/index';
import { parsePublicKey } from './checkpoints';
import { verifyAuditTrail } from './verify';

const USAGE = 'usage: npm run audit:verify -- [--data DIR | DATABASE_URL=...] [--public-key FILE] [--checkpoints FILE] [--from SEQ] [--all-signatures]';
const usage = (why: string) => Object.assign(new Error(why), { code: 'USAGE' });

/**
 * The signed notes in a saved copy of signed heads as the API gives them: a page of
 * /v1/audit/checkpoints, an array of its checkpoints, or JSON lines of either (the audit stream's
 * `checkpoint` events, as a SIEM keeps them). Throws a readable message on anything else.
 */
function notesIn(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  try {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      v = text.split('\n').flatMap((l) => (l.trim() ? [JSON.parse(l)] : []));
    }
    // A page, a checkpoint, or an array (the lines) of either.
    const items = ([v].flat(2) as ({ checkpoints?: unknown[]; note?: unknown } | null)[]).flatMap((o) => o?.checkpoints ?? [o]) as ({ note?: unknown } | null)[];
    if (items.some((o) => typeof o?.note !== 'string')) throw new Error('it holds a signed head without its signed note');
    return items.map((o) => o!.note as string);
  } catch (e) {
    throw new Error(`${file} is not a checkpoint file (a page from /v1/audit/checkpoints, an array of checkpoints, or JSON lines): ${(e as Error).message}`);
  }
}

async function main(): Promise<number> {
  const string = { type: 'string' } as const;
  const { values } = parseArgs({ options: { data: string, 'public-key': string, checkpoints: string, from: string, 'all-signatures': { type: 'boolean' } } });
  const databaseUrl = process.env.DATABASE_URL || undefined;
  if (!databaseUrl && !values.data && existsSync('.data/api')) {
    values.data = '.data/api';
    if (!values['public-key'] && existsSync('.data/audit-signing-key.pub.pem')) values['public-key'] = '.data/audit-signing-key.pub.pem';
  }
  const [keyFile, cpFile] = [values['public-key'], values.checkpoints];
  if (!databaseUrl && !values.data) throw usage('give --data DIR or DATABASE_URL');
  if (values.from !== undefined && !/^\d{1,15}$/.test(values.from)) throw usage(`--from takes the row number of a signed head, not "${values.from}"`);
  if (cpFile && !keyFile) throw usage('--checkpoints needs --public-key to check their signatures');
  const publicKey = keyFile ? parsePublicKey(readFileSync(keyFile, 'utf8'), keyFile) : undefined;
  const opts = { from: values.from ? Number(values.from) : undefined, allSignatures: values['all-signatures'], publicKey, checkpoints: cpFile ? notesIn(cpFile) : undefined };

  // PGlite must never be opened by two processes: a running API on this folder holds its lock.
  const lock = values.data && !databaseUrl ? lockDataDir(values.data, 'audit:verify') : undefined;
  try {
    const db = await openDb({ databaseUrl, dataDir: values.data, schema: process.env.AC_PG_SCHEMA || undefined });
    const t0 = performance.now();
    const r = await verifyAuditTrail(db, opts).finally(() => db.close());
    const where = databaseUrl ? 'DATABASE_URL' : values.data;
    const against = keyFile ? `against ${r.checkpoints} signed head${r.checkpoints === 1 ? '' : 's'} (stored in the database${cpFile ? ` and ${cpFile}` : ''})` : 'as a hash chain only';
    const since = r.startedAfter !== undefined ? ` after the signed head at row ${r.startedAfter}` : '';
    const newest = r.lastCheckpoint !== undefined ? `; the newest signed row is ${r.lastCheckpoint}` : '';
    if (r.ok) console.log(`audit log in ${where} verifies ${against}: ${r.rows} rows${since} checked in ${((performance.now() - t0) / 1000).toFixed(2)} s${newest}`);
    else console.log(`audit log in ${where} BROKEN at row ${r.firstBrokenRow}: ${r.reason} (checked ${against}; ${r.rows} rows verified before it)`);
    if (r.warning) console.log(`warning: ${r.warning}`);
    return r.ok ? 0 : 1;
  } finally {
    lock?.release();
  }
}

process.exit(
  await main().catch((e: unknown) => {
    const { message, code } = e as NodeJS.ErrnoException; // parseArgs names a bad option with an ERR_PARSE_ARGS code
    console.error(code === 'USAGE' || code?.startsWith('ERR_PARSE_ARGS') ? `${message}\n${USAGE}` : `audit:verify could not check the log: ${message}`);
    return 2;
  }),
);
