// A ticket's AI conversations in the world file: DESIGN §3's plain ids still load, and an entry may
// instead give what the vendor knows of the conversation (title, owner), checked like every entry.
import { describe, expect, it } from 'vitest';
import { conversationIds, conversationsById, parseWorld } from '../../src/core/index';
import { rawFixture } from './helpers';

const PS105 = (w: Record<string, any>) => w.tickets.find((t: { key: string }) => t.key === 'PS-105');

function withConversations(list: unknown): Record<string, any> {
  const w = rawFixture('demo-world');
  PS105(w).aiConversationsRequested = list;
  return w;
}

describe('aiConversationsRequested in the world file', () => {
  it('plain ids (DESIGN §3) load as before', () => {
    const t = PS105(parseWorld(withConversations(['rovo-conv-8812', 'rovo-conv-8813'])));
    expect(conversationIds(t)).toEqual(['rovo-conv-8812', 'rovo-conv-8813']);
    expect([...conversationsById(t).values()]).toEqual([{ id: 'rovo-conv-8812' }, { id: 'rovo-conv-8813' }]);
  });

  it('ids and described conversations mix; the order asked is kept', () => {
    const t = PS105(parseWorld(withConversations(['rovo-conv-1', { id: 'rovo-conv-2', title: 'Export at 2 AM', owner: 'tomas' }, { id: 'rovo-conv-3' }])));
    expect(conversationIds(t)).toEqual(['rovo-conv-1', 'rovo-conv-2', 'rovo-conv-3']);
    expect(conversationsById(t).get('rovo-conv-2')).toEqual({ id: 'rovo-conv-2', title: 'Export at 2 AM', owner: 'tomas' });
    expect(conversationsById(t).get('rovo-conv-3')).toEqual({ id: 'rovo-conv-3' });
  });

  it('the parsed world loads again unchanged (the typed form is the file form)', () => {
    const once = parseWorld(withConversations([{ id: 'rovo-conv-2', title: 'Export at 2 AM', owner: 'tomas' }, 'rovo-conv-4']));
    expect(parseWorld(JSON.parse(JSON.stringify(once)))).toEqual(once);
  });

  it.each([
    ['an owner who is not a user', [{ id: 'c1', owner: 'zed' }], /^tickets\[\d+\] \("PS-105"\) aiConversationsRequested\[0\]: owner "zed" is not a user$/],
    ['an unknown key', [{ id: 'c1', topic: 'x' }], /aiConversationsRequested\[0\]: unknown key "topic"$/],
    ['no id', [{ title: 'Untitled' }], /aiConversationsRequested\[0\]: missing "id"$/],
    ['an empty title', [{ id: 'c1', title: ' ' }], /aiConversationsRequested\[0\]: "title" must be a non-empty string$/],
    ['an empty id', [''], /aiConversationsRequested\[0\]: a conversation id must be a non-empty string$/],
    ['a number', [7], /aiConversationsRequested\[0\]: must be a conversation id or an object/],
    ['the same conversation twice, once described', ['c1', { id: 'c1', title: 'Again' }], /"aiConversationsRequested" lists "c1" twice$/],
    ['not a list', 'c1', /"aiConversationsRequested" must be a list/],
  ])('rejects %s, naming the entry', (_name, list, message) => {
    expect(() => parseWorld(withConversations(list))).toThrow(message);
  });

  it('the demo world names PS-105 conversation 8812 with its title and owner, and 8813 by id only', () => {
    const t = PS105(parseWorld(rawFixture('demo-world')));
    expect(conversationsById(t).get('rovo-conv-8812')).toMatchObject({ title: expect.any(String), owner: 'tomas' });
    expect(conversationsById(t).get('rovo-conv-8813')).toEqual({ id: 'rovo-conv-8813' });
  });
});
