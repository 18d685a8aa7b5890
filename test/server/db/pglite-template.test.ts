// A new embedded database may start from a template tarball (the build's fresh data folder)
// instead of running initdb; a data folder that already holds a database keeps its data.
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INITIALIZING, openPglite, templateFolderOf, useWasmCompiler, writePgliteTemplate } from '../../../src/server/db/index';

const dir = mkdtempSync(join(tmpdir(), 'ac-template-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openPglite with a template', () => {
  it('starts fresh databases from it, in memory and in a folder, and resumes a folder without it', async () => {
    const template = join(dir, 'template.tar');
    await writePgliteTemplate(template);
    expect(existsSync(join(templateFolderOf(template), 'PG_VERSION'))).toBe(true);

    const mem = await openPglite(undefined, { template });
    expect((await mem.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations'))[0]!.n).toBeGreaterThanOrEqual(5);
    expect((await mem.query<{ s: string }>('SHOW shared_buffers'))[0]).toEqual({ shared_buffers: '8MB' });
    await mem.close();

    const data = join(dir, 'data');
    const a = await openPglite(data, { template });
    await a.query("INSERT INTO ticket_state (key, status) VALUES ('PS-1', 'closed')");
    await a.close();
    // The folder now holds a database: the template must not be copied over it.
    const b = await openPglite(data, { template });
    expect(await b.query('SELECT key, status FROM ticket_state')).toEqual([{ key: 'PS-1', status: 'closed' }]);
    await b.close();

    // A copy cut short (everything but PG_VERSION, which is copied last) is copied again.
    const cut = join(dir, 'cut');
    cpSync(templateFolderOf(template), cut, { recursive: true, filter: (src) => !src.endsWith('PG_VERSION') });
    rmSync(join(cut, 'base'), { recursive: true });
    writeFileSync(join(cut, INITIALIZING), '1\n'); // as the copy leaves it when cut short
    const c = await openPglite(cut, { template });
    expect((await c.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations'))[0]!.n).toBeGreaterThanOrEqual(5);
    await c.close();

    // A folder with files but no database and no sign of a start cut short (a database that lost
    // its PG_VERSION, someone else's files) is refused, and nothing in it is touched.
    const foreign = join(dir, 'foreign');
    cpSync(join(dir, 'data'), foreign, { recursive: true });
    rmSync(join(foreign, 'PG_VERSION'));
    await expect(openPglite(foreign, { template })).rejects.toThrow(/holds files .* but no database \(no PG_VERSION\)/);
    expect(existsSync(join(foreign, INITIALIZING))).toBe(false);
    expect(existsSync(join(foreign, 'base'))).toBe(true);

    // Only the tarball (an older build): a new folder is unpacked from it by PGlite.
    const tarOnly = join(dir, 'only.tar');
    cpSync(template, tarOnly);
    const d = await openPglite(join(dir, 'from-tar'), { template: tarOnly });
    expect((await d.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations'))[0]!.n).toBeGreaterThanOrEqual(5);
    await d.close();
  }, 180_000);

  it('refuses a shared_buffers that is not a size', async () => {
    await expect(openPglite(undefined, { sharedBuffers: '16MB; DROP' })).rejects.toThrow(/shared_buffers/);
  });

  it('refuses a WebAssembly compiler it does not know, instead of quietly using the default', async () => {
    expect(() => useWasmCompiler('turbofan')).toThrow(/baseline or optimizing/);
    await expect(openPglite(undefined, { wasmCompiler: 'fast' as never })).rejects.toThrow(/baseline or optimizing/);
  });
});
