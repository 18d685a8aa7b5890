// Nothing twice: the same ask while one is pending is that request (also five at once), one
// person is one person however their email is written, one decision covers every pending request
// for a person, and approving someone who already has the product is refused with the reason.
// On PGlite always, on PostgreSQL when DATABASE_URL is set (where the five really race).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_URL, harness, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

const DECOMPOSED = 'Rene\u0301@acme.test'; // "René" with a combining acute
const COMPOSED = ' REN\u00c9@ACME.test '; // precomposed É, upper case, spaces

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`access requests are never made twice, on ${backend}`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await harness(backend);
    });
    afterEach(async () => {
      await h?.close();
    });

    const pendingRows = async () => (await h.db.query<{ id: string }>("SELECT id FROM access_requests WHERE state = 'pending'")).map((r) => r.id);

    it('asking again while pending returns the pending request: 200, same id, no second row', async () => {
      const first = await h.call('bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence', for: { userId: 'mia' } });
      expect(first.status).toBe(201);
      const again = await h.call('bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence', for: { email: ' MIA@acme.test ' } });
      expect(again.status).toBe(200);
      expect(again.json.id).toBe(first.json.id);
      expect(await pendingRows()).toEqual([first.json.id]);
      const created = (await h.call('alice-token', ROUTES.audit, { query: { limit: 500 } })).json.entries.filter(
        (e: { action: string; outcome: string }) => e.action === 'access_request.create' && e.outcome === 'done',
      );
      expect(created).toHaveLength(1);
    });

    it('five identical asks at once make one request', async () => {
      const answers = await Promise.all(Array.from({ length: 5 }, () => h.call('nora-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira' })));
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 201]);
      expect(new Set(answers.map((a) => a.json.id)).size).toBe(1);
      expect(await pendingRows()).toHaveLength(1);
    });

    it('five asks at once for a new person written five ways make one request and, approved, one seat', async () => {
      const forms = [DECOMPOSED, COMPOSED, 'ren\u00e9@acme.test', '\tRen\u00e9@Acme.Test', 'RENE\u0301@ACME.TEST'];
      const answers = await Promise.all(forms.map((email) => h.call('bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira', for: { email } })));
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 201]);
      const id = answers[0]!.json.id;
      expect(answers.every((a) => a.json.id === id)).toBe(true);
      expect((await h.call('alice-token', ROUTES.approveAccessRequest, { id }, {})).status).toBe(200);
      const seats = await h.db.query<{ billable: number }>("SELECT billable FROM seats WHERE site = 'acme-main' AND product = 'jira'");
      expect(Number(seats[0]!.billable)).toBe(42);
      // The same person, written yet another way, already has it.
      const later = await h.call('dev-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira', for: { email: '\uff32\uff25\uff2e\u00c9@acme.test' } }); // full-width ＲＥＮ
      expect(later.status).toBe(422);
      expect(later.json.code).toBe('already_has_access');
    });

    it("a denial covers every pending request for the person: an off-site self-request and a colleague's ask for them end denied and barred, never approved", async () => {
      const own = await h.call('nora-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira' });
      const forNora = await h.call('bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira', for: { email: 'Nora@Elsewhere.test' } });
      expect([own.status, forNora.status]).toEqual([201, 201]);
      // The reviewer looking at the colleague's request is warned that denying bars, and sees the other ask.
      const listed = (await h.call('alice-token', ROUTES.accessRequests)).json.requests.find((r: { id: string }) => r.id === forNora.json.id);
      expect(listed).toMatchObject({ kind: 'teammate', denyBars: true, samePerson: [{ id: own.json.id, self: true, requesterOnSite: false }] });
      const denied = await h.call('alice-token', ROUTES.denyAccessRequest, { id: forNora.json.id }, { message: 'Not yet' });
      expect(denied.status).toBe(200);
      const ownNow = (await h.call('alice-token', ROUTES.accessRequest, { id: own.json.id })).json;
      expect(ownNow).toMatchObject({ state: 'denied', decidedWith: forNora.json.id, message: 'Not yet' });
      expect((await h.call('alice-token', ROUTES.approveAccessRequest, { id: own.json.id }, {})).status).toBe(409);
      expect((await h.db.query("SELECT 1 FROM group_members WHERE member = 'email:nora@elsewhere.test' OR member = 'nora'")).length).toBe(0);
      const barred = await h.call('nora-token', ROUTES.requestProductAccess, { site: 'acme-eu', product: 'jira' });
      expect(barred.json.code).toBe('barred');
    });

    it('an approval covers every pending request for the person, and the person is not barred', async () => {
      const own = await h.call('nora-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira' });
      const forNora = await h.call('bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira', for: { userId: 'nora' } });
      const approved = await h.call('dev-token', ROUTES.approveAccessRequest, { id: own.json.id }, {});
      expect(approved.status).toBe(200);
      expect((await h.call('alice-token', ROUTES.accessRequest, { id: forNora.json.id })).json).toMatchObject({ state: 'approved', decidedWith: own.json.id });
      // The late deny of the other request is refused: it is decided already.
      const late = await h.call('alice-token', ROUTES.denyAccessRequest, { id: forNora.json.id }, {});
      expect(late.status).toBe(409);
      expect((await h.db.query('SELECT 1 FROM barred_emails')).length).toBe(0);
      const audit = (await h.call('alice-token', ROUTES.audit, { query: { limit: 500 } })).json.entries.filter((e: { action: string }) => e.action === 'access_request.approve');
      expect(audit.map((e: { resource: { id: string } }) => e.resource.id).sort()).toEqual([own.json.id, forNora.json.id].sort());
    });

    it("a reviewer who asked for the person cannot decide a colleague's request for them either", async () => {
      await h.call('alice-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira', for: { userId: 'mia' } });
      const bobs = await h.call('bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira', for: { userId: 'mia' } });
      const r = await h.call('alice-token', ROUTES.approveAccessRequest, { id: bobs.json.id }, {});
      expect(r.status).toBe(403);
      expect(r.json.code).toBe('self_review');
      expect((await pendingRows()).length).toBe(2);
      // So it is not waiting on her either; it is on another reviewer's list.
      const inboxIds = async (token: string) => (await h.call(token, ROUTES.inbox)).json.items.map((i: { id: string }) => i.id);
      expect(await inboxIds('alice-token')).not.toContain(`access_request:${bobs.json.id}`);
      expect(await inboxIds('olga-token')).toContain(`access_request:${bobs.json.id}`);
      expect((await h.call('alice-token', ROUTES.accessRequest, { id: bobs.json.id })).json.mayDecide).toBe(false);
      expect((await h.call('olga-token', ROUTES.accessRequest, { id: bobs.json.id })).json.mayDecide).toBe(true);
    });

    it('approving someone who already has the product is refused with the reason, and changes nothing', async () => {
      const r = await h.call('bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence', for: { userId: 'gwen' } });
      // Gwen got Confluence another way meanwhile (an import, another process's approval).
      await h.db.query("INSERT INTO group_members (site, product, member, grp) VALUES ('acme-main', 'confluence', 'gwen', 'confluence-users')");
      const view = (await h.call('alice-token', ROUTES.accessRequest, { id: r.json.id })).json;
      expect(view.person.hasThisProduct).toBe(true);
      expect(view.seatsAfterApproval).toBe(view.seatsNow);
      const approve = await h.call('alice-token', ROUTES.approveAccessRequest, { id: r.json.id }, {});
      expect(approve.status).toBe(409);
      expect(approve.type).toContain('application/problem+json');
      expect(approve.json).toMatchObject({ code: 'already_has_access' });
      expect(approve.json.detail).toMatch(/Gwen Ray already has Confluence on acme\.atlassian\.net/);
      expect((await h.call('alice-token', ROUTES.accessRequest, { id: r.json.id })).json.state).toBe('pending');
      expect((await h.db.query("SELECT 1 FROM seats WHERE site = 'acme-main' AND product = 'confluence'")).length).toBe(0);
    });

    it('the database itself refuses a second pending row for the same person, requester, site and product', async () => {
      const r = await h.call('bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence', for: { userId: 'mia' } });
      const [row] = await h.db.query<{ person_key: string; body: unknown }>('SELECT person_key, body FROM access_requests WHERE id = $1', [r.json.id]);
      expect(row!.person_key).toBe('mia@acme.test');
      await expect(
        h.db.query(
          "INSERT INTO access_requests (id, site, product, state, version, body, person_key, requested_by) VALUES ('ar_x', 'acme-main', 'confluence', 'pending', 1, '{}', 'mia@acme.test', 'bob')",
        ),
      ).rejects.toThrow(/unique|duplicate/i);
    });

    it('filters by site, product and kind; bulk decisions report each request on its own', async () => {
      const mine = await h.call('nora-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence' });
      const teammate = await h.call('bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira', for: { userId: 'gwen' } });
      const newcomer = await h.call('bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira', for: { email: 'zed@new.test' } });
      const eu = await h.call('alice-token', ROUTES.requestProductAccess, { site: 'acme-eu', product: 'jira', for: { userId: 'mia' } });
      const ids = (query: Record<string, string>) => h.call('alice-token', ROUTES.accessRequests, { query }).then((r) => r.json.requests.map((x: { id: string }) => x.id).sort());
      expect(await ids({ kind: 'self_off_site' })).toEqual([mine.json.id]);
      expect(await ids({ kind: 'teammate,new_person', product: 'jira', site: 'acme-main' })).toEqual([teammate.json.id, newcomer.json.id].sort());
      expect(await ids({ site: 'acme-eu' })).toEqual([eu.json.id]);
      expect((await h.call('alice-token', ROUTES.accessRequests, { query: { kind: 'robot' } })).status).toBe(400);
      const view = (await h.call('alice-token', ROUTES.accessRequest, { id: newcomer.json.id })).json;
      expect(view).toMatchObject({ kind: 'new_person', person: { hasAccount: false, email: 'zed@new.test', products: [] }, seatsNow: 41, seatsAfterApproval: 42, denyBars: false });

      // dev reviews acme-main only: the acme-eu request is refused in its row, the others decided.
      const bulk = await h.call('dev-token', ROUTES.bulkDecideAccessRequests, { ids: [teammate.json.id, eu.json.id, newcomer.json.id, 'ar_nope'], decision: 'approve' });
      expect(bulk.status).toBe(200);
      expect(bulk.json.results.map((r: { id: string; ok: boolean; status: number }) => [r.id, r.ok, r.status])).toEqual([
        [teammate.json.id, true, 200],
        [eu.json.id, false, 403],
        [newcomer.json.id, true, 200],
        ['ar_nope', false, 404],
      ]);
      const seats = await h.db.query<{ billable: number }>("SELECT billable FROM seats WHERE site = 'acme-main' AND product = 'jira'");
      expect(Number(seats[0]!.billable)).toBe(43);
      expect((await h.call('alice-token', ROUTES.accessRequest, { id: eu.json.id })).json.state).toBe('pending');
    });

    it('asking for a person while their request is being approved never leaves a request pending for someone who has the product', async () => {
      for (let round = 0; round < 8; round++) {
        const email = `racer${round}@new.test`;
        const first = await h.call('bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence', for: { email } });
        const [approve, second] = await Promise.all([
          h.call('alice-token', ROUTES.approveAccessRequest, { id: first.json.id }, {}),
          h.call('dev-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence', for: { email: email.toUpperCase() } }),
        ]);
        expect(approve.status).toBe(200);
        // Either the second ask came first and was decided with the first, or it came after and was refused.
        if (second.status === 201) expect((await h.call('alice-token', ROUTES.accessRequest, { id: second.json.id })).json).toMatchObject({ state: 'approved', decidedWith: first.json.id });
        else expect([second.status, second.json.code]).toEqual([422, 'already_has_access']);
      }
      expect(await pendingRows()).toEqual([]);
      const seats = await h.db.query<{ billable: number }>("SELECT billable FROM seats WHERE site = 'acme-main' AND product = 'confluence'");
      expect(Number(seats[0]!.billable)).toBe(37 + 8);
    });

    it('a person barred from asking is shown as barred when someone else asks for them', async () => {
      const own = await h.call('nora-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'jira' });
      await h.call('alice-token', ROUTES.denyAccessRequest, { id: own.json.id }, {});
      const forNora = await h.call('bob-token', ROUTES.requestProductAccess, { site: 'acme-main', product: 'confluence', for: { userId: 'nora' } });
      expect(forNora.status).toBe(201);
      expect(forNora.json.person.barredSince).toMatch(/^\d{4}-\d\d-\d\d/);
      expect(forNora.json.denyBars).toBe(false);
    });
  });
}
