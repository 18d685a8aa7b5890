// The first grant path: a ticket raised through the request form with the consent box. Eligibility
// for a ticket not yet created follows the same rules as a ticket's; a ticked box from someone who
// may grant makes the grant (or the Guard hold) with the ticket, one from someone who may not
// refuses the whole request and creates nothing. On PGlite always, PostgreSQL when DATABASE_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessApiError, createAccessClient } from '../../../src/api/client';
import * as W from '../../../src/api/schemas';
import { createApp } from '../../../src/server/app';
import { ADMIN_URL, harness, TEST_AUDIT_KEY, WORLD, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi, pathOf } from '../../support/api-call';

if (!ADMIN_URL) console.log('ticket creation: PostgreSQL suite skipped because DATABASE_URL is unset');

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`raising a ticket on ${backend}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness(backend);
    });
    afterAll(async () => {
      await h?.close();
    });

    const ticketRows = async () => Number((await h.db.query<{ n: number | string }>('SELECT count(*) AS n FROM tickets'))[0]!.n);
    const auditSince = async (seq: number) =>
      h.db.query<{ action: string; outcome: string; ticket: string | null; actor: string }>('SELECT action, outcome, ticket, actor FROM audit WHERE seq > $1 ORDER BY seq', [seq]);
    const head = async () => Number((await h.db.query<{ n: number | string }>('SELECT coalesce(max(seq), 0) AS n FROM audit'))[0]!.n);
    const eligibility = (token: string, site: string, product: string) => h.call(token, ROUTES.newTicketEligibility, { query: { site, product } });

    it('tells the form, before a ticket exists, whether ticking the box gives Support access', async () => {
      const alice = await eligibility('alice-token', 'acme-main', 'jira');
      expect(alice.status).toBe(200);
      expect(alice.json).toMatchObject({ allowed: true, via: 'org_admin', causes: [], guardApprovalRequired: false, scope: { product: 'jira', site: 'acme-main' } });
      expect(alice.json.scope.summary).toMatch(/for this request until/);

      // Bob administers Jira, not Confluence: the same causes and fixes a ticket's eligibility gives.
      const bob = await eligibility('bob-token', 'acme-main', 'confluence');
      expect(bob.json.allowed).toBe(false);
      expect(bob.json.causes.map((c: { code: string }) => c.code)).toEqual(['wrong_product']);
      expect(bob.json.causes[0].fix).toMatch(/Alice Ng/);
      expect(bob.json.qualifiedAdmins.map((a: { userId: string }) => a.userId)).toEqual(['alice', 'olga', 'dev']);
      // …and it matches the answer for an existing ticket on that product and site.
      const existing = await h.call('bob-token', ROUTES.eligibility, { key: 'PS-200' });
      expect(bob.json.causes).toEqual(existing.json.causes);
      expect(bob.json.qualifiedAdmins).toEqual(existing.json.qualifiedAdmins);

      expect((await eligibility('mia-token', 'acme-main', 'jira')).json.causes.map((c: { code: string }) => c.code)).toEqual(['no_admin_role']);
      const old = await eligibility('alice-token', 'acme-old', 'jira');
      expect(old.json).toMatchObject({ allowed: false, qualifiedAdmins: [] });
      expect(old.json.causes.map((c: { code: string }) => c.code)).toEqual(['site_deactivated']);
      expect((await eligibility('alice-token', 'acme-eu', 'jira')).json).toMatchObject({ allowed: true, guardApprovalRequired: true });

      const unknown = await eligibility('alice-token', 'acme-nowhere', 'jira');
      expect(unknown.status).toBe(404);
      // A vendor form shows the site's address, not our id: either names the site.
      const byAddress = await h.call('bob-token', ROUTES.newTicketEligibility, { query: { site: 'https://acme.atlassian.net', product: 'confluence' } });
      expect(byAddress.json).toEqual(bob.json);
      expect((await eligibility('alice-token', 'acme-eu', 'loom')).json.code).toBe('unknown_product');
      expect((await h.call('alice-token', ROUTES.newTicketEligibility, { query: { site: 'acme-main' } })).status).toBe(400);
      const engineer = await eligibility('sam-token', 'acme-main', 'jira');
      expect([engineer.status, engineer.type]).toEqual([403, expect.stringContaining('application/problem+json')]);
    });

    it('raises a ticket without the box: the caller is its reporter, nothing is granted', async () => {
      const before = await head();
      const r = await h.call('mia-token', ROUTES.createTicket, { site: 'acme-main', product: 'jira', summary: '  Boards load slowly  ', description: 'Since Monday.', grantDataAccess: false });
      expect(r.status).toBe(201);
      expect(r.json.grant).toBeUndefined();
      expect(r.json.ticket).toMatchObject({ title: 'Boards load slowly', description: 'Since Monday.', site: 'acme-main', product: 'jira', reporter: 'mia', engineer: 'sam', status: 'open' });
      const key = r.json.ticket.key as string;
      expect(key).toMatch(/^PS-\d+$/);
      expect(r.headers.get('location')).toBe(pathOf(ROUTES.ticket, { key }));
      expect((await h.call('mia-token', ROUTES.ticket, { key })).json.reporter).toBe('mia');
      expect((await h.call('mia-token', ROUTES.ticketGrants, { key })).json.grants).toEqual([]);
      expect(await auditSince(before)).toEqual([{ action: 'ticket.create', outcome: 'done', ticket: key, actor: 'mia' }]);
      // Mia cannot grant; Bob (Jira admin) can grant it later from the sidebar like any ticket.
      expect((await h.call('bob-token', ROUTES.grant, { key }, {})).json.state).toBe('active');
    });

    it('with the box ticked by someone who may grant, the ticket starts with an active grant, in one transaction', async () => {
      const before = await head();
      const r = await h.call('bob-token', ROUTES.createTicket, { site: 'acme-main', product: 'jira', summary: 'Automation rule fails', grantDataAccess: true });
      expect(r.status).toBe(201);
      expect(r.json.grant.state).toBe('active');
      const key = r.json.ticket.key as string;
      const grants = (await h.call('bob-token', ROUTES.ticketGrants, { key })).json.grants;
      expect(grants).toEqual([expect.objectContaining({ id: r.json.grant.id, state: 'active', grantedBy: 'bob', engineer: 'sam', site: 'acme-main', product: 'jira' })]);
      expect((await auditSince(before)).map((x) => [x.action, x.outcome, x.ticket])).toEqual([
        ['ticket.create', 'done', key],
        ['grant.create', 'done', key],
      ]);
      // The enforcement point honours it, and closing the ticket revokes it, as for any ticket.
      expect((await h.call('sam-token', ROUTES.checkAccess, { ticket: key, resource: 'page' })).json.allowed).toBe(true);
      expect((await h.call('sam-token', ROUTES.closeTicket, { key }, {})).json.revoked).toEqual([r.json.grant.id]);
      expect((await h.call('sam-token', ROUTES.checkAccess, { ticket: key, resource: 'page' })).json.allowed).toBe(false);
      // The raised ticket's grants show in the granter's list.
      expect((await h.call('bob-token', ROUTES.grants, { query: { state: 'revoked' } })).json.grants.map((g: { ticket: string }) => g.ticket)).toContain(key);
    });

    it('on a Guard-restricted site the ticked box makes a grant held for Guard approval', async () => {
      const r = await h.call('alice-token', ROUTES.createTicket, { site: 'acme-eu', product: 'jira', summary: 'EU sync stuck', grantDataAccess: true });
      expect(r.status).toBe(201);
      expect(r.json.grant.state).toBe('pending_guard_approval');
      expect(r.json.ticket.guardAdmins.map((g: { userId: string }) => g.userId)).toEqual(['gus', 'gwen']);
      const decided = await h.call('gus-token', ROUTES.guardDecision, { id: r.json.grant.id }, { decision: 'approve' });
      expect(decided.json.state).toBe('active');
    });

    it('a ticked box from someone who may not grant refuses the whole request: no ticket, one refusal on record', async () => {
      const rows = await ticketRows();
      const before = await head();
      const r = await h.call('bob-token', ROUTES.createTicket, { site: 'acme-main', product: 'confluence', summary: 'Pages missing', grantDataAccess: true });
      expect(r.status).toBe(403);
      expect(r.type).toContain('application/problem+json');
      expect(r.json.type).toMatch(/not-eligible$/);
      expect(r.json.causes.map((c: { code: string }) => c.code)).toEqual(['wrong_product']);
      expect(await ticketRows()).toBe(rows);
      expect((await auditSince(before)).map((x) => [x.action, x.outcome, x.actor])).toEqual([['ticket.create', 'refused', 'bob']]);

      const deactivated = await h.call('alice-token', ROUTES.createTicket, { site: 'acme-old', product: 'jira', summary: 'Old site', grantDataAccess: true });
      expect(deactivated.json.causes.map((c: { code: string }) => c.code)).toEqual(['site_deactivated']);
      // The same request without the box is a plain ticket: a site pending deletion accepts tickets.
      expect((await h.call('alice-token', ROUTES.createTicket, { site: 'acme-old', product: 'jira', summary: 'Old site', grantDataAccess: false })).status).toBe(201);

      const bad: Array<[string, unknown, number]> = [
        ['sam-token', { site: 'acme-main', product: 'jira', summary: 'x', grantDataAccess: false }, 403],
        ['alice-token', { site: 'acme-main', product: 'jira', summary: '   ', grantDataAccess: false }, 400],
        ['alice-token', { site: 'acme-main', product: 'jira', summary: 'x' }, 400],
        ['alice-token', { site: 'acme-main', product: 'jira', summary: 'x', grantDataAccess: 'yes' }, 400],
        ['alice-token', { site: 'acme-main', product: 'jira', summary: 'x', grantDataAccess: false, reporter: 'bob' }, 400],
        ['alice-token', { site: 'acme-nowhere', product: 'jira', summary: 'x', grantDataAccess: false }, 422],
      ];
      const rowsBefore = await ticketRows();
      for (const [token, body, status] of bad) {
        const x = await h.call(token, ROUTES.createTicket, body);
        expect(x.status, JSON.stringify(body)).toBe(status);
        expect(x.type).toContain('application/problem+json');
      }
      expect(await ticketRows()).toBe(rowsBefore);
    });

    it('a retry under the same Idempotency-Key gets the same ticket, not a second one', async () => {
      const rows = await ticketRows();
      const body = { site: 'acme-main', product: 'jira', summary: 'Retried', grantDataAccess: true };
      const key = `raise-${backend}`;
      const first = await h.call('bob-token', ROUTES.createTicket, body, { headers: { 'idempotency-key': key } });
      const again = await h.call('bob-token', ROUTES.createTicket, body, { headers: { 'idempotency-key': key } });
      expect(first.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.json).toEqual(first.json);
      expect(await ticketRows()).toBe(rows + 1);
      const reused = await h.call('bob-token', ROUTES.createTicket, { ...body, summary: 'Other' }, { headers: { 'idempotency-key': key } });
      expect(reused.status).toBe(422);
    });

    it("the extension's typed client asks and raises; answers fit the wire schemas", async () => {
      const client = (token: string) => createAccessClient('http://api.test/', token, (url, init) => Promise.resolve(h.api.app.request(url, init)));
      const el = await client('bob-token').newTicketEligibility('https://acme.atlassian.net', 'jira');
      expect(W.Eligibility.parse(el)).toMatchObject({ allowed: true, via: 'product_admin' });
      const raised = W.TicketCreated.parse(await client('bob-token').createTicket({ site: 'acme-main', product: 'jira', summary: 'Via the client', grantDataAccess: true }));
      expect(raised.grant?.state).toBe('active');
      const refused = await client('bob-token')
        .createTicket({ site: 'acme-main', product: 'confluence', summary: 'No', grantDataAccess: true })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AccessApiError);
      expect((refused as AccessApiError).kind).toBe('not-eligible');
      expect((refused as AccessApiError).problem.causes?.[0]?.code).toBe('wrong_product');
    });

    it('a raised ticket lives in the database: another API process on it sees the ticket and its grant', async () => {
      const r = await h.call('alice-token', ROUTES.createTicket, { site: 'acme-main', product: 'confluence', summary: 'Survives', grantDataAccess: true });
      const other = await createApp({ auditSigning: { key: TEST_AUDIT_KEY }, world: WORLD, db: h.db, log: () => {} });
      try {
        const body = (await callApi(other.app, 'alice-token', ROUTES.ticketGrants, { key: r.json.ticket.key })).json as { grants: Array<{ id: string; state: string }> };
        expect(body.grants).toEqual([expect.objectContaining({ id: r.json.grant.id, state: 'active' })]);
        // Its keys continue the sequence: a second process never reuses one.
        const next = await callApi(other.app, 'alice-token', ROUTES.createTicket, { site: 'acme-main', product: 'jira', summary: 'From the other process', grantDataAccess: false });
        const created = next.json as { ticket: { key: string } };
        expect(created.ticket.key).not.toBe(r.json.ticket.key);
        expect((await h.call('alice-token', ROUTES.ticket, { key: created.ticket.key })).json.title).toBe('From the other process');
      } finally {
        await other.close();
      }
      expect((await h.call('alice-token', ROUTES.verifyAudit)).json).toMatchObject({ ok: true });
    });
  });
}
