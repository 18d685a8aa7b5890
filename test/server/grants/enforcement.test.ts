// The enforcement point never answers from the past: every check is decided on current state and
// audited whatever headers it carries, AI conversation grants keep one live grant per ticket (also
// under concurrency), and the audit row records the resource as decided. On PGlite always, and on
// PostgreSQL when DATABASE_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_URL, harness, type Backend, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';

if (!ADMIN_URL) console.log('server enforcement: PostgreSQL suite skipped because DATABASE_URL is unset');

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`enforcement point on ${backend}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness(backend);
    });
    afterAll(async () => {
      await h?.close();
    });

    const checks = async (ticket: string) =>
      (await h.call('alice-token', ROUTES.audit, { query: { ticket, actor: 'sam' } })).json.entries.filter((r: { action: string }) => r.action === 'access.check') as Array<{
        outcome: string;
        resource: unknown;
        detail: any;
      }>;

    it('a check sent with an Idempotency-Key is decided again after a revoke, and every call is audited', async () => {
      const g = await h.call('alice-token', ROUTES.grant, { key: 'PS-107' }, {});
      expect(g.status).toBe(201);
      const ask = () => h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-107', resource: 'page' }, { headers: { 'idempotency-key': 'K' } });
      const first = await ask();
      expect(first.json.allowed).toBe(true);
      expect((await h.call('alice-token', ROUTES.revoke, { id: g.json.id }, {})).status).toBe(200);
      const second = await ask();
      expect(second.json.allowed).toBe(false);
      expect(second.headers.get('idempotent-replayed')).toBeNull();
      expect((await checks('PS-107')).map((r) => r.outcome)).toEqual(['refused', 'allowed']);
    });

    it('a ticket has one live AI conversation grant; racing grants leave exactly one, and revoking it ends AI access', async () => {
      const race = await Promise.all(
        ['alice-token', 'olga-token', 'alice-token', 'olga-token'].map((t, i) => h.call(t, ROUTES.grantAiConversations, { key: 'PS-200' }, { conversations: i % 2 ? ['conv-2'] : ['conv-1'] })),
      );
      expect(race.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
      const won = race.find((r) => r.status === 201)!.json.id as string;
      const grants = (await h.call('alice-token', ROUTES.ticketGrants, { key: 'PS-200' })).json.grants as Array<{ id: string; kind: string; state: string }>;
      expect(grants.filter((x) => x.kind === 'ai_conversations' && x.state === 'active').map((x) => x.id)).toEqual([won]);
      expect((await h.call('alice-token', ROUTES.revoke, { id: won }, {})).status).toBe(200);
      for (const conversation of ['conv-1', 'conv-2']) {
        expect((await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-200', resource: { type: 'ai_conversation', conversation } })).json.allowed).toBe(false);
      }
      // Once it is over, a new one may be granted.
      expect((await h.call('alice-token', ROUTES.grantAiConversations, { key: 'PS-200' }, { conversations: ['conv-1', 'conv-2'] })).status).toBe(201);
    });

    it('the audit row records the resource as decided; an ambiguous AI conversation is a 400, logged as refused', async () => {
      await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-109', resource: { type: 'page', id: 'p1' } });
      await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-109', resource: 'ai_conversation:conv-3' });
      const amb = await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-109', resource: { type: 'ai_conversation', id: 'conv-allowed', conversation: 'conv-secret' } });
      expect(amb.status).toBe(400);
      expect(amb.type).toContain('application/problem+json');
      expect(amb.json.detail).toMatch(/ambiguous/);
      const rows = (await checks('PS-109')).reverse();
      expect(rows.map((r) => [r.outcome, r.resource])).toEqual([
        ['refused', { type: 'page', id: 'p1', site: 'acme-main', product: 'jira' }],
        ['refused', { type: 'ai_conversation', conversation: 'conv-3', site: 'acme-main', product: 'jira' }],
        ['refused', null],
      ]);
      expect(rows[2]!.detail).toMatchObject({ code: 'bad-request', status: 400 });
      expect(JSON.stringify(rows)).not.toContain('conv-secret');
      expect((await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-109', resource: { type: 'page', conversation: 'c' } })).status).toBe(400);
    });

    it('an unparseable resource is a 400 problem naming the accepted forms', async () => {
      for (const resource of [42, 'nope', { type: 'spreadsheet' }, null, ['page']]) {
        const r = await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-109', resource });
        expect(r.status, JSON.stringify(resource)).toBe(400);
        expect(r.json.detail, JSON.stringify(resource)).toContain('"type:id"');
        expect(r.json.detail).toContain('ai_conversation');
        expect(r.json.detail).not.toBe('resource: Invalid input');
      }
    });
  });
}
