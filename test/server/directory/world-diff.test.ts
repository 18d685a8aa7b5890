// Starting the API on a database that holds the org with a different world file says what differs
// (issue 19: it was silent); since issue 21 the stored directory decides and the file is applied
// only with --apply-world, after which the same file differs no more.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { World } from '../../../src/core/index';
import { diffWorlds, worldSummary } from '../../../src/server/world-diff';
import { spawnApi } from '../../load/helpers';
import { WORLD, writeWorldFile } from '../helpers';

/** WORLD with a person added, a role removed and one changed, a site deactivated, a product added, a person's sites changed. */
function changedWorld(): World {
  const w = structuredClone(WORLD);
  w.users.push({ id: 'priya', name: 'Priya Rao', email: 'priya@acme.test', emailVerified: true, sites: ['acme-main'], token: 'priya-token' });
  w.users.find((u) => u.id === 'olga')!.sites = ['acme-main', 'acme-eu'];
  w.roles = w.roles.filter((r) => r.user !== 'dev');
  w.roles.find((r) => r.user === 'bob')!.product = 'confluence';
  w.sites.find((s) => s.id === 'acme-eu')!.status = 'pending_deletion';
  w.products.push({ site: 'acme-eu', key: 'confluence', licensed: true, defaultGroup: 'confluence-users', billableSeats: 2 });
  w.users.find((u) => u.id === 'mia')!.token = 'a-new-token-for-mia';
  return w;
}

describe('world file changes at start', () => {
  it('names what was added, removed and changed, in words, and nothing when the same world starts again', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ac-world-'));
    const first = await spawnApi({ fixture: writeWorldFile(), args: ['--data', dir], env: { DATABASE_URL: '' } });
    await first.stop();
    expect(first.stderr()).not.toContain('differs');

    const changed = writeWorldFile(changedWorld());
    const second = await spawnApi({ fixture: changed, args: ['--data', dir], env: { DATABASE_URL: '' } });
    await second.stop();
    const said = second.stderr();
    expect(said).toContain('The world file differs from the directory in the database (the database decides; start with --apply-world');
    expect(said).toContain('  sites: 1 changed (acme-eu: status active → pending_deletion)');
    expect(said).toContain('  products: 1 added (acme-eu/confluence)');
    expect(said).toContain('  people: 1 added (priya); 1 changed (olga: sites)');
    expect(said).toContain('  roles: 1 removed (dev user_access_admin on acme-main); 1 changed (bob product_admin on acme-main: product jira → confluence)');
    // A new token is not a change anyone is told about (and never printed).
    expect(said).not.toContain('mia');

    // Not applied: the same file still differs; applied when asked, and then it no longer does.
    const third = await spawnApi({ fixture: changed, args: ['--data', dir], env: { DATABASE_URL: '' } });
    await third.stop();
    expect(third.stderr()).toContain('differs from the directory in the database');
    const applied = await spawnApi({ fixture: changed, args: ['--data', dir, '--apply-world'], env: { DATABASE_URL: '' } });
    await applied.stop();
    expect(applied.stderr()).toContain('The world file differed from the directory in the database and was applied (--apply-world):');
    expect(applied.stderr()).toContain('  people: 1 added (priya); 1 changed (olga: sites)');
    const fourth = await spawnApi({ fixture: changed, args: ['--data', dir], env: { DATABASE_URL: '' } });
    await fourth.stop();
    expect(fourth.stderr()).not.toContain('differs');
  });

  it('diffWorlds: every kind in a fixed order, long lists shortened', () => {
    const a = structuredClone(WORLD);
    const b = structuredClone(WORLD);
    b.tickets = b.tickets.filter((t) => !t.key.startsWith('PS-'));
    b.organization.name = 'Acme Two';
    b.engineers.push({ id: 'kim', email: 'kim@vendor.test' });
    expect(diffWorlds(worldSummary(a), worldSummary(b))).toEqual([
      'organization: changed (name Acme → Acme Two)',
      'engineers: 1 added (kim)',
      'tickets: 31 removed (PS-100, PS-101, PS-102, PS-103, PS-104, PS-105 and 25 more)',
    ]);
    expect(diffWorlds(worldSummary(a), worldSummary(a))).toEqual([]);
  });
});
