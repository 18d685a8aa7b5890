// Authentication per request: a person's token (hashed, held in memory) against a machine's API
// key (read from the database on every use, so a delete is refused at once by every process).
// Measured on the authentication step alone, over the real store (PGlite; PostgreSQL too when
// DATABASE_URL is set), interleaved so machine noise hits both.
import { indexWorld, parseWorld } from '../src/core/index';
import { identifyKey, insertApiKey, newSecret } from '../src/server/identity/api-keys';
import { TokenBook } from '../src/server/http/auth';
import { openPglite, openPostgres, type Db } from '../src/server/db/index';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AUTH_KEYS } from './lib/expected';
import { now, summarize, type Row } from './lib/stats';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..');

async function measure(db: Db, quick: boolean): Promise<{ token: number[]; key: number[] }> {
  const world = parseWorld(JSON.parse(readFileSync(join(ROOT, 'fixtures/demo-world.json'), 'utf8')));
  const book = new TokenBook(indexWorld(world));
  const secret = newSecret();
  await insertApiKey(db, { id: 'key_bench', name: 'bench', scopes: ['audit_read'], engineer: null, createdAt: new Date().toISOString(), createdBy: 'alice', expiresAt: null }, secret);
  // A key used within the minute writes nothing: this is the steady state of a busy key.
  await identifyKey(db, `Bearer ${secret}`, new Date().toISOString());
  const n = quick ? 2_000 : 20_000;
  const token: number[] = [];
  const key: number[] = [];
  for (let i = 0; i < n; i++) {
    let t = now();
    if (!book.identify('Bearer alice-token')) throw new Error('the personal token was not recognised');
    token.push((now() - t) * 1000);
    t = now();
    if (!(await identifyKey(db, `Bearer ${secret}`, new Date().toISOString()))) throw new Error('the API key was not recognised');
    key.push((now() - t) * 1000);
  }
  return { token, key };
}

const rows = (store: 'PGlite' | 'PostgreSQL', m: { token: number[]; key: number[] }): Row[] => {
  const t = summarize(m.token);
  const k = summarize(m.key);
  const x = AUTH_KEYS(store);
  // The personal token never touches the store: one row for it, from the PGlite run.
  return [
    ...(store === 'PGlite' ? [{ ...x.token, value: t.median, median: t.median, p99: t.p99, latencyUnit: 'µs' }] : []),
    { ...x.key, value: k.median, median: k.median, p99: k.p99, latencyUnit: 'µs', ratio: k.median / t.median, note: 'ratio: key lookup ÷ personal token (medians)' },
  ];
};

export async function benchAuthentication(quick: boolean): Promise<Row[]> {
  const out: Row[] = [];
  const lite = await openPglite();
  try {
    out.push(...rows('PGlite', await measure(lite, quick)));
  } finally {
    await lite.close();
  }
  const url = process.env.DATABASE_URL;
  if (url) {
    const { scratchDatabase } = await import('../test/server/helpers');
    const scratch = await scratchDatabase();
    const pg = await openPostgres(scratch.url);
    try {
      out.push(...rows('PostgreSQL', await measure(pg, quick)));
    } finally {
      await pg.close();
      await scratch.drop();
    }
  }
  return out;
}
