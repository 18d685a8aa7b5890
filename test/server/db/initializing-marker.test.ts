// Outside review 2 of 2026-12-01 (issue 15), fixed since: the access-api.initializing marker was
// removed only after PGlite was up on a fresh folder (now on every start that reaches PostgreSQL). A first start killed after PG_VERSION was copied but before
// PostgreSQL was up leaves the marker for good (later starts find PG_VERSION and never remove it).
// If that database later loses PG_VERSION, the stale marker lets openPglite copy a new database
// over it: exactly the loss the refusal was added to prevent.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INITIALIZING, openPglite, writePgliteTemplate } from '../../../src/server/db/index';

const ROOT = join(__dirname, '../../..');

describe('outside review 2: the initializing marker', () => {
  it('a first start killed while PostgreSQL starts leaves no marker behind: a later loss of PG_VERSION is refused, not overwritten', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ac-a2-'));
    const template = join(root, 'tpl', 'pglite-template.tar');
    await writePgliteTemplate(template);
    const dir = join(root, 'data');
    // A real first start, killed (SIGKILL) as soon as the copy is complete (PG_VERSION is there).
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('${ROOT}/src/server/db/index.ts').then(async (m) => { const db = await m.openPglite(${JSON.stringify(dir)}, { template: ${JSON.stringify(template)} }); await new Promise((r) => setTimeout(r, 60000)); await db.close(); })`,
      ],
      {
        cwd: ROOT,
        stdio: 'ignore',
      },
    );
    const exited = new Promise((r) => child.on('exit', r));
    for (let i = 0; i < 20_000 && !existsSync(join(dir, 'PG_VERSION')); i++) await new Promise((r) => setTimeout(r, 2));
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(dir, INITIALIZING))).toBe(true);
    // The API then runs on it for months (the marker stays: later starts find PG_VERSION).
    const db = await openPglite(dir, { template });
    await db.query('CREATE TABLE precious (v text)');
    await db.query(`INSERT INTO precious VALUES ('months of audit rows')`);
    await db.close();
    // The database loses PG_VERSION (the case the refusal exists for).
    rmSync(join(dir, 'PG_VERSION'));
    const opened = await openPglite(dir, { template }).then(
      async (d) => {
        const rows = await d.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'precious'`);
        await d.close();
        return `opened; table precious ${rows[0]!.n ? 'still there' : 'gone: the data was overwritten'}`;
      },
      (e: Error) => `refused: ${e.message}`,
    );
    expect(opened).toMatch(/^refused/);
  }, 120_000);
  it('a first start on a freshly formatted volume (its only entry an empty lost+found) is not refused', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ac-a2-')), 'data');
    mkdirSync(join(dir, 'lost+found'), { recursive: true });
    const db = await openPglite(dir);
    await db.close();
  }, 120_000);
});
