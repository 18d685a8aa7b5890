// A directory change is news to every org admin, not only to the people it touched: their Roles page
// and panels list who can grant and the grants made by someone who no longer can, so another org
// admin's open page hears of a role given or a person deactivated on its event stream at once rather
// than at its next poll. People neither touched nor org admins are not told. On PGlite always, and
// on PostgreSQL when DATABASE_URL is set.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventsFor } from '../../../src/server/inbox/events';
import { ADMIN_URL, type Backend, type Harness, harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

const backends: Backend[] = ADMIN_URL ? ['pglite', 'postgres'] : ['pglite'];

describe.each(backends)('directory events on %s', (backend) => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness(backend);
  });
  afterEach(async () => {
    await h.close();
  });

  /** A person's event stream (Olga's below: an org admin the changes below do not touch). */
  async function stream(token: string) {
    const events = await h.stream(token, ROUTES.events);
    expect(events.res.status).toBe(200);
    return events;
  }
  /** The `directory.changed` events' data on a stream's text, in order. */
  const changes = (text: string) => [...text.matchAll(/^event: directory\.changed\ndata: (.*)$/gm)].map((m) => JSON.parse(m[1]!).data as { action: string; resource: Record<string, unknown> });

  it("another org admin's stream hears of a role an org admin gives and of a person SCIM deactivates", async () => {
    const key = (await h.call('alice-token', ROUTES.createApiKey, { name: 'Okta provisioning', scopes: ['scim'] })).json.secret;
    const olga = await stream('olga-token');
    await olga.until(/^id: \S+$/m);
    const made = await h.call('alice-token', ROUTES.createRoleAssignment, { user: 'mia', role: 'product_admin', site: 'acme-main', product: 'confluence' });
    expect(made.status).toBe(201);
    const off = await h.req(
      key,
      'PATCH',
      '/scim/v2/Users/gwen',
      JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] }),
      {
        'content-type': 'application/scim+json',
      },
    );
    expect(off.status).toBe(200);
    // Then something surely addressed to Olga (Bob asks her to grant): the stream delivers in order,
    // so what reached her before it is on the text read up to it.
    expect((await h.call('bob-token', ROUTES.ask, { key: 'PS-200' }, { adminId: 'olga' })).status).toBe(201);
    const text = await olga.until(/^event: ask\.created$/m);
    const seen = changes(text);
    expect(seen.map((c) => c.action)).toEqual(['directory.role_assign', 'directory.person_deactivate']);
    expect(seen[0]).toMatchObject({ resource: { id: made.json.id, user: 'mia' } });
    await olga.close();

    // Dev is neither touched nor an org admin: nothing for him.
    expect((await eventsFor(h.db, 'dev', 0)).filter((e) => e.type === 'directory.changed')).toEqual([]);
    // Alice, an org admin who made the first change, hears of both too.
    expect((await eventsFor(h.db, 'alice', 0)).filter((e) => e.type === 'directory.changed')).toHaveLength(2);
  });
});
