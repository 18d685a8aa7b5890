// `npm run build:api` step: a tarball of a fresh PGlite data folder (initdb done, nothing else),
// beside the built API, so a new database starts from it instead of running initdb at every start
// (src/server/db/index.ts, openPglite's `template`). Made again only when PGlite's version changes.
import { PGlite } from '@electric-sql/pglite';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const out = process.argv[2] ?? 'dist-api/pglite-template.tar';
const stamp = `${out}.json`;
const pkgFile = join(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), '..', 'package.json');
const version = (JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string }).version;
const current = existsSync(stamp) && existsSync(out) && (JSON.parse(readFileSync(stamp, 'utf8')) as { version?: string }).version === version;
if (!current) {
  const db = new PGlite();
  await db.waitReady;
  const tar = Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer());
  await db.close();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.tmp`, tar);
  renameSync(`${out}.tmp`, out);
  writeFileSync(stamp, JSON.stringify({ version, bytes: tar.length }) + '\n');
}
