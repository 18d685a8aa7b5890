// The Cedar side of the decisions benchmark: the policies in cedar/access.cedar, and per request
// the entity slice a Cedar deployment's loader would build (principal, ticket with all its grants,
// sites, products, resource). Slices are built before timing; only the decision is timed.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Grant, WorldIndex } from '../src/core/index';
import type { Req } from './decisions-world';

type CedarLib = typeof import('@cedar-policy/cedar-wasm/nodejs');
// The nodejs build is CommonJS; the package's "import" export is the bundler (web) build.
export const cedar: CedarLib = createRequire(import.meta.url)('@cedar-policy/cedar-wasm/nodejs');

const HERE = dirname(fileURLToPath(import.meta.url));

type Uid = { type: string; id: string };
type Ent = { uid: Uid; attrs: Record<string, unknown>; parents: Uid[] };
const ref = (type: string, id: string) => ({ __entity: { type, id } });

export interface CedarCall {
  principal: Uid;
  action: Uid;
  resource: Uid;
  context: Record<string, never>;
  preparsedPolicySetId: string;
  entities: Ent[];
}

export function preparseAccessPolicies(): void {
  const parsed = cedar.preparsePolicySet('access', { staticPolicies: readFileSync(join(HERE, 'cedar', 'access.cedar'), 'utf8') });
  if (parsed.type !== 'success') throw new Error(`Cedar policies do not parse: ${JSON.stringify(parsed.errors)}`);
}

/** A grant as the records the policy matches on: one per conversation for an AI grant. */
function grantRecords(g: Grant): Record<string, unknown>[] {
  const base = { kind: g.kind, state: g.state, ticket: ref('Ticket', g.ticket), site: ref('Site', g.site), product: g.product };
  return g.kind === 'ai_conversations' ? (g.conversations ?? []).map((conversation) => ({ ...base, conversation })) : [base];
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
      if (!seen.has(k)) {
        seen.add(k);
        ents.push(e);
      }
    };
    const addSite = (s: string) => {
      const x = ix.sitesById.get(s);
      if (x) add({ uid: { type: 'Site', id: s }, attrs: { active: x.status === 'active' }, parents: [] });
    };
    const addProduct = (s: string, p: string) => {
      const x = ix.productsBySiteKey.get(`${s}/${p}`);
      if (x) add({ uid: { type: 'Product', id: `${s}/${p}` }, attrs: { key: p, licensed: x.licensed }, parents: [] });
    };
    add({ uid: { type: 'Engineer', id: r.engineer }, attrs: {}, parents: [] });
    addSite(t.site);
    addSite(site);
    addProduct(t.site, t.product);
    addProduct(site, product);
    add({
      uid: { type: 'Ticket', id: t.key },
      attrs: {
        open: t.status === 'open',
        engineer: ref('Engineer', t.engineer),
        site: ref('Site', t.site),
        product: ref('Product', `${t.site}/${t.product}`),
        grants: (grants.get(t.key) ?? []).flatMap(grantRecords),
      },
      parents: [],
    });
    const resAttrs: Record<string, unknown> = { ticket: ref('Ticket', t.key), site: ref('Site', site), product: ref('Product', `${site}/${product}`), kind: r.resource.type };
    if (r.resource.conversation !== undefined) resAttrs.conversation = r.resource.conversation;
    if (r.resource.id !== undefined) resAttrs.id = r.resource.id;
    const resource = { type: 'Resource', id: `req-${i}` };
    add({ uid: resource, attrs: resAttrs, parents: [{ type: 'Ticket', id: t.key }] });
    return { principal: { type: 'Engineer', id: r.engineer }, action: { type: 'Action', id: 'read' }, resource, context: {}, preparsedPolicySetId: 'access', entities: ents };
  });
}

/** The decision, as timed. */
export function cedarAllows(call: CedarCall): boolean {
  const a = cedar.statefulIsAuthorized(call as never);
  if (a.type !== 'success') throw new Error(`Cedar failed: ${JSON.stringify(a.errors)}`);
  return a.response.decision === 'allow';
}

/**
 * The decision with its evaluation errors: Cedar skips a policy whose condition errors (a missing
 * attribute or entity), which reads as deny. The agreement pass must see none, or a deny could be
 * an accident of the entity slice rather than the policy's answer.
 */
export function cedarDecide(call: CedarCall): { allow: boolean; errors: string[] } {
  const a = cedar.statefulIsAuthorized(call as never);
  if (a.type !== 'success') throw new Error(`Cedar failed: ${JSON.stringify(a.errors)}`);
  return { allow: a.response.decision === 'allow', errors: a.response.diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`) };
}
