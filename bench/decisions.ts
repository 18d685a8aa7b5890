// Row 1: our engineer access decision vs Cedar evaluating equivalent policies, in-process, over the
// same generated world and request mix. Both engines must agree on every request before any timing.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineerAccessDecision, generateWorld, indexWorld, RESOURCE_TYPES, type Grant, type Resource, type WorldIndex } from '../src/core/index';
import { median, now, summarize, type Row } from './lib/stats';

type Cedar = typeof import('@cedar-policy/cedar-wasm/nodejs');
// The nodejs build is CommonJS; the package's "import" export is the bundler (web) build.
const cedar: Cedar = createRequire(import.meta.url)('@cedar-policy/cedar-wasm/nodejs');

const HERE = dirname(fileURLToPath(import.meta.url));

interface Req { engineer: string; ticket: string; resource: Resource }

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Grants in every lifecycle state, at most one live grant of each kind per ticket. */
export function generateGrants(ix: WorldIndex, seed: number): Map<string, Grant[]> {
  const rand = rng(seed);
  const byTicket = new Map<string, Grant[]>();
  let n = 0;
  const states = ['active', 'active', 'active', 'active', 'active', 'revoked', 'pending_guard_approval', 'denied'] as const;
  for (const t of ix.world.tickets) {
    const list: Grant[] = [];
    const base = { ticket: t.key, site: t.site, product: t.product, engineer: t.engineer, version: 2 };
    if (rand() < 0.8) list.push({ ...base, id: `g${n++}`, kind: 'data', state: states[Math.floor(rand() * states.length)]! });
    if (t.aiConversationsRequested && rand() < 0.8) {
      list.push({ ...base, id: `g${n++}`, kind: 'ai_conversations', state: rand() < 0.75 ? 'active' : 'revoked', conversations: [t.aiConversationsRequested[0]!] });
    }
    byTicket.set(t.key, list);
  }
  return byTicket;
}

export function generateRequests(ix: WorldIndex, count: number, seed: number): Req[] {
  const rand = rng(seed);
  const tickets = ix.world.tickets;
  const engineers = ix.world.engineers;
  const sites = ix.world.sites;
  const reqs: Req[] = [];
  for (let i = 0; i < count; i++) {
    const t = tickets[Math.floor(rand() * tickets.length)]!;
    const engineer = rand() < 0.85 ? t.engineer : engineers[Math.floor(rand() * engineers.length)]!.id;
    const type = rand() < 0.15 ? 'ai_conversation' : RESOURCE_TYPES[Math.floor(rand() * (RESOURCE_TYPES.length - 1))]!;
    const resource: Resource = { type, id: `r-${i}` };
    const x = rand();
    if (x < 0.05) resource.site = sites[Math.floor(rand() * sites.length)]!.id;
    else if (x < 0.1) resource.product = ['jira', 'confluence', 'jira-service-management'][Math.floor(rand() * 3)]!;
    if (type === 'ai_conversation') {
      const asked = t.aiConversationsRequested ?? [];
      resource.conversation = rand() < 0.7 && asked.length ? asked[Math.floor(rand() * asked.length)]! : `conv-other-${i}`;
    }
    reqs.push({ engineer, ticket: t.key, resource });
  }
  return reqs;
}

// ---- Cedar side: entities as a Cedar deployment's loader would slice them per request ----
type Uid = { type: string; id: string };
type Ent = { uid: Uid; attrs: Record<string, unknown>; parents: Uid[] };
const ref = (type: string, id: string) => ({ __entity: { type, id } });

interface CedarCall {
  principal: Uid;
  action: Uid;
  resource: Uid;
  context: Record<string, never>;
  preparsedPolicySetId: string;
  entities: Ent[];
}

export function cedarCalls(ix: WorldIndex, grants: Map<string, Grant[]>, reqs: Req[]): CedarCall[] {
  return reqs.map((r, i) => {
    const t = ix.ticketsByKey.get(r.ticket)!;
    const site = r.resource.site ?? t.site;
    const product = r.resource.product ?? t.product;
    const ents: Ent[] = [];
    const seen = new Set<string>();
    const add = (e: Ent) => {
      const k = `${e.uid.type}::${e.uid.id}`;
      if (!seen.has(k)) { seen.add(k); ents.push(e); }
    };
    const addSite = (s: string) => { const x = ix.sitesById.get(s); if (x) add({ uid: { type: 'Site', id: s }, attrs: { active: x.status === 'active' }, parents: [] }); };
    const addProduct = (s: string, p: string) => { const x = ix.productsBySiteKey.get(`${s}/${p}`); if (x) add({ uid: { type: 'Product', id: `${s}/${p}` }, attrs: { licensed: x.licensed }, parents: [] }); };
    add({ uid: { type: 'Engineer', id: r.engineer }, attrs: {}, parents: [] });
    addSite(t.site); addSite(site); addProduct(t.site, t.product); addProduct(site, product);
    const ticketAttrs: Record<string, unknown> = {
      open: t.status === 'open', engineer: ref('Engineer', t.engineer), site: ref('Site', t.site), product: ref('Product', `${t.site}/${t.product}`),
    };
    const live = (kind: string) => {
      const ofKind = (grants.get(t.key) ?? []).filter((g) => g.kind === kind);
      return ofKind.find((g) => g.state === 'active') ?? ofKind.at(-1);
    };
    for (const [attr, g] of [['dataGrant', live('data')], ['aiGrant', live('ai_conversations')]] as const) {
      if (!g) continue;
      ticketAttrs[attr] = ref('Grant', g.id);
      add({
        uid: { type: 'Grant', id: g.id },
        attrs: { state: g.state, ticket: ref('Ticket', g.ticket), site: ref('Site', g.site), product: ref('Product', `${g.site}/${g.product}`), conversations: g.conversations ?? [] },
        parents: [],
      });
    }
    add({ uid: { type: 'Ticket', id: t.key }, attrs: ticketAttrs, parents: [] });
    const resAttrs: Record<string, unknown> = { ticket: ref('Ticket', t.key), site: ref('Site', site), product: ref('Product', `${site}/${product}`), kind: r.resource.type };
    if (r.resource.conversation) resAttrs.conversation = r.resource.conversation;
    const resource = { type: 'Resource', id: `req-${i}` };
    add({ uid: resource, attrs: resAttrs, parents: [{ type: 'Ticket', id: t.key }] });
    return { principal: { type: 'Engineer', id: r.engineer }, action: { type: 'Action', id: 'read' }, resource, context: {}, preparsedPolicySetId: 'access', entities: ents };
  });
}

function cedarAllows(call: CedarCall): boolean {
  const a = cedar.statefulIsAuthorized(call as never);
  if (a.type !== 'success') throw new Error(`Cedar failed: ${JSON.stringify(a.errors)}`);
  return a.response.decision === 'allow';
}

export async function benchDecisions(quick: boolean): Promise<Row[]> {
  const world = generateWorld({ users: 5_000, sites: 1_000, tickets: 20_000, seed: 7 });
  const ix = indexWorld(world);
  const grants = generateGrants(ix, 11);
  const reqs = generateRequests(ix, quick ? 5_000 : 20_000, 13);
  const parsed = cedar.preparsePolicySet('access', { staticPolicies: readFileSync(join(HERE, 'cedar', 'access.cedar'), 'utf8') });
  if (parsed.type !== 'success') throw new Error(`Cedar policies do not parse: ${JSON.stringify(parsed.errors)}`);
  const calls = cedarCalls(ix, grants, reqs);
  const none: Grant[] = [];
  const ours = (r: Req) => engineerAccessDecision(ix, grants.get(r.ticket) ?? none, r.engineer, r.ticket, r.resource).allowed;

  // Agreement on every request, before any timing.
  let allowed = 0;
  for (let i = 0; i < reqs.length; i++) {
    const a = ours(reqs[i]!);
    const b = cedarAllows(calls[i]!);
    if (a !== b) {
      throw new Error(`engines disagree on request ${i}: ours=${a} cedar=${b}\n${JSON.stringify(reqs[i])}\n${JSON.stringify(calls[i]!.entities)}`);
    }
    if (a) allowed++;
  }

  const rounds = quick ? 5 : 15;
  const oursRates: number[] = [];
  const cedarRates: number[] = [];
  const runOurs = () => {
    // Repeat so a round lasts long enough to time well; `sink` keeps the work observable.
    const reps = 20;
    let sink = 0;
    const t0 = now();
    for (let k = 0; k < reps; k++) for (const r of reqs) if (ours(r)) sink++;
    oursRates.push((reps * reqs.length) / ((now() - t0) / 1000));
    return sink;
  };
  const runCedar = () => {
    let sink = 0;
    const t0 = now();
    for (const c of calls) if (cedarAllows(c)) sink++;
    cedarRates.push(calls.length / ((now() - t0) / 1000));
    return sink;
  };
  runOurs(); runCedar(); oursRates.length = 0; cedarRates.length = 0; // warm-up
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) { runOurs(); runCedar(); } else { runCedar(); runOurs(); }
  }
  const lat = (f: (i: number) => unknown, n: number) => {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) { const t0 = now(); f(i); xs.push((now() - t0) * 1000); }
    return summarize(xs);
  };
  const n = Math.min(reqs.length, 5_000);
  const ol = lat((i) => ours(reqs[i]!), n);
  const cl = lat((i) => cedarAllows(calls[i]!), n);
  const ourRate = median(oursRates);
  const cedarRate = median(cedarRates);
  const ratio = ourRate / cedarRate;
  const note = `${reqs.length} requests (${allowed} allowed), both engines agree on all; median of ${rounds} interleaved rounds; Cedar ${cedar.getCedarVersion()} via statefulIsAuthorized with pre-parsed policies and pre-built per-request entity slices`;
  return [
    { name: 'decisions: ours (engineerAccessDecision)', value: ourRate, unit: 'decisions/s', median: ol.median, p99: ol.p99, latencyUnit: 'µs', ratio, target: '≥ 2× Cedar', met: ratio >= 2, note },
    { name: 'decisions: Cedar (cedar-wasm)', value: cedarRate, unit: 'decisions/s', median: cl.median, p99: cl.p99, latencyUnit: 'µs' },
  ];
}
