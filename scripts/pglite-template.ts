// `npm run build:api` step: a tarball of a fresh PGlite data folder (initdb done, nothing else),
// and the same folder unpacked, beside the built API, so a new database starts from it instead of running initdb at every start
// (src/server/db/index.ts, openPglite's `template`). Made again only when PGlite's version changes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { templateFolderOf, writePgliteTemplate } from '../src/server/db/index';

const out = process.argv[2] ?? 'dist-api/pglite-template.tar';
const stamp = `${out}.json`;
const pkgFile = join(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), '..', 'package.json');
const version = (JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string }).version;
const current = existsSync(stamp) && existsSync(out) && existsSync(join(templateFolderOf(out), 'PG_VERSION')) && (JSON.parse(readFileSync(stamp, 'utf8')) as { version?: string }).version === version;
if (!current) {
  const { bytes } = await writePgliteTemplate(out);
  writeFileSync(stamp, JSON.stringify({ version, bytes }) + '\n');
}
