// npm run audit:verify -- --data DIR   (or DATABASE_URL=...): exit 0 when the chain verifies.
import { parseArgs } from 'node:util';
import { verifyAudit } from './audit';
import { openDb } from './db/index';

const { values } = parseArgs({ options: { data: { type: 'string' } } });
const databaseUrl = process.env.DATABASE_URL || undefined;
if (!databaseUrl && !values.data) {
  console.error('usage: npm run audit:verify -- --data DIR   (or set DATABASE_URL)');
  process.exit(2);
}
const db = await openDb({ databaseUrl, dataDir: values.data, schema: process.env.AC_PG_SCHEMA || undefined });
const r = await verifyAudit(db);
await db.close();
if (r.ok) console.log(`audit log verifies: ${r.rows} rows`);
else console.log(`audit log BROKEN at row ${r.firstBrokenRow}: ${r.reason} (${r.rows} rows verified before it)`);
process.exit(r.ok ? 0 : 1);
