// The extension's typed client against the real app (fetch routed into app.request, no socket).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessApiError, createAccessClient } from '../../../src/api/client';
import * as W from '../../../src/api/schemas';
import { harness, type Harness } from '../helpers';

describe('createAccessClient', () => {
  let h: Harness;
  const client = (token: string) => createAccessClient('http://api.test/', token, (url, init) => Promise.resolve(h.api.app.request(url, init)));
  beforeAll(async () => {
    h = await harness('pglite');
  });
  afterAll(async () => h?.close());

  it('reads, grants, revokes and surfaces refusals with their causes', async () => {
    const alice = client('alice-token');
    expect((await alice.me()).id).toBe('alice');
    expect((await alice.eligibility('PS-104')).allowed).toBe(true);
    const g = await alice.grant('PS-104');
    expect(g.state).toBe('active');
    const { etag } = await alice.getGrant(g.id);
    expect(etag).toMatch(/^"grant-/);
    const err = await client('bob-token')
      .grant('PS-200')
      .catch((e) => e);
    expect(err).toBeInstanceOf(AccessApiError);
    expect(err.kind).toBe('not-eligible');
    expect(err.problem.causes[0].code).toBe('wrong_product');
    expect((await alice.revoke(g.id, { ifMatch: etag! })).state).toBe('revoked');
    const stale = await alice.revoke(g.id, { ifMatch: etag! }).catch((e) => e);
    expect(stale.status).toBe(412);
  });

  it('inbox returns undefined items on 304; a retried POST with the same key is the same grant', async () => {
    const olga = client('olga-token');
    const first = await olga.inbox();
    expect(Array.isArray(first.items)).toBe(true);
    expect((await olga.inbox(first.etag!)).items).toBeUndefined();
    const a = await olga.grant('PS-106', { idempotencyKey: 'same' });
    const b = await olga.grant('PS-106', { idempotencyKey: 'same' });
    expect(b.id).toBe(a.id);
    const check = await client('sam-token').checkAccess({ ticket: 'PS-106', resource: { type: 'attachment', id: 'a1' } });
    expect(check.allowed).toBe(true);
  });

  it("the poll's grant list and a ticket's activity answer 304 until something changes", async () => {
    const olga = client('olga-token');
    const states = ['active', 'revoked'] as const;
    const first = await olga.grantsIfChanged([...states]);
    expect(first.list?.grants).toBeDefined();
    expect((await olga.grantsIfChanged([...states], first.etag!)).list).toBeUndefined();
    const activity = await olga.activityIfChanged('PS-107');
    expect((await olga.activityIfChanged('PS-107', activity.etag!)).page).toBeUndefined();

    const g = await olga.grant('PS-107');
    const changed = await olga.grantsIfChanged([...states], first.etag!);
    expect(changed.list?.grants.some((x) => x.id === g.id && x.state === 'active')).toBe(true);
    expect(changed.etag).not.toBe(first.etag);

    await client('sam-token').checkAccess({ ticket: 'PS-107', resource: { type: 'page', id: 'p1' } });
    const read = await olga.activityIfChanged('PS-107', activity.etag!);
    expect(read.page?.entries.some((e) => e.actorKind === 'engineer' && e.outcome === 'allowed')).toBe(true);
  });

  it("the requester's reads match their schemas; my request list is undefined on 304", async () => {
    const mia = client('mia-token');
    const context = await mia.accessRequestContext('https://acme.atlassian.net', 'confluence');
    expect(W.AccessRequestContext.parse(context).forMyself.ok).toBe(true);
    const made = await mia.requestProductAccess({ site: context.site.id, product: 'confluence' }, { idempotencyKey: 'mia-self' });
    const first = await mia.myAccessRequests();
    expect(W.MyAccessRequestList.parse(first.list).requests.map((r) => r.id)).toContain(made.id);
    expect((await mia.myAccessRequests(first.etag!)).list).toBeUndefined();
  });
});
