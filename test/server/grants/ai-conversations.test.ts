// AI conversations by name (issue 23): the ticket answer gives each conversation Support asked for
// with its title and owner where the world file knows them, an AI grant names exactly the ones the
// admin picked, and every audit row of it (the revoke too) says which conversations it was about.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_URL, harness, WORLD, type Backend, type Harness } from '../helpers';
import type { World } from '../../../src/core/index';
import { ROUTES } from '../../../src/api/contract';

const backends: Backend[] = ['pglite', 'postgres'];

const world: World = {
  ...WORLD,
  tickets: WORLD.tickets.map((t) =>
    t.key === 'PS-200' ? { ...t, aiConversationsRequested: [{ id: 'conv-1', title: 'Why the export stops at 2 AM', owner: 'olga' }, 'conv-2', { id: 'conv-3', owner: 'bob' }] } : t,
  ),
};

for (const backend of backends) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`AI conversations by name on ${backend}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness(backend, { world });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('the ticket lists the conversations in order, with title and owner where known', async () => {
      const t = await h.call('alice-token', ROUTES.ticket, { key: 'PS-200' });
      expect(t.status).toBe(200);
      expect(t.json.aiConversationsRequested).toEqual(['conv-1', 'conv-2', 'conv-3']);
      expect(t.json.aiConversations).toEqual([
        { id: 'conv-1', title: 'Why the export stops at 2 AM', owner: 'olga', ownerName: 'Olga Berg' },
        { id: 'conv-2' },
        { id: 'conv-3', owner: 'bob', ownerName: 'Bob Stone' },
      ]);
    });

    it('a grant of the picked conversations covers those only; its audit rows name them, the revoke included', async () => {
      const g = await h.call('alice-token', ROUTES.grantAiConversations, { key: 'PS-200' }, { conversations: ['conv-1', 'conv-3'] });
      expect(g.status).toBe(201);
      const check = async (conversation: string) => (await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-200', resource: { type: 'ai_conversation', conversation } })).json.allowed;
      expect(await check('conv-1')).toBe(true);
      expect(await check('conv-3')).toBe(true);
      expect(await check('conv-2')).toBe(false);
      expect((await h.call('alice-token', ROUTES.revoke, { id: g.json.id })).status).toBe(200);
      expect(await check('conv-1')).toBe(false);

      const audit = await h.call('alice-token', ROUTES.audit, { query: { ticket: 'PS-200' } });
      const rowOf = (action: string) => audit.json.entries.find((e: { action: string; resource: { kind?: string } }) => e.action === action && e.resource.kind === 'ai_conversations');
      const named = 'AI conversations “Why the export stops at 2 AM” (Olga Berg), conv-3 (Bob Stone) on PS-200';
      expect(rowOf('ai_grant.create')).toMatchObject({ resourceName: named, detail: { conversations: ['conv-1', 'conv-3'] } });
      expect(rowOf('grant.revoke')).toMatchObject({ resourceName: named, detail: { conversations: ['conv-1', 'conv-3'] } });
    });

    it('a conversation Support did not ask for is refused and nothing is granted', async () => {
      const g = await h.call('alice-token', ROUTES.grantAiConversations, { key: 'PS-200' }, { conversations: ['conv-1', 'conv-9'] });
      expect(g.status).toBeGreaterThanOrEqual(400);
      expect(g.type).toContain('application/problem+json');
      const grants = await h.call('alice-token', ROUTES.ticketGrants, { key: 'PS-200' });
      expect(grants.json.grants.filter((x: { kind: string; state: string }) => x.kind === 'ai_conversations' && x.state === 'active')).toEqual([]);
    });
  });
}
