// npm run audit:verify [-- --data DIR] [--public-key FILE|URL] [--checkpoints FILE|URL] [--api URL]
//                      [--token T] [--incremental]          (or DATABASE_URL=... for PostgreSQL)
// Exit 0 when the log verifies, 1 when it does not (naming the first row that disagrees), 2 when it
// could not be checked. Without --data or DATABASE_URL it checks the folder `npm start` keeps
// (.data/api), with the public key `npm start` publishes beside it.
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parsePublicKey, type Checkpoint } from './audit-checkpoints';
import { verifyAuditTrail, type TrailOptions } from './audit-verify';
import { lockDataDir } from './db/data-lock';
import { openDb, type Db } from './db/index';

const USAGE = 'usage: npm run audit:verify -- [--data DIR | DATABASE_URL=...] [--public-key FILE|URL] [--checkpoints FILE|URL] [--api URL] [--token TOKEN] [--incremental]';
const DEMO_PUBLIC_KEY = '.data/audit-signing-key.pub.pem';

class Usage extends Error {}

async function main(): Promise<number> {
  let values;
  try {
    values = parseArgs({
      options: { data: { type: 'string' }, 'public-key': { type: 'string' }, checkpoints: { type: 'string' }, api: { type: 'string' }, token: { type: 'string' }, incremental: { type: 'boolean' } },
    }).values;
  } catch (e) {
    throw new Usage(`${(e as Error).message}\n${USAGE}`);
  }
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const token = values.token ?? (process.env.AC_TOKEN || undefined);
  const api = values.api?.replace(/\/+$/, '');
  if (!databaseUrl && !values.data && existsSync('.data/api')) {
    values.data = '.data/api';
    if (!values['public-key'] && !api && existsSync(DEMO_PUBLIC_KEY)) values['public-key'] = DEMO_PUBLIC_KEY;
  }
  if (!databaseUrl && !values.data) throw new Usage(USAGE);

  const opts: TrailOptions = { incremental: values.incremental };
  let keyFrom = values['public-key'];
  if (!keyFrom && api) {
    keyFrom = `${api}/v1/audit/public-key`;
    console.log(`note: the public key is taken from the API it checks (${keyFrom}); for an independent check pass --public-key with a copy kept elsewhere`);
  }
  if (keyFrom) opts.publicKey = parsePublicKey(await readText(keyFrom, token), keyFrom);
  const cpFrom = values.checkpoints ?? (api ? `${api}/v1/audit/checkpoints` : undefined);
  if (cpFrom && !opts.publicKey) throw new Usage(`--checkpoints needs --public-key to check their signatures\n${USAGE}`);
  if (cpFrom) opts.checkpoints = /^https?:\/\//.test(cpFrom) ? await fetchCheckpoints(cpFrom, token) : parseCheckpointFile(readFileSync(cpFrom, 'utf8'), cpFrom);

  // PGlite must never be opened by two processes: a running API on this folder holds its lock.
  const lock = values.data && !databaseUrl ? lockDataDir(values.data, 'audit:verify') : undefined;
  let db: Db | undefined;
  try {
    db = await openDb({ databaseUrl, dataDir: values.data, schema: process.env.AC_PG_SCHEMA || undefined });
    const t0 = performance.now();
    const r = await verifyAuditTrail(db, opts);
    const secs = (performance.now() - t0) / 1000;
    const where = databaseUrl ? 'DATABASE_URL' : values.data;
    const against = opts.publicKey ? `against ${r.checkpoints} signed checkpoint${r.checkpoints === 1 ? '' : 's'} (${opts.checkpoints ? cpFrom : 'stored in the database'})` : 'as a hash chain only';
    if (r.ok) {
      const since = r.startedAfter !== undefined ? ` after the checkpoint at row ${r.startedAfter}` : '';
      console.log(
        `audit log in ${where} verifies ${against}: ${r.rows} rows${since} checked in ${secs.toFixed(2)} s${r.lastCheckpoint !== undefined ? `; the newest signed row is ${r.lastCheckpoint}` : ''}`,
      );
    } else {
      console.log(`audit log in ${where} BROKEN at row ${r.firstBrokenRow}: ${r.reason} (checked ${against}; ${r.rows} rows verified before it)`);
    }
    if (r.warning) console.log(`warning: ${r.warning}`);
    if (opts.publicKey && r.checkpoints === 0) console.log('warning: there are no signed checkpoints to compare with yet, so only the chain was checked');
    return r.ok ? 0 : 1;
  } finally {
    await db?.close();
    lock?.release();
  }
}

async function readText(from: string, token: string | undefined): Promise<string> {
  if (!/^https?:\/\//.test(from)) return readFileSync(from, 'utf8');
  const res = await get(from, token);
  return res.text();
}

async function get(url: string, token: string | undefined): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    throw new Error(`cannot reach ${url}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`);
  }
  if (!res.ok) {
    const body = await res.text().catch(() => '');
    let detail = body.slice(0, 200);
    try {
      detail = (JSON.parse(body) as { detail?: string; title?: string }).detail ?? detail;
    } catch {
      /* not JSON */
    }
    throw new Error(`${url} answered ${res.status}${detail ? `: ${detail}` : ''}${res.status === 401 ? ' (pass --token or set AC_TOKEN to an org admin token)' : ''}`);
  }
  return res;
}

/** Every page of GET /v1/audit/checkpoints. */
async function fetchCheckpoints(url: string, token: string | undefined): Promise<Checkpoint[]> {
  const out: Checkpoint[] = [];
  let cursor: string | null = null;
  do {
    const u = new URL(url);
    u.searchParams.set('limit', '500');
    if (cursor) u.searchParams.set('cursor', cursor);
    const page = (await (await get(u.toString(), token)).json()) as { checkpoints?: Checkpoint[]; nextCursor?: string | null };
    if (!Array.isArray(page.checkpoints)) throw new Error(`${url} did not answer a page of checkpoints`);
    out.push(...page.checkpoints);
    cursor = page.nextCursor ?? null;
  } while (cursor);
  return out;
}

/** A saved copy: a JSON array of checkpoints, one page `{ checkpoints: [...] }`, or JSON lines (SIEM export). */
function parseCheckpointFile(text: string, file: string): Checkpoint[] {
  try {
    const t = text.trim();
    if (t.startsWith('[')) return JSON.parse(t) as Checkpoint[];
    if (t.startsWith('{') && !t.includes('\n')) {
      const one = JSON.parse(t) as { checkpoints?: Checkpoint[] } & Checkpoint;
      return one.checkpoints ?? [one];
    }
    return t
      .split('\n')
      .filter(Boolean)
      .flatMap((l) => {
        const o = JSON.parse(l) as { checkpoints?: Checkpoint[] } & Checkpoint;
        return o.checkpoints ?? [o];
      });
  } catch (e) {
    throw new Error(`${file} is not a checkpoint file (JSON array, a page from /v1/audit/checkpoints, or JSON lines): ${(e as Error).message}`);
  }
}

let code: number;
try {
  code = await main();
} catch (e) {
  console.error(e instanceof Usage ? e.message : `audit:verify could not check the log: ${(e as Error).message}`);
  code = 2;
}
process.exit(code);
