// npm run audit:verify [-- --data DIR]   (or DATABASE_URL=...): exit 0 when the chain verifies.
// Without either, it checks the data folder `npm start` keeps (.data/api) when there is one.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { verifyAudit } from './audit';
import { openDb } from './db/index';

const { values } = parseArgs({ options: { data: { type: 'string' } } });
const databaseUrl = process.env.DATABASE_URL || undefined;
if (!databaseUrl && !values.data && existsSync('.data/api')) values.data = '.data/api';
if (!databaseUrl && !values.data) {
  console.error('usage: npm run audit:verify -- --data DIR   (or set DATABASE_URL)');
  process.exit(2);
}
const db = await openDb({ databaseUrl, dataDir: values.data, schema: process.env.AC_PG_SCHEMA || undefined });
const r = await verifyAudit(db);
await db.close();
const where = databaseUrl ? 'DATABASE_URL' : values.data;
if (r.ok) console.log(`audit log in ${where} verifies: ${r.rows} rows`);
else console.log(`audit log BROKEN at row ${r.firstBrokenRow}: ${r.reason} (${r.rows} rows verified before it)`);
process.exit(r.ok ? 0 : 1);
