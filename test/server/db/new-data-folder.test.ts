// Outside review 2026-12-01 (issue 15): a new --data folder is now a copy of the unpacked template.
// Several APIs started at once on one new folder: exactly one runs, and what it acknowledged is
// there after a restart. A start cut short mid-copy (files half there, no PG_VERSION) is copied again.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnApi } from '../../load/helpers';
import { DataDirLocked, lockDataDir } from '../../../src/server/db/data-lock';
import { INITIALIZING, openPglite } from '../../../src/server/db/index';
import { writeWorldFile } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi } from '../../support/api-call';

const TEMPLATE = join(__dirname, '../../../dist-api/pglite-template.tar');

describe('a new data folder, copied from the template', () => {
  it('four APIs started at once on one new folder: one runs, the others are refused, nothing acknowledged is lost', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ac-race-')), 'data');
    const fixture = writeWorldFile();
    const starts = await Promise.allSettled([0, 1, 2, 3].map(() => spawnApi({ fixture, args: ['--data', dir] })));
    const up = starts.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const refused = starts.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
    expect(up).toHaveLength(1);
    for (const r of refused) expect(r).toContain('is in use by an Access API');
    const g = await callApi(up[0]!.base, 'alice-token', ROUTES.grant, { key: 'PS-100' }, {});
    expect(g.status).toBe(201);
    await up[0]!.stop();
    const again = await spawnApi({ fixture, args: ['--data', dir] });
    try {
      expect((await callApi(again.base, 'alice-token', ROUTES.getGrant, { id: g.json.id })).json.state).toBe('active');
    } finally {
      await again.stop();
    }
  }, 120_000);

  it('a copy cut short (some files, one of them truncated, no PG_VERSION) is copied again and works', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ac-cut-')), 'data');
    const unpacked = TEMPLATE.slice(0, -'.tar'.length);
    cpSync(join(unpacked, 'global'), join(dir, 'global'), { recursive: true });
    const victim = readdirSync(join(dir, 'global')).find((f) => /^\d+$/.test(f))!;
    truncateSync(join(dir, 'global', victim), 10);
    writeFileSync(join(dir, INITIALIZING), '1\n'); // as the copy leaves it when cut short
    const db = await openPglite(dir, { template: TEMPLATE });
    try {
      await db.query(`INSERT INTO audit_head VALUES (2, 1, 'x')`);
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_head'))[0]!.n).toBe(2);
    } finally {
      await db.close();
    }
    const reopened = await openPglite(dir, { template: TEMPLATE });
    try {
      expect((await reopened.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_head'))[0]!.n).toBe(2);
    } finally {
      await reopened.close();
    }
  }, 120_000);

  it('a data folder reached through a symlink is the same folder to the lock', () => {
    const root = mkdtempSync(join(tmpdir(), 'ac-link-'));
    const real = join(root, 'real');
    mkdirSync(real);
    symlinkSync(real, join(root, 'link'));
    const held = lockDataDir(join(root, 'link'));
    try {
      expect(() => lockDataDir(real)).toThrow(DataDirLocked);
    } finally {
      held.release();
    }
  });
});
