// On PGlite the directory cache trusts the change numbers it hears announced (directory/cache.ts).
// A change row deleted outside the API after its announcement (rewritten history) must not leave
// every request waiting for a change that can never be read: the cache decides on what the table
// holds, and the process keeps answering.
import { afterEach, expect, it } from 'vitest';
import { ROUTES } from '../../../src/api/contract';
import { recordDirectoryChange } from '../../../src/server/directory/repository';
import { harness, type Harness } from '../helpers';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

it('a change announced and then deleted from directory_changes does not hang the next request', async () => {
  h = await harness('pglite');
  const seq = await h.db.transaction((tx) => recordDirectoryChange(tx, new Date().toISOString(), 'directory.role_assign', ['bob'], []));
  await h.db.query('DELETE FROM directory_changes WHERE seq = $1', [seq]);
  const answer = await Promise.race([h.call('bob-token', ROUTES.eligibility, { key: 'PS-101' }), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 5_000))]);
  expect(answer).not.toBe('hung');
  expect((answer as { status: number }).status).toBe(200);
  // And later changes are still heard and applied.
  expect((await h.call('mia-token', ROUTES.eligibility, { key: 'PS-101' })).json.allowed).toBe(false);
  expect((await h.call('alice-token', ROUTES.createRoleAssignment, { user: 'mia', role: 'product_admin', site: 'acme-main', product: 'jira' })).status).toBe(201);
  expect((await h.call('mia-token', ROUTES.eligibility, { key: 'PS-101' })).json.allowed).toBe(true);
});
