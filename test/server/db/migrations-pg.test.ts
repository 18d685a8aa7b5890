// Several API processes starting at once on a fresh PostgreSQL database: each must come up, and
// the schema is migrated exactly once.
import { describe, expect, it } from 'vitest';
import { openPostgres, type Db } from '../../../src/server/db/index';
import { ADMIN_URL, scratchDatabase } from '../helpers';

if (!ADMIN_URL) console.log('server migrations: PostgreSQL suite skipped because DATABASE_URL is unset');

describe.skipIf(!ADMIN_URL)('migrations on PostgreSQL', () => {
  it.each([
    ['a fresh database', undefined],
    ['a fresh schema of its own', 'inst_fresh'],
  ])('eight processes starting at once on %s all come up, migrated once', async (_n, schema) => {
    for (let round = 0; round < 3; round++) {
      const scratch = await scratchDatabase();
      const opened: Db[] = [];
      try {
        const results = await Promise.allSettled(Array.from({ length: 8 }, () => openPostgres(scratch.url, { schema, max: 2 })));
        for (const r of results) if (r.status === 'fulfilled') opened.push(r.value);
        const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
        expect(failed).toEqual([]);
        const versions = await opened[0]!.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
        expect(versions.map((v) => Number(v.version))).toEqual([...new Set(versions.map((v) => Number(v.version)))]);
        expect(versions.length).toBeGreaterThan(0);
        const [head] = await opened[0]!.query<{ n: string }>('SELECT count(*) AS n FROM audit_head');
        expect(Number(head!.n)).toBe(1);
      } finally {
        await Promise.all(opened.map((d) => d.close()));
        await scratch.drop();
      }
    }
  });
});
