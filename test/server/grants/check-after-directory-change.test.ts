// An engineer's access check does not read the directory's last change before it is queued (app.ts):
// its batch reads it with the grants and brings the index up to it before deciding (access-check.ts
// viewOf). So a directory change committed after the batcher last read its view, by this process's
// routes, straight into the database, or by another API process, must still be the next check's fact.
// The checks run first so the batcher holds a view at the old epoch when the change commits.
import { afterEach, describe, expect, it } from 'vitest';
import { ROUTES } from '../../../src/api/contract';
import { assignTicketRow, recordDirectoryChange } from '../../../src/server/directory/repository';
import { ADMIN_URL, appsOnOneDatabase, harness, WORLD, type Backend, type Harness } from '../helpers';

const backends: Backend[] = ADMIN_URL ? ['pglite', 'postgres'] : ['pglite'];
const read = { ticket: 'PS-101', resource: { type: 'page' } };

describe.each(backends)('an engineer check after a directory change, on %s', (backend) => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('a reassignment written straight into the database ends the old engineer access at the next check', async () => {
    h = await harness(backend);
    expect((await h.call('alice-token', ROUTES.grant, { key: 'PS-101' }, {})).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await h.call('sam-token', ROUTES.checkAccess, read)).json.allowed).toBe(true);
    await h.db.transaction(async (tx) => {
      const at = new Date().toISOString();
      await assignTicketRow(tx, 'PS-101', 'lee', at);
      await recordDirectoryChange(tx, at, 'vendor.ticket_assign', [], [], false);
    });
    expect((await h.call('sam-token', ROUTES.checkAccess, read)).json).toMatchObject({ allowed: false });
    expect((await h.call('lee-token', ROUTES.checkAccess, read)).json).toMatchObject({ allowed: true });
  });

  it('checks queued together with a reassignment through the route are decided on one side of it, and every one after it is refused', async () => {
    h = await harness(backend);
    expect((await h.call('alice-token', ROUTES.grant, { key: 'PS-101' }, {})).status).toBe(201);
    expect((await h.call('sam-token', ROUTES.checkAccess, read)).json.allowed).toBe(true);
    const during = Array.from({ length: 20 }, () => h.call('sam-token', ROUTES.checkAccess, read));
    expect((await h.call('sam-token', ROUTES.assignTicket, { key: 'PS-101' }, { engineer: 'lee' })).status).toBe(200);
    const after = await Promise.all(Array.from({ length: 20 }, () => h.call('sam-token', ROUTES.checkAccess, read)));
    for (const a of await Promise.all(during)) expect(a.status).toBe(200);
    expect(after.map((a) => a.json.allowed)).toEqual(after.map(() => false));
  });
});

describe.skipIf(!ADMIN_URL)('an engineer check on another API process after a reassignment (PostgreSQL)', () => {
  it('the other process refuses the old engineer at its next check, though its batcher held a view at the old epoch', async () => {
    const both = await appsOnOneDatabase(WORLD);
    try {
      expect((await both.call(0, 'alice-token', ROUTES.grant, { key: 'PS-101' }, {})).status).toBe(201);
      for (let i = 0; i < 3; i++) expect((await both.call(1, 'sam-token', ROUTES.checkAccess, read)).json.allowed).toBe(true);
      expect((await both.call(0, 'sam-token', ROUTES.assignTicket, { key: 'PS-101' }, { engineer: 'lee' })).status).toBe(200);
      expect((await both.call(1, 'sam-token', ROUTES.checkAccess, read)).json).toMatchObject({ allowed: false });
      expect((await both.call(1, 'lee-token', ROUTES.checkAccess, read)).json).toMatchObject({ allowed: true });
    } finally {
      await both.close();
    }
  });
});
