// The world, grants and request mix both engines decide in the decisions benchmark, and a count of
// which rule decided each request: the agreement check only means something if every clause of
// the policy (ours and bench/cedar/access.cedar) is the one that decides some of the requests.
import { conversationIds, generateWorld, GENERATED_PRODUCTS, indexWorld, seededRandom, RESOURCE_TYPES, type Grant, type GrantState, type Resource, type WorldIndex } from '../src/core/index';

export interface Req {
  engineer: string;
  ticket: string;
  resource: Resource;
}

/** The generated world, with some tickets moved onto a product their site has no licence for. */
export function decisionsWorld(seed: number): WorldIndex {
  const world = generateWorld({ users: 5_000, sites: 1_000, tickets: 20_000, seed });
  // generateWorld only files tickets on licensed products; an enforcement point still has to
  // refuse them if a licence lapses, so some tickets here sit on an unlicensed product.
  const unlicensed = new Set(world.products.filter((p) => !p.licensed).map((p) => `${p.site}/${p.key}`));
  const rand = seededRandom(seed + 1);
  for (const t of world.tickets) {
    const p = world.products.find((x) => x.site === t.site && unlicensed.has(`${x.site}/${x.key}`));
    if (p && rand() < 0.5) t.product = p.key;
  }
  return indexWorld(world);
}

const STATES: GrantState[] = ['active', 'active', 'active', 'revoked', 'denied', 'pending_guard_approval', 'requested'];

/**
 * Zero to three grants of each kind per ticket, in every lifecycle state, and some that are active
 * but about the wrong ticket, site or product: what a storage bug or a stale cache could hand the
 * decision, which must then still refuse.
 */
export function generateGrants(ix: WorldIndex, seed: number): Map<string, Grant[]> {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const { tickets, sites } = ix.world;
  const byTicket = new Map<string, Grant[]>();
  let n = 0;
  const corrupt = (g: Grant): Grant => {
    const x = rand();
    if (x < 0.06) return { ...g, ticket: pick(tickets).key };
    if (x < 0.12) return { ...g, site: pick(sites).id };
    if (x < 0.18) return { ...g, product: pick(GENERATED_PRODUCTS.filter((p) => p !== g.product)) };
    return g;
  };
  for (const t of tickets) {
    const list: Grant[] = [];
    const base = { ticket: t.key, site: t.site, product: t.product, engineer: t.engineer, version: 2 };
    for (let k = Math.floor(rand() * 4); k > 0; k--) list.push(corrupt({ ...base, id: `g${n++}`, kind: 'data', state: pick(STATES) }));
    const asked = t.aiConversationsRequested ? conversationIds(t) : [`conv-${t.key}-a`, `conv-${t.key}-b`];
    for (let k = Math.floor(rand() * (t.aiConversationsRequested ? 4 : 1.3)); k > 0; k--) {
      const conversations = asked.filter(() => rand() < 0.6);
      list.push(corrupt({ ...base, id: `g${n++}`, kind: 'ai_conversations', state: pick(STATES), conversations }));
    }
    byTicket.set(t.key, list);
  }
  return byTicket;
}

export function generateRequests(ix: WorldIndex, count: number, seed: number): Req[] {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const { tickets, engineers, sites } = ix.world;
  const dataTypes = RESOURCE_TYPES.filter((r) => r !== 'ai_conversation');
  const reqs: Req[] = [];
  for (let i = 0; i < count; i++) {
    const t = pick(tickets);
    const e = rand();
    const engineer = e < 0.85 ? t.engineer : e < 0.97 ? pick(engineers).id : `eng-unknown-${i}`;
    const k = rand();
    const type = (k < 0.2 ? 'ai_conversation' : k < 0.22 ? 'source_code' : pick(dataTypes)) as Resource['type'];
    const resource: Resource = { type, id: `r-${i}` };
    const x = rand();
    if (x < 0.04) resource.site = pick(sites).id;
    else if (x < 0.08) resource.product = pick(GENERATED_PRODUCTS);
    else if (x < 0.12) Object.assign(resource, { site: t.site, product: t.product }); // named, and right
    if (type === 'ai_conversation') {
      const asked = t.aiConversationsRequested ? conversationIds(t) : [`conv-${t.key}-a`, `conv-${t.key}-b`];
      const conversation = rand() < 0.8 ? pick(asked) : `conv-other-${i}`;
      // The API names a conversation by `conversation`, or failing that by the resource id.
      const how = rand();
      if (how < 0.6) resource.conversation = conversation;
      else if (how < 0.95) resource.id = conversation;
      else delete resource.id;
    }
    reqs.push({ engineer, ticket: t.key, resource });
  }
  return reqs;
}

export type Clause =
  | 'allowed'
  | 'allowed_by_id'
  | 'allowed_among_several'
  | 'engineer'
  | 'resource_type'
  | 'closed'
  | 'resource_site'
  | 'resource_product'
  | 'unlicensed'
  | 'site_inactive'
  | 'ai_unnamed'
  | 'grant_missing'
  | 'grant_state'
  | 'grant_ticket'
  | 'grant_site'
  | 'grant_product'
  | 'grant_kind'
  | 'grant_conversation';

export const CLAUSES: Clause[] = [
  'allowed',
  'allowed_by_id',
  'allowed_among_several',
  'engineer',
  'resource_type',
  'closed',
  'resource_site',
  'resource_product',
  'unlicensed',
  'site_inactive',
  'ai_unnamed',
  'grant_missing',
  'grant_state',
  'grant_ticket',
  'grant_site',
  'grant_product',
  'grant_kind',
  'grant_conversation',
];

/**
 * What decided a request, independently of both engines: the first request-level rule that fails,
 * or else, for a refusal, each grant on the ticket that misses by exactly one field (so a policy
 * that forgot that field would have allowed the request).
 */
export function decidedBy(ix: WorldIndex, grants: Grant[], r: Req): Clause[] {
  const t = ix.ticketsByKey.get(r.ticket)!;
  const site = r.resource.site ?? t.site;
  const product = r.resource.product ?? t.product;
  if (t.engineer !== r.engineer) return ['engineer'];
  if (!RESOURCE_TYPES.includes(r.resource.type)) return ['resource_type'];
  if (t.status !== 'open') return ['closed'];
  if (site !== t.site) return ['resource_site'];
  if (product !== t.product) return ['resource_product'];
  if (!ix.productsBySiteKey.get(`${site}/${product}`)?.licensed) return ['unlicensed'];
  if (ix.sitesById.get(site)?.status !== 'active') return ['site_inactive'];
  const ai = r.resource.type === 'ai_conversation';
  const conversation = r.resource.conversation ?? r.resource.id;
  if (ai && !conversation) return ['ai_unnamed'];
  const misses = (g: Grant): Clause[] => {
    const m: Clause[] = [];
    if (g.state !== 'active') m.push('grant_state');
    if (g.ticket !== t.key) m.push('grant_ticket');
    if (g.site !== t.site) m.push('grant_site');
    if (g.product !== t.product) m.push('grant_product');
    if (g.kind !== (ai ? 'ai_conversations' : 'data')) m.push('grant_kind');
    else if (ai && !(g.conversations ?? []).includes(conversation!)) m.push('grant_conversation');
    return m;
  };
  const all = grants.map(misses);
  if (all.some((m) => m.length === 0)) {
    return [ai && !r.resource.conversation ? 'allowed_by_id' : grants.length > 1 ? 'allowed_among_several' : 'allowed'];
  }
  const single = [...new Set(all.filter((m) => m.length === 1).map((m) => m[0]!))];
  return single.length ? single : ['grant_missing'];
}
